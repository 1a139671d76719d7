import { randomBytes } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import SftpClient from 'ssh2-sftp-client';
import { limits } from '../../limits.ts';
import type { FileFolders } from './transport.ts';

/** sftp://user@host:port — the folders are the paths of MASSPAYOUT_ISO20022_OUTBOX_DIR / _INBOX_DIR on that server. */
function endpointOf(url: string): { host: string; port: number; username: string } {
  const parsed = new URL(url);
  if (parsed.protocol !== 'sftp:') throw new Error(`MASSPAYOUT_ISO20022_SFTP_URL must be sftp://user@host:port, got "${url}"`);
  if (!parsed.username) throw new Error('MASSPAYOUT_ISO20022_SFTP_URL names no user (sftp://user@host:port)');
  return { host: parsed.hostname, port: parsed.port ? Number(parsed.port) : 22, username: decodeURIComponent(parsed.username) };
}

/**
 * The folders on an SFTP server (a bank's host-to-host endpoint), authenticated by a private key.
 * One connection, opened on first use and again after a failure, one call on it at a time. A file
 * is uploaded under a temporary dot name, then renamed: SFTP's plain rename fails when the target
 * exists (OpenSSH links, then unlinks), so a file once written is never replaced. Durability on the
 * server's disk is the server's: SFTP v3 has no fsync of its own.
 */
export async function sftpFolders(options: { url: string; privateKeyFile: string }): Promise<FileFolders> {
  const endpoint = endpointOf(options.url);
  const privateKey = await readFile(options.privateKeyFile);
  let client: SftpClient | undefined;
  const connected = async (): Promise<SftpClient> => {
    if (client) return client;
    const fresh = new SftpClient('masspayout');
    await fresh.connect({ ...endpoint, privateKey, readyTimeout: limits.sftpConnectTimeoutMs });
    client = fresh;
    return fresh;
  };
  // One call at a time on the connection: the rail's two loops share it, and ssh2-sftp-client's
  // per-call error listeners on the one client can take another call's error for their own.
  let previous: Promise<unknown> = Promise.resolve();
  const run = <T>(work: (sftp: SftpClient) => Promise<T>): Promise<T> => {
    const next = previous.then(() => runAlone(work));
    previous = next.catch(() => undefined);
    return next;
  };
  const runAlone = async <T>(work: (sftp: SftpClient) => Promise<T>): Promise<T> => {
    const sftp = await connected();
    try {
      return await work(sftp);
    } catch (error) {
      // A broken connection is opened again by the next call; an answer from the server is just an error.
      if (!(await sftp.cwd().then(() => true, () => false))) {
        client = undefined;
        await sftp.end().catch(() => undefined);
      }
      throw error;
    }
  };
  const exists = (sftp: SftpClient, path: string) => sftp.exists(path).then((kind) => kind !== false);
  // A folder another party creates at the same moment (the bank, another process) makes mkdir fail: it is there all the same.
  const ensureDir = async (sftp: SftpClient, path: string) => {
    if (await exists(sftp, path)) return;
    await sftp.mkdir(path, true).catch(async (error) => {
      if (!(await exists(sftp, path))) throw error;
    });
  };
  return {
    writeNew: (dir, name, content) =>
      run(async (sftp) => {
        await ensureDir(sftp, dir);
        if (await exists(sftp, `${dir}/${name}`)) return 'exists';
        const temporary = `${dir}/.${name}.${randomBytes(4).toString('hex')}.part`;
        await sftp.put(Buffer.from(content, 'utf8'), temporary);
        try {
          await sftp.rename(temporary, `${dir}/${name}`);
          return 'written';
        } catch (error) {
          await sftp.delete(temporary, true).catch(() => undefined);
          if (await exists(sftp, `${dir}/${name}`)) return 'exists';
          throw error;
        }
      }),
    list: (dir) =>
      run(async (sftp) => {
        await ensureDir(sftp, dir);
        const entries = await sftp.list(dir);
        return entries
          .filter((e) => e.type === '-' && !e.name.startsWith('.'))
          .map((e) => ({ name: e.name, size: e.size }))
          .sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
      }),
    read: (dir, name) => run(async (sftp) => (await sftp.get(`${dir}/${name}`)) as Buffer),
    moveInto: (dir, name, sub) =>
      run(async (sftp) => {
        await ensureDir(sftp, `${dir}/${sub}`);
        for (let n = 0; n < 1000; n++) {
          const to = `${dir}/${sub}/${n === 0 ? name : `${name}.${n}`}`;
          if (await exists(sftp, to)) continue;
          if (!(await exists(sftp, `${dir}/${name}`))) return; // another process moved it first
          await sftp.rename(`${dir}/${name}`, to);
          return;
        }
        throw new Error(`${dir}/${sub} holds 1,000 files named ${name}`);
      }),
    async close() {
      await previous;
      await client?.end().catch(() => undefined);
      client = undefined;
    },
  };
}

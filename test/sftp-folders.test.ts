import { spawn, execFileSync, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sftpFolders } from '../src/rails/iso20022/sftp-folders.ts';
import type { FileFolders } from '../src/rails/iso20022/transport.ts';
import { freePort } from './support/process.ts';
import { waitFor } from './support/wait.ts';

/**
 * The SFTP transport against a real OpenSSH server started here: its own host key and authorized
 * key in a temp dir, listening on 127.0.0.1 only, on a free port (`.ci/run` installs openssh-server).
 */
const sshd = '/usr/sbin/sshd';
const user = process.env.USER || 'root';

describe.skipIf(!existsSync(sshd))(`the bank rail over SFTP (a real OpenSSH server; needs ${sshd}, Debian's openssh-server, which .ci/run installs)`, () => {
  let dir: string;
  let server: ChildProcess;
  let folders: FileFolders;

  beforeAll(async () => {
    dir = await mkdtemp(path.join(tmpdir(), 'masspayout-sftp-'));
    execFileSync('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-f', path.join(dir, 'host_key')]);
    execFileSync('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-f', path.join(dir, 'client_key')]);
    await writeFile(path.join(dir, 'authorized_keys'), await readFile(path.join(dir, 'client_key.pub')));
    await mkdir('/run/sshd', { recursive: true });
    const port = await freePort();
    const config = [
      `Port ${port}`,
      'ListenAddress 127.0.0.1',
      `HostKey ${path.join(dir, 'host_key')}`,
      `AuthorizedKeysFile ${path.join(dir, 'authorized_keys')}`,
      'PasswordAuthentication no',
      'KbdInteractiveAuthentication no',
      'PermitRootLogin prohibit-password',
      'StrictModes no',
      'UsePAM no',
      `PidFile ${path.join(dir, 'sshd.pid')}`,
      'Subsystem sftp internal-sftp',
    ].join('\n');
    await writeFile(path.join(dir, 'sshd_config'), config + '\n');
    server = spawn(sshd, ['-D', '-e', '-f', path.join(dir, 'sshd_config')], { stdio: ['ignore', 'pipe', 'pipe'] });
    let log = '';
    server.stderr!.on('data', (chunk) => (log += chunk));
    await waitFor(async () => log.includes('Server listening') || undefined, 30_000, () => `sshd did not start: ${log}`, 50);
    folders = await sftpFolders({ url: `sftp://${user}@127.0.0.1:${port}`, privateKeyFile: path.join(dir, 'client_key') });
  }, 60_000);

  afterAll(async () => {
    await folders?.close();
    server?.kill('SIGTERM');
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  it('writes a file once under its name (never over it), lists, reads and moves files on the server', async () => {
    const outbox = path.join(dir, 'outbox');
    expect(await folders.writeNew(outbox, 'pain.001.MP1.xml', '<Document/>')).toBe('written');
    expect(await folders.writeNew(outbox, 'pain.001.MP1.xml', 'something else')).toBe('exists');
    expect(await readFile(path.join(outbox, 'pain.001.MP1.xml'), 'utf8')).toBe('<Document/>');
    await writeFile(path.join(outbox, '.hidden.part'), 'x');
    expect(await folders.list(outbox)).toEqual([{ name: 'pain.001.MP1.xml', size: 11 }]);
    expect((await folders.read(outbox, 'pain.001.MP1.xml')).toString()).toBe('<Document/>');
    await folders.moveInto(outbox, 'pain.001.MP1.xml', 'processed');
    await folders.writeNew(outbox, 'pain.001.MP1.xml', 'again');
    await folders.moveInto(outbox, 'pain.001.MP1.xml', 'processed');
    expect(await folders.list(outbox)).toEqual([]);
    expect((await folders.list(path.join(outbox, 'processed'))).map((f) => f.name)).toEqual(['pain.001.MP1.xml', 'pain.001.MP1.xml.1']);
  }, 60_000);
});

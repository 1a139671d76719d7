import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { freePort } from './process.ts';
import { waitFor } from './wait.ts';

/** Debian's openssh-server (`.ci/run` installs it): the SFTP tests skip, saying so, without it. */
export const sshdPath = '/usr/sbin/sshd';
export const sshdMissing = !existsSync(sshdPath);

export interface TestSshd {
  /** sftp://user@127.0.0.1:port */
  url: string;
  /** The client's private key, authorised on the server. */
  privateKeyFile: string;
  /** A temp dir of the server's, for the folders the test serves. */
  dir: string;
  /** What the server logged so far (VERBOSE: each connection, the key it accepted, each SFTP session). */
  log(): string;
  stop(): Promise<void>;
}

/**
 * A real OpenSSH server for one test file: its own host key and one authorised client key in a temp
 * dir, listening on 127.0.0.1 only, on a free port, logging to its stderr at VERBOSE.
 */
export async function startSshd(): Promise<TestSshd> {
  const dir = await mkdtemp(path.join(tmpdir(), 'masspayout-sftp-'));
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
    'LogLevel VERBOSE',
    'Subsystem sftp internal-sftp',
  ].join('\n');
  await writeFile(path.join(dir, 'sshd_config'), config + '\n');
  const server: ChildProcess = spawn(sshdPath, ['-D', '-e', '-f', path.join(dir, 'sshd_config')], { stdio: ['ignore', 'pipe', 'pipe'] });
  let log = '';
  server.stderr!.on('data', (chunk) => (log += chunk));
  server.stdout!.on('data', (chunk) => (log += chunk));
  const stop = async () => {
    if (server.exitCode === null && server.signalCode === null) {
      const exited = new Promise((resolve) => server.once('exit', resolve));
      server.kill('SIGTERM');
      await exited;
    }
    await rm(dir, { recursive: true, force: true });
  };
  try {
    await waitFor(async () => log.includes('Server listening') || undefined, 30_000, () => `sshd did not start: ${log}`, 50);
  } catch (error) {
    await stop();
    throw error;
  }
  const user = process.env.USER || 'root';
  return { url: `sftp://${user}@127.0.0.1:${port}`, privateKeyFile: path.join(dir, 'client_key'), dir, log: () => log, stop };
}

import { execFile } from 'node:child_process';
import { existsSync, readdirSync } from 'node:fs';
import { chmod, chown, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { freePort } from './process.ts';

const run = promisify(execFile);

/** Debian's PostgreSQL binaries (initdb, pg_ctl), newest version first; undefined when not installed. */
export function postgresBinDir(): string | undefined {
  const root = '/usr/lib/postgresql';
  if (!existsSync(root)) return undefined;
  const versions = readdirSync(root).filter((v) => existsSync(path.join(root, v, 'bin', 'pg_ctl')));
  versions.sort((a, b) => Number(b) - Number(a));
  return versions.length > 0 ? path.join(root, versions[0], 'bin') : undefined;
}

/** Whether this process may run PostgreSQL's tools as the `postgres` user (initdb refuses root). */
export function canRunAsPostgres(): boolean {
  return process.getuid?.() === 0 && existsSync('/usr/sbin/runuser');
}

/**
 * A PostgreSQL server of the test's own, in a temp dir on a free port: one the test may stop and
 * start (the machine's shared server must never be restarted under other tests). The bench starts
 * one too, to measure server settings (`--pg-private`): with `fsync` on, as a production server runs.
 */
export interface PrivatePostgres {
  url: string;
  stop(): Promise<void>;
  start(): Promise<void>;
  destroy(): Promise<void>;
}

export interface PrivatePostgresOptions {
  /** Server settings on top of initdb's defaults (`-c name=value`), e.g. { shared_buffers: '2GB' }. */
  settings?: Record<string, string>;
  /** Off by default: a test's server may lose its data in a crash of the machine, and is faster for it. */
  fsync?: boolean;
}

export async function startPrivatePostgres(startOptions: PrivatePostgresOptions = {}): Promise<PrivatePostgres> {
  const bin = postgresBinDir();
  if (!bin) throw new Error('no PostgreSQL binaries under /usr/lib/postgresql');
  const dir = await mkdtemp(path.join(tmpdir(), 'masspayout-pg-'));
  await chmod(dir, 0o755);
  const pgdata = path.join(dir, 'data');
  const { uid, gid } = await postgresIds();
  await chown(dir, uid, gid);
  const port = await freePort();
  const asPostgres = (tool: string, args: string[]) => run('runuser', ['-u', 'postgres', '--', path.join(bin, tool), ...args], { cwd: dir });
  await asPostgres('initdb', ['-D', pgdata, '-A', 'trust', '-U', 'postgres', '--no-sync']);
  const settings = { listen_addresses: '127.0.0.1', fsync: startOptions.fsync ? 'on' : 'off', max_connections: '50', ...startOptions.settings };
  const options = [`-p ${port} -k ${dir}`, ...Object.entries(settings).map(([name, value]) => `-c ${name}=${value}`)].join(' ');
  const start = async () => void (await asPostgres('pg_ctl', ['-D', pgdata, '-o', options, '-l', path.join(dir, 'log'), '-w', '-t', '60', 'start']));
  const stop = async () => void (await asPostgres('pg_ctl', ['-D', pgdata, '-m', 'fast', '-w', '-t', '60', 'stop']));
  await start();
  return {
    url: `postgres://postgres@127.0.0.1:${port}/postgres`,
    start,
    stop,
    async destroy() {
      await stop().catch(() => undefined);
      await rm(dir, { recursive: true, force: true });
    },
  };
}

async function postgresIds(): Promise<{ uid: number; gid: number }> {
  const [{ stdout: uid }, { stdout: gid }] = await Promise.all([run('id', ['-u', 'postgres']), run('id', ['-g', 'postgres'])]);
  return { uid: Number(uid), gid: Number(gid) };
}

import { spawn } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { DataDirInUseError, lockDataDir } from '../src/db/data-dir-lock.ts';
import { ensureGone, sharedEnv, startServe, stopGracefully } from './support/deployment.ts';
import { type CliProcess, freePort, runCli } from './support/process.ts';

/** One owner per embedded data dir: a second service refuses to start; a dead owner's lock is taken over. */
const cleanups: Array<() => Promise<void>> = [];
const running: CliProcess[] = [];
afterAll(async () => {
  for (const cli of running.splice(0)) await ensureGone(cli);
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
}, 60_000);

async function tempDir(): Promise<string> {
  const dir = await mkdtemp(path.join(tmpdir(), 'masspayout-lock-'));
  cleanups.push(() => rm(dir, { recursive: true, force: true }));
  return dir;
}

/** The pid of a process that has exited (so no process has it, until the OS reuses it). */
async function deadPid(): Promise<number> {
  const child = spawn(process.execPath, ['-e', '0']);
  await new Promise((resolve) => child.once('exit', resolve));
  return child.pid!;
}

describe('the embedded data dir lock', () => {
  it('a second `serve` on the same data dir refuses to start with one line naming the first one\'s pid; the first keeps serving', { timeout: 240_000 }, async () => {
    const dataDir = await tempDir();
    const env = sharedEnv({ MASSPAYOUT_DATA_DIR: dataDir });
    const first = await startServe(env);
    running.push(first.cli);
    const second = runCli(['serve'], { ...env, HOST: '127.0.0.1', PORT: String(await freePort()) });
    running.push(second);
    expect(await second.exited(120_000)).toBe(1);
    const lines = second.output().trim().split('\n');
    expect(lines, second.output()).toHaveLength(1);
    expect(lines[0]).toContain(`in use by process ${first.cli.child.pid}`);
    expect(second.output()).not.toContain('listening');
    // `migrate` is refused the same way: nothing but the owner opens the files.
    const migrate = runCli(['migrate'], env);
    expect(await migrate.exited(120_000)).toBe(1);
    expect(migrate.output()).toContain(`in use by process ${first.cli.child.pid}`);
    expect((await first.admin.trialBalance()).balanced).toBe(true);
    await stopGracefully(first.cli);
    // Stopped, it leaves no lock behind: the next start takes the dir.
    await expect(readFile(path.join(dataDir, 'masspayout.pid'), 'utf8')).rejects.toThrow(/ENOENT/);
  });

  it('a lock whose process is gone is taken over; one of a live process refuses; the same process cannot take it twice', async () => {
    const dataDir = await tempDir();
    const file = path.join(dataDir, 'masspayout.pid');
    await writeFile(file, `${await deadPid()}\n`);
    const lock = await lockDataDir(dataDir);
    expect(await readFile(file, 'utf8')).toBe(`${process.pid}\n`);
    await expect(lockDataDir(dataDir)).rejects.toBeInstanceOf(DataDirInUseError);
    await lock.release();
    await expect(readFile(file, 'utf8')).rejects.toThrow(/ENOENT/);

    const sleeper = spawn(process.execPath, ['-e', 'setTimeout(() => {}, 60000)']);
    cleanups.push(async () => void sleeper.kill('SIGKILL'));
    await writeFile(file, `${sleeper.pid}\n`);
    await expect(lockDataDir(dataDir)).rejects.toThrow(`in use by process ${sleeper.pid}`);
    expect(await readFile(file, 'utf8')).toBe(`${sleeper.pid}\n`);
  });

  it('of several processes taking over one stale lock at once, exactly one wins', async () => {
    const dataDir = await tempDir();
    await writeFile(path.join(dataDir, 'masspayout.pid'), `${await deadPid()}\n`);
    const script = `import('${path.resolve('src/db/data-dir-lock.ts')}').then(async (m) => {
      try { await m.lockDataDir(process.argv[1]); console.log('won'); setTimeout(() => {}, 60000); }
      catch (e) { console.log(e.name); }
    })`;
    const racers = Array.from({ length: 4 }, () => spawn(process.execPath, ['--import', 'tsx', '-e', script, dataDir], { stdio: ['ignore', 'pipe', 'inherit'] }));
    const outcomes = await Promise.all(
      racers.map(
        (racer) =>
          new Promise<string>((resolve) => {
            let text = '';
            racer.stdout!.on('data', (chunk) => {
              text += chunk;
              if (text.includes('\n')) resolve(text.trim());
            });
            racer.once('exit', () => resolve(text.trim()));
          }),
      ),
    );
    for (const racer of racers) racer.kill('SIGKILL');
    expect(outcomes.filter((o) => o === 'won'), outcomes.join(', ')).toHaveLength(1);
    expect(outcomes.filter((o) => o === 'DataDirInUseError')).toHaveLength(3);
  }, 120_000);
});

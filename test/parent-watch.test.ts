import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { limits } from '../src/limits.ts';
import { seededDataDir } from './support/db.ts';
import { freePort } from './support/process.ts';
import { waitUntil as waitUntilWithin } from './support/wait.ts';

/**
 * `npm start` runs `serve` through a shell; a `kill` of npm (SIGKILL here: npm cannot pass it on)
 * reaches neither. The service notices it lost its parent and stops as on SIGTERM, releasing its
 * data dir.
 */
const repoRoot = fileURLToPath(new URL('..', import.meta.url));

async function parentOf(pid: number): Promise<number | undefined> {
  const stat = await readFile(`/proc/${pid}/stat`, 'utf8').catch(() => undefined);
  // The command name (2nd field) may hold spaces; the fields after its closing parenthesis do not.
  return stat === undefined ? undefined : Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
}

/** Every live node process below `root` whose arguments hold all of `words` (or end with one). */
async function descendantsRunning(root: number, words: string[]): Promise<number[]> {
  const found: number[] = [];
  for (const entry of await readdir('/proc')) {
    const pid = Number(entry);
    if (!Number.isInteger(pid)) continue;
    const cmdline = (await readFile(`/proc/${pid}/cmdline`, 'utf8').catch(() => '')).split('\0');
    // The node process itself, not the shell that npm runs it through (`sh -c "node … serve"`).
    if (path.basename(cmdline[0]) !== 'node' || !words.every((word) => cmdline.includes(word) || cmdline.some((arg) => arg.endsWith(word)))) continue;
    for (let at: number | undefined = pid, hops = 0; at && at > 1 && hops < 10; at = await parentOf(at), hops++) {
      if (at === root) {
        found.push(pid);
        break;
      }
    }
  }
  return found;
}

function isRunning(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

const waitUntil = (what: string, check: () => boolean | Promise<boolean>, timeoutMs: number) => waitUntilWithin(what, check, timeoutMs, 100);

const cleanups: Array<() => Promise<void>> = [];
afterAll(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

describe('serve started by npm', () => {
  it('stops by itself when the npm process that started it is killed', { timeout: 240_000 }, async () => {
    const dataDir = await mkdtemp(path.join(tmpdir(), 'masspayout-npm-'));
    cleanups.push(() => rm(dataDir, { recursive: true, force: true }));
    await seededDataDir(dataDir);
    const env = {
      PATH: process.env.PATH ?? '',
      HOME: process.env.HOME ?? '/tmp',
      PORT: String(await freePort()),
      MASSPAYOUT_DATA_DIR: dataDir,
      MASSPAYOUT_ADMIN_TOKEN: randomBytes(16).toString('hex'),
      MASSPAYOUT_MASTER_KEY: randomBytes(32).toString('hex'),
      MASSPAYOUT_WORKER_CONCURRENCY: '0',
    };
    const npm = spawn('npm', ['start', '--silent'], { cwd: repoRoot, env, stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    npm.stdout.on('data', (chunk: Buffer) => (output += chunk.toString('utf8')));
    npm.stderr.on('data', (chunk: Buffer) => (output += chunk.toString('utf8')));
    let servePid: number | undefined;
    cleanups.push(async () => {
      for (const pid of [npm.pid, servePid]) if (pid && isRunning(pid)) process.kill(pid, 'SIGKILL');
    });

    await waitUntil(`"listening on" in npm start's output:\n${output}`, () => /listening on http/.test(output), 180_000);
    const serves = await descendantsRunning(npm.pid!, ['masspayout.js', 'serve']);
    expect(serves, output).toHaveLength(1);
    servePid = serves[0];
    expect(existsSync(path.join(dataDir, 'masspayout.pid'))).toBe(true);

    npm.kill('SIGKILL');
    // It checks every parentCheckIntervalMs, then stops as on SIGTERM (closes the database cleanly).
    await waitUntil(`serve (pid ${servePid}) gone after npm was killed:\n${output}`, () => !isRunning(servePid!), limits.parentCheckIntervalMs + 30_000);
    expect(output).toContain('the npm process that started this service is gone: stopping');
    expect(existsSync(path.join(dataDir, 'masspayout.pid')), 'the data dir is released').toBe(false);
  });
});

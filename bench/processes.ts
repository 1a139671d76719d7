import { spawn, type ChildProcess } from 'node:child_process';
import { appendFileSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { readFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { setTimeout as sleep } from 'node:timers/promises';

/**
 * The service and its workers as real processes (`node bin/masspayout.js serve|worker`), exactly as an
 * operator runs them, so that what the benchmark reports as memory is one process's own resident set.
 * Every child is registered here and killed by `stopAll`, which run.ts calls on any exit path.
 */

const bin = fileURLToPath(new URL('../bin/masspayout.js', import.meta.url));
/** The node flags of bin/masspayout.js's `#!/usr/bin/env -S node …` line: spawned through node here, the line itself is not read. */
const serviceNodeFlags = readFileSync(bin, 'utf8').split('\n')[0].split(' ').filter((word) => word.startsWith('--'));
const running = new Set<Child>();

export interface Child {
  name: string;
  process: ChildProcess;
  /** The last lines it printed (stdout and stderr), for the report when something goes wrong. */
  tail(): string;
  exited: Promise<number | null>;
}

/** Starts `masspayout <command> [args]` with `env` on top of a clean environment (no inherited DATABASE_URL …). */
export function startChild(name: string, command: 'serve' | 'worker' | 'migrate' | 'bank-simulator', env: Record<string, string>, args: readonly string[] = []): Child {
  return startNode(name, [bin, command, ...args], env, serviceNodeFlags);
}

/** Starts one of the bench's own TypeScript programs (`file`, next to this one) as a child, registered like the service's. */
export function startBenchScript(name: string, file: string, env: Record<string, string>): Child {
  return startNode(name, ['--import', 'tsx', fileURLToPath(new URL(file, import.meta.url))], env);
}

/** `flags` come before BENCH_CHILD_NODE_ARGS, so that a flag given there overrides the service's own (the last one counts). */
function startNode(name: string, args: readonly string[], env: Record<string, string>, flags: readonly string[] = []): Child {
  const inherited: Record<string, string> = {};
  for (const key of ['PATH', 'HOME', 'TMPDIR', 'LANG', 'NODE_OPTIONS']) if (process.env[key] !== undefined) inherited[key] = process.env[key]!;
  // BENCH_CHILD_NODE_ARGS="--cpu-prof --cpu-prof-dir=/tmp/prof" profiles the service processes
  // (node refuses --cpu-prof in NODE_OPTIONS); a profile is written when the child exits on SIGTERM.
  const nodeArgs = (process.env.BENCH_CHILD_NODE_ARGS ?? '').split(' ').filter((arg) => arg !== '');
  const child = spawn(process.execPath, [...flags, ...nodeArgs, ...args], { env: { ...inherited, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  const lines: string[] = [];
  // BENCH_CHILD_LOG_DIR=/tmp/logs keeps every line each child prints (with --trace-gc, say), in <dir>/<name>.log.
  const logDir = process.env.BENCH_CHILD_LOG_DIR;
  const keep = (chunk: Buffer) => {
    if (logDir) appendFileSync(join(logDir, `${name}.log`), chunk);
    for (const line of chunk.toString('utf8').split('\n')) if (line.trim() !== '') lines.push(line);
    if (lines.length > 40) lines.splice(0, lines.length - 40);
  };
  child.stdout!.on('data', keep);
  child.stderr!.on('data', keep);
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  const handle: Child = { name, process: child, tail: () => lines.join('\n'), exited };
  running.add(handle);
  void exited.then(() => running.delete(handle));
  return handle;
}

/** SIGTERM (graceful: workers finish their chunk), then SIGKILL after `graceMs`. */
export async function stopChild(child: Child, graceMs = 15_000): Promise<void> {
  if (child.process.exitCode !== null || child.process.signalCode !== null) return;
  child.process.kill('SIGTERM');
  const done = await Promise.race([child.exited.then(() => true), sleep(graceMs).then(() => false)]);
  if (!done) {
    child.process.kill('SIGKILL');
    await child.exited;
  }
}

export async function stopAll(): Promise<void> {
  await Promise.all([...running].map((child) => stopChild(child, 5_000)));
}

/** Kills every child at once, synchronously: for process 'exit', where nothing can be awaited. */
export function killAllNow(): void {
  for (const child of running) if (child.process.exitCode === null) child.process.kill('SIGKILL');
}

/** The bench picks ports the way the tests do. */
export { freePort } from '../test/support/process.ts';

/** Polls GET /healthz until it answers 200, the child dies, or `timeoutMs` passes. */
export async function waitHealthy(child: Child, url: string, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (child.process.exitCode !== null) throw new Error(`${child.name} exited with ${child.process.exitCode}:\n${child.tail()}`);
    try {
      const response = await fetch(`${url}/healthz`, { signal: AbortSignal.timeout(2_000) });
      if (response.status === 200) return;
    } catch {
      // not listening yet
    }
    await sleep(100);
  }
  throw new Error(`${child.name} did not answer /healthz within ${timeoutMs} ms:\n${child.tail()}`);
}

/** Waits until the child printed a line matching `pattern` (a worker has no HTTP port to poll). */
export async function waitForLine(child: Child, pattern: RegExp, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (pattern.test(child.tail())) return;
    if (child.process.exitCode !== null) throw new Error(`${child.name} exited with ${child.process.exitCode}:\n${child.tail()}`);
    await sleep(100);
  }
  throw new Error(`${child.name} did not print ${pattern} within ${timeoutMs} ms:\n${child.tail()}`);
}

export interface ProcessUsage {
  /** Peak resident set (VmHWM) since the process started, in MB (10^6 bytes, as the targets are stated). */
  peakRssMB: number;
  rssMB: number;
  /** User + system CPU time since start, in seconds: less sensitive to a busy machine than wall time. */
  cpuSeconds: number;
}

/** Reads /proc/<pid>/status and /proc/<pid>/stat (Linux). */
export async function usageOf(child: Child): Promise<ProcessUsage> {
  const pid = child.process.pid!;
  const [status, stat] = await Promise.all([readFile(`/proc/${pid}/status`, 'utf8'), readFile(`/proc/${pid}/stat`, 'utf8')]);
  const kib = (field: string) => Number(new RegExp(`^${field}:\\s+(\\d+) kB`, 'm').exec(status)?.[1] ?? NaN);
  // fields after the ")" that ends the command name: utime and stime are the 12th and 13th
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  const ticks = Number(fields[11]) + Number(fields[12]);
  return { peakRssMB: (kib('VmHWM') * 1024) / 1e6, rssMB: (kib('VmRSS') * 1024) / 1e6, cpuSeconds: ticks / 100 };
}

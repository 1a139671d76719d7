import { type ChildProcess, spawn } from 'node:child_process';
import { createServer } from 'node:net';
import { fileURLToPath } from 'node:url';

const bin = fileURLToPath(new URL('../../bin/masspayout.js', import.meta.url));

/**
 * Node's arguments for `masspayout <args>` as a child of a test. `--liftoff-only` keeps PGlite's
 * WebAssembly on V8's baseline compiler: a child lives seconds, too short for the optimising tier to
 * pay back the CPU it spends compiling in the background (serve to its ready line: ~4.3 s of CPU
 * against ~7.7 s).
 */
export function cliArgv(args: string[]): string[] {
  return ['--liftoff-only', bin, ...args];
}

/** `masspayout <args>` as a real child process, with its output collected as it arrives. */
export interface CliProcess {
  child: ChildProcess;
  output(): string;
  /**
   * Resolves with the first match of `pattern` in stdout+stderr; rejects after `timeoutMs` or on exit.
   * The bound is generous: a start (tsx, then PGlite's WebAssembly) takes ~3 s alone, and well over
   * 30 s on a 2-core machine running other suites at once.
   */
  waitFor(pattern: RegExp, timeoutMs?: number): Promise<RegExpMatchArray>;
  /** Resolves with the exit code once the process ends (rejects after `timeoutMs`). */
  exited(timeoutMs?: number): Promise<number | null>;
}

export function runCli(args: string[], env: Record<string, string | undefined>): CliProcess {
  // Only what the service reads: the parent's DATABASE_URL must not leak in unless asked for.
  const childEnv: Record<string, string> = { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '/tmp' };
  for (const [name, value] of Object.entries(env)) if (value !== undefined) childEnv[name] = value;
  const child = spawn(process.execPath, cliArgv(args), { env: childEnv, stdio: ['ignore', 'pipe', 'pipe'] });
  let text = '';
  const listeners = new Set<() => void>();
  const onData = (chunk: Buffer) => {
    text += chunk.toString('utf8');
    for (const listener of listeners) listener();
  };
  child.stdout!.on('data', onData);
  child.stderr!.on('data', onData);
  const exit = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));

  return {
    child,
    output: () => text,
    waitFor(pattern, timeoutMs = 120_000) {
      return new Promise((resolve, reject) => {
        const check = () => {
          const match = pattern.exec(text);
          if (match) done(() => resolve(match));
        };
        const timer = setTimeout(() => done(() => reject(new Error(`no ${pattern} within ${timeoutMs} ms; output:\n${text}`))), timeoutMs);
        void exit.then((code) => done(() => reject(new Error(`exited (${code}) before ${pattern}; output:\n${text}`))));
        const done = (settle: () => void) => {
          clearTimeout(timer);
          listeners.delete(check);
          settle();
        };
        listeners.add(check);
        check();
      });
    },
    exited(timeoutMs = 60_000) {
      return Promise.race([
        exit,
        new Promise<never>((_, reject) => setTimeout(() => reject(new Error(`still running after ${timeoutMs} ms; output:\n${text}`)), timeoutMs).unref()),
      ]);
    },
  };
}

/** A TCP port nobody listens on right now (the OS picks it). */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => (address && typeof address === 'object' ? resolve(address.port) : reject(new Error('no port'))));
    });
  });
}

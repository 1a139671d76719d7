import { spawn } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, expect, it } from 'vitest';
import { installationDb } from './db.ts';
import { freePort } from './process.ts';
import { waitFor } from './wait.ts';

/**
 * The README's walkthrough, run verbatim: a ```bash block of its walkthrough section in a bash that
 * stops at the first failing command (-e -o pipefail), from the root of the repository, on a fresh
 * data dir and a free port (and, when DATABASE_URL is set, a fresh schema on that server). If a
 * command in the README stops working as printed, this fails. Each block is a story of its own (its
 * own data dir, service and port), so each has a test file of its own and the two run side by side.
 */
const root = fileURLToPath(new URL('../..', import.meta.url));

export interface BlockRun {
  code: number | null;
  stdout: string;
  stderr: string;
  /** Exit code, stdout and stderr in one text, for failure messages. */
  output: string;
}

/** What every block ends with: the same payroll, final, paid, its books and audit trail checked. */
const payrollDone = [
  'COMPLETED: 21/21 items final, 16 paid, 1 failed, 4 invalid, paid 497,576.50 of 527,826.50 TRY',
  'P-2026-01-014,IBAN,TR740001207381249311532899,Ece Güneş,30250,TRY,Ocak 2026 maaşı,DEPOSIT_SUCCESS,',
  'TRY: 252,399.50 available, 0.00 reserved',
  'the ledger balances (0.00 TRY)',
  'the audit trail is intact',
];

/**
 * The test of the walkthrough's `index`th ```bash block (0 is the first): it runs as printed, exits
 * 0, ends with the finished payroll, and shows what `showsAlso` checks besides.
 */
export function walkthroughBlockTest(name: string, index: number, showsAlso: (run: BlockRun) => void): void {
  const cleanups: Array<() => Promise<void>> = [];
  afterAll(async () => {
    for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
  });
  it(name, async () => {
    const run = await runBlock(index, cleanups);
    expect(run.code, run.output).toBe(0);
    for (const line of payrollDone) expect(run.stdout, run.output).toContain(line);
    showsAlso(run);
  }, 300_000);
}

function walkthroughScript(readme: string, index: number): string {
  const section = readme.split('<!-- section: walkthrough -->')[1]?.split(/<!-- section: /)[0];
  const block = section && [...section.matchAll(/```bash\n([\s\S]*?)```/g)][index];
  if (!block) throw new Error(`README.md has no ${index + 1}. \`\`\`bash block in its walkthrough section`);
  return block[1];
}

/** Runs one walkthrough block as the README prints it; its exit code and output. */
async function runBlock(index: number, cleanups: Array<() => Promise<void>>): Promise<BlockRun> {
  const script = walkthroughScript(await readFile(path.join(root, 'README.md'), 'utf8'), index);
  const work = await mkdtemp(path.join(tmpdir(), 'masspayout-walkthrough-'));
  cleanups.push(() => rm(work, { recursive: true, force: true }));
  const scriptFile = path.join(work, 'walkthrough.sh');
  await writeFile(scriptFile, script);
  const port = await freePort();
  const env: Record<string, string> = {
    PATH: process.env.PATH ?? '',
    HOME: process.env.HOME ?? '/tmp',
    PORT: String(port),
    HOST: '127.0.0.1',
    MASSPAYOUT_DATA_DIR: path.join(work, 'data'),
  };
  const database = await installationDb();
  cleanups.push(database.drop);
  Object.assign(env, database.env);

  // Its own process group, so that whatever the script leaves behind can be ended as one.
  const child = spawn('bash', ['-e', '-o', 'pipefail', scriptFile], { cwd: root, env, detached: true, stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString('utf8')));
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString('utf8')));
  const code = await new Promise<number | null>((resolve) => {
    const timer = setTimeout(() => process.kill(-child.pid!, 'SIGKILL'), 240_000);
    child.on('exit', (exitCode) => {
      clearTimeout(timer);
      resolve(exitCode);
    });
  });
  cleanups.push(() => endGroup(child.pid!, port));
  // A block that keeps its files outside the data dir says where: removed last, once its processes are gone.
  const keptIn = /^this run's files are in (\S+)$/m.exec(stdout)?.[1];
  if (keptIn) cleanups.unshift(() => rm(keptIn, { recursive: true, force: true }));

  return { code, stdout, stderr, output: `exit ${code}\n--- stdout\n${stdout}\n--- stderr\n${stderr}` };
}

/** Ends every process the script started (the service among them) and waits until its port is free. */
async function endGroup(pgid: number, port: number): Promise<void> {
  try {
    process.kill(-pgid, 'SIGTERM');
  } catch {
    // the group is already gone
  }
  // Past the bound the group is killed anyway (below): no failure of its own here.
  await waitFor(async () => !(await listening(port)) || undefined, 30_000, () => `port ${port} still listening`).catch(() => undefined);
  try {
    process.kill(-pgid, 'SIGKILL');
  } catch {
    // gone
  }
}

function listening(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect(port, '127.0.0.1');
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => resolve(false));
  });
}

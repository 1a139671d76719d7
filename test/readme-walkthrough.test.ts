import { spawn } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, expect, it } from 'vitest';
import { installationDb } from './support/db.ts';
import { freePort } from './support/process.ts';
import { waitFor } from './support/wait.ts';

/**
 * The README's walkthrough, run verbatim: each ```bash block of its walkthrough section (the sandbox
 * bank's, then the ISO 20022 files' through the bank simulator), in a
 * bash that stops at the first failing command (-e -o pipefail), from the root of the repository, on
 * a fresh data dir and a free port (and, when DATABASE_URL is set, a fresh schema on that server).
 * If a command in the README stops working as printed, this fails.
 */
const root = fileURLToPath(new URL('..', import.meta.url));
const cleanups: Array<() => Promise<void>> = [];
afterAll(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

function walkthroughScript(readme: string, index: number): string {
  const section = readme.split('<!-- section: walkthrough -->')[1]?.split(/<!-- section: /)[0];
  const block = section && [...section.matchAll(/```bash\n([\s\S]*?)```/g)][index];
  if (!block) throw new Error(`README.md has no ${index + 1}. \`\`\`bash block in its walkthrough section`);
  return block[1];
}

/** Runs one walkthrough block as the README prints it; its exit code and output. */
async function runBlock(index: number): Promise<{ code: number | null; stdout: string; stderr: string; output: string }> {
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

/** What both blocks end with: the same payroll, final, paid, its books and audit trail checked. */
const payrollDone = [
  'COMPLETED: 21/21 items final, 16 paid, 1 failed, 4 invalid, paid 497,576.50 of 527,826.50 TRY',
  'P-2026-01-014,IBAN,TR740001207381249311532899,Ece Güneş,30250,TRY,Ocak 2026 maaşı,DEPOSIT_SUCCESS,',
  'TRY: 252,399.50 available, 0.00 reserved',
  'the ledger balances (0.00 TRY)',
  'the audit trail is intact',
];

type BlockRun = Awaited<ReturnType<typeof runBlock>>;

/** The walkthrough's blocks in README order, each with what it shows besides the finished payroll. */
const blocks: Array<{ name: string; showsAlso(run: BlockRun): void }> = [
  {
    name: 'runs the README walkthrough as printed, from a fresh data dir to a completed payroll',
    showsAlso({ stdout, stderr, output }) {
      for (const line of [
        'examples/payroll.csv:19 (P-2026-01-018): The IBAN is invalid',
        'examples/payroll.csv:20 (P-2026-01-019): recipientName is required for IBAN payouts',
        'examples/payroll.csv:21 (P-2026-01-020): The amount must be greater than zero with at most two fraction digits',
        'examples/payroll.csv:22 (P-2026-01-021): All items of a mass payout must share one currency',
      ]) {
        expect(stderr, output).toContain(line);
      }
      expect(stdout.match(/\tSUCCESS\t/g), output).toHaveLength(16);
      // auth after submit, and the batch's audit trail ending with the batch turning COMPLETED.
      expect(stdout, output).toMatch(/^batch [0-9a-f-]{36} is authorised: /m);
      expect(stdout, output).toMatch(/^\d+,[^,]+,worker:[^,]+,batch\.status,batch:[0-9a-f-]{36},.*COMPLETED/m);
    },
  },
  {
    name: 'runs the README walkthrough through the bank simulator as printed: the payroll paid as ISO 20022 files',
    showsAlso({ stdout, output }) {
      // The 14 valid IBAN payouts went out in pain.001 files the bank accepted, and its reports came back.
      const out = [...stdout.matchAll(/^OUT ACCEPTED\s+pain\.001\.MP\w+\.xml {2}(\d+) tx/gm)].map((m) => Number(m[1]));
      expect(out.reduce((a, b) => a + b, 0), output).toBe(14);
      expect(stdout, output).toMatch(/^IN {2}PROCESSED pain\.002\.BNK\w+\.xml/m);
      expect(stdout, output).toMatch(/^pain\.001\.MP\w+\.xml$/m);
    },
  },
];

it.each(blocks.map((block, index) => ({ ...block, index })))('$name', async ({ index, showsAlso }) => {
  const run = await runBlock(index);
  expect(run.code, run.output).toBe(0);
  for (const line of payrollDone) expect(run.stdout, run.output).toContain(line);
  showsAlso(run);
}, 300_000);

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

import { mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { expectSuccess } from './client.ts';
import { deploy } from './deployment.ts';
import { generateBatch } from './items.ts';
import { loadAverage } from './load.ts';
import type { SettleCase } from './options.ts';
import { startChild, stopChild, usageOf, waitForLine, type ProcessUsage } from './processes.ts';
import { benchCommission, checkBatchTotals, checkBooksAndAudit, waitFinal } from './settle.ts';

/**
 * The ISO 20022 bank rail's figure: one batch of `size` IBAN items (MASSPAYOUT_BANK_RAIL=iso20022)
 * paid through `masspayout bank-simulator`, a process of its own on the same folders, from the auth
 * request to the batch's completedDate (every item final: paid when the bank's reports say so, the
 * 0.5 % it rejects refunded). Reported with the files that went through (pain.001 out, pain.002 and
 * camt.054 in) per second of that time, and the peak RSS of serve, the workers and the simulator.
 * The same checks as the settle figure follow (totals, trial balance, audit chain), and no inbox
 * file may have been rejected.
 */
export interface IsoRun {
  figure: 'iso20022';
  case: string;
  size: number;
  run: number;
  settleMs: number;
  itemsPerSecond: number;
  authMs: number;
  filesOut: number;
  filesIn: number;
  filesPerSecond: number;
  servePeakRssMB: number;
  workerPeakRssMB: number[];
  simulatorPeakRssMB: number;
  serveCpuSeconds: number;
  workerCpuSeconds: number[];
  simulatorCpuSeconds: number;
  databaseCpuSeconds: number;
  booksBalanced: boolean;
  auditVerified: boolean | 'skipped';
  load1: number;
}

/**
 * The rail's settings for the run: a file is cut as soon as 10,000 transactions wait (the default)
 * or after 1 s (10 s by default, which would measure the clock); the engine reads its inbox and the
 * simulator its outbox every 100 ms.
 */
const railEnv = {
  MASSPAYOUT_ISO20022_FILE_INTERVAL_MS: '1000',
  MASSPAYOUT_ISO20022_FILE_TXS_MAX: '10000',
  MASSPAYOUT_ISO20022_INBOX_POLL_MS: '100',
};
const simulatorPollMs = '100';

export async function isoRun(options: { isoCase: SettleCase; size: number; run: number; postgresUrl: string; loops?: number; timeoutMs: number; verify: boolean }): Promise<IsoRun> {
  const c = options.isoCase;
  const deadline = Date.now() + options.timeoutMs;
  const folders = await mkdtemp(path.join(tmpdir(), 'masspayout-bench-bank-'));
  const outboxDir = path.join(folders, 'outbox');
  const inboxDir = path.join(folders, 'inbox');
  const deployment = await deploy({
    db: c.db,
    postgresUrl: options.postgresUrl,
    serveLoops: c.workerProcesses > 0 ? 0 : options.loops,
    workerProcesses: c.workerProcesses,
    workerLoops: options.loops,
    timeoutMs: options.timeoutMs,
    env: {
      MASSPAYOUT_BANK_RAIL: 'iso20022',
      MASSPAYOUT_ISO20022_OUTBOX_DIR: outboxDir,
      MASSPAYOUT_ISO20022_INBOX_DIR: inboxDir,
      MASSPAYOUT_ISO20022_DEBTOR_IBAN: 'TR330006100519786457841326',
      MASSPAYOUT_ISO20022_DEBTOR_NAME: 'Bench Payer A.S.',
      ...railEnv,
    },
  }).catch(async (error) => {
    await rm(folders, { recursive: true, force: true });
    throw error;
  });
  const simulator = startChild('bank-simulator', 'bank-simulator', {}, ['--outbox', outboxDir, '--inbox', inboxDir, '--poll-ms', simulatorPollMs]);
  try {
    await waitForLine(simulator, /bank simulator: reading/, 30_000);
    const { client } = deployment;
    const merchant = await client.createMerchant(benchCommission);
    await client.deposit(merchant, '1000000000');
    const batch = generateBatch(options.size, { recipients: 'iban', settled: true });
    const body = Buffer.from(JSON.stringify({ externalId: `bench-iso-${options.run}`, purpose: 'SALARY', items: batch.items }));
    batch.items.length = 0;
    const init = expectSuccess(await client.signed(merchant, 'POST', '/v1/mass/payout/init', body), 'init');
    const requestId = init.json.requestId as string;

    const before = await deployment.usage();
    const simulatorBefore = await usageOf(simulator);
    const load1 = loadAverage();
    const authStart = Date.now();
    expectSuccess(await client.signed(merchant, 'POST', '/v1/mass/payout/auth', Buffer.from(JSON.stringify({ requestId }))), 'auth');
    const authMs = Date.now() - authStart;
    const final = await waitFinal(client, merchant, requestId, deadline, () => `${deployment.serve.tail()}\n--- simulator\n${simulator.tail()}`);
    const after = await deployment.usage();
    const simulatorAfter: ProcessUsage = await usageOf(simulator);
    const settleMs = Date.parse(final.completedDate) - authStart;

    checkBatchTotals(final, batch, 'the batch');
    const rejected = await readdir(path.join(inboxDir, 'rejected')).catch(() => [] as string[]);
    if (rejected.length > 0) throw new Error(`the engine rejected inbox files: ${rejected.join(', ')}`);
    const filesOut = (await readdir(outboxDir)).filter((name) => /^pain\.001\..+\.xml$/.test(name)).length;
    const filesIn = (await readdir(path.join(inboxDir, 'processed'))).length;
    const auditVerified = await checkBooksAndAudit(client, options.verify);
    return {
      figure: 'iso20022',
      case: c.label,
      size: options.size,
      run: options.run,
      settleMs,
      itemsPerSecond: options.size / (settleMs / 1000),
      authMs,
      filesOut,
      filesIn,
      filesPerSecond: (filesOut + filesIn) / (settleMs / 1000),
      servePeakRssMB: after.serve.peakRssMB,
      workerPeakRssMB: after.workers.map((w) => w.peakRssMB),
      simulatorPeakRssMB: simulatorAfter.peakRssMB,
      serveCpuSeconds: after.serve.cpuSeconds - before.serve.cpuSeconds,
      workerCpuSeconds: after.workers.map((w, i) => w.cpuSeconds - before.workers[i].cpuSeconds),
      simulatorCpuSeconds: simulatorAfter.cpuSeconds - simulatorBefore.cpuSeconds,
      databaseCpuSeconds: after.databaseCpuSeconds - before.databaseCpuSeconds,
      booksBalanced: true,
      auditVerified,
      load1,
    };
  } finally {
    await stopChild(simulator, 5_000);
    await deployment.stop();
    await rm(folders, { recursive: true, force: true });
  }
}

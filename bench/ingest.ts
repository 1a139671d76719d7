import { expectSuccess } from './client.ts';
import { deploy } from './deployment.ts';
import { generateBatch } from './items.ts';
import { loadAverage } from './load.ts';

/**
 * Issue 2's figures: init, then auth, of ONE batch of `size` items through the real HTTP API, signed,
 * against `masspayout serve` on a fresh database. Workers are off in that process (0 loops): the
 * figure is the API's, not the API's while workers pay the batch it just authorised.
 *
 * Timed: from the first byte of the request to the last byte of the answer, as the merchant sees it
 * (the ~20 MB body over loopback included). Not timed: building and signing the body, which a
 * client does before it sends.
 */
export interface IngestRun {
  figure: 'ingest';
  db: 'pglite' | 'postgres';
  size: number;
  run: number;
  bodyMB: number;
  initMs: number;
  initItemsPerSecond: number;
  authMs: number;
  /** VmHWM of the serve process after the init (start-up included), and after the auth. */
  peakRssAfterInitMB: number;
  peakRssAfterAuthMB: number;
  /** CPU seconds serve spent on the init and on the auth. */
  initCpuSeconds: number;
  authCpuSeconds: number;
  /** CPU seconds of the PostgreSQL backends (0 on PGlite, whose work is in serve's figure). */
  initDbCpuSeconds: number;
  authDbCpuSeconds: number;
  load1: number;
}

export async function ingestRun(options: { db: 'pglite' | 'postgres'; size: number; run: number; postgresUrl: string; timeoutMs: number }): Promise<IngestRun> {
  const deployment = await deploy({ db: options.db, postgresUrl: options.postgresUrl, serveLoops: 0, workerProcesses: 0, timeoutMs: options.timeoutMs });
  try {
    const { client } = deployment;
    const merchant = await client.createMerchant({ fixed: '1.50', rate: '0.01' });
    // The most one deposit may be: enough for 1,000,000 items with their commission.
    await client.deposit(merchant, '100000000000');
    const batch = generateBatch(options.size);
    const body = Buffer.from(JSON.stringify({ externalId: `bench-${options.size}-${options.run}`, conversationId: 'bench', purpose: 'SALARY', items: batch.items }));
    batch.items.length = 0; // the body is what gets sent; let the objects go

    const beforeInit = await deployment.usage();
    const load1 = loadAverage();
    const initStart = performance.now();
    const init = expectSuccess(await client.signed(merchant, 'POST', '/v1/mass/payout/init', body), 'init');
    const initMs = performance.now() - initStart;
    const invalid = init.json.invalidItems.length;
    if (invalid !== batch.invalid) throw new Error(`init reported ${invalid} invalid items, the batch has ${batch.invalid}`);
    const afterInit = await deployment.usage();

    const authBody = Buffer.from(JSON.stringify({ requestId: init.json.requestId }));
    const authStart = performance.now();
    expectSuccess(await client.signed(merchant, 'POST', '/v1/mass/payout/auth', authBody), 'auth');
    const authMs = performance.now() - authStart;
    const afterAuth = await deployment.usage();

    return {
      figure: 'ingest',
      db: options.db,
      size: options.size,
      run: options.run,
      bodyMB: body.length / 1e6,
      initMs,
      initItemsPerSecond: options.size / (initMs / 1000),
      authMs,
      peakRssAfterInitMB: afterInit.serve.peakRssMB,
      peakRssAfterAuthMB: afterAuth.serve.peakRssMB,
      initCpuSeconds: afterInit.serve.cpuSeconds - beforeInit.serve.cpuSeconds,
      authCpuSeconds: afterAuth.serve.cpuSeconds - afterInit.serve.cpuSeconds,
      initDbCpuSeconds: afterInit.databaseCpuSeconds - beforeInit.databaseCpuSeconds,
      authDbCpuSeconds: afterAuth.databaseCpuSeconds - afterInit.databaseCpuSeconds,
      load1,
    };
  } finally {
    await deployment.stop();
  }
}

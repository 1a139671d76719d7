import { randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { errors } from '../src/errors.ts';
import { openPostgres } from '../src/db/postgres.ts';
import type { Db } from '../src/db/port.ts';
import { ensureGone, expectBalance, expectOperatorChecksPass, newPayer, sharedEnv, startServe, stopGracefully, submit, type Served } from './support/deployment.ts';
import { batchSnapshot, expectSettledExactlyOnce, waitUntilBatchFinal } from './support/exactly-once.ts';
import { waitFor } from './support/wait.ts';
import { httpRequest } from './support/http.ts';
import { mixedItems } from './support/mixed-items.ts';
import { canRunAsPostgres, postgresBinDir, startPrivatePostgres, type PrivatePostgres } from './support/private-postgres.ts';
import { installationDb } from './support/db.ts';
import { type CliProcess, runCli } from './support/process.ts';
import { expectBooksBalanced } from './support/service.ts';

/**
 * The database going away is an outage, not a crash: `serve` (API alone) and two `worker` processes
 * on PostgreSQL lose their connections mid-batch — every backend terminated five times over, then
 * the whole server stopped and started again — and every process stays up, the API answers 503
 * code 7030 with Retry-After while the server is down, and the batch completes exactly once.
 */
const databaseUrl = process.env.DATABASE_URL;
const queueUrl = process.env.QUEUE_URL;
const pgBin = postgresBinDir();

function withApplicationName(url: string, name: string): string {
  return `${url}${url.includes('?') ? '&' : '?'}application_name=${encodeURIComponent(name)}`;
}

function expectAlive(...processes: CliProcess[]): void {
  for (const cli of processes) expect(cli.child.exitCode, cli.output()).toBeNull();
}

describe.skipIf(!databaseUrl)('connections terminated under serve and workers (needs DATABASE_URL; CI sets it in its second run)', () => {
  const cleanups: Array<() => Promise<void>> = [];
  const running: CliProcess[] = [];
  afterAll(async () => {
    for (const cli of running.splice(0)) await ensureGone(cli);
    for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
  }, 60_000);

  it('pg_terminate_backend on every connection of the deployment, five times mid-batch: all processes stay up, the batch completes exactly once', { timeout: 300_000 }, async () => {
    const database = await installationDb({ required: true });
    cleanups.push(database.drop);
    const dataDir = await mkdtemp(path.join(tmpdir(), 'masspayout-outage-'));
    cleanups.push(() => rm(dataDir, { recursive: true, force: true }));
    const applicationName = `masspayout-outage-${randomBytes(4).toString('hex')}`;
    const queueName = `outage-${randomBytes(4).toString('hex')}`;
    const env = sharedEnv({
      DATABASE_URL: withApplicationName(database.env.DATABASE_URL, applicationName),
      MASSPAYOUT_DATA_DIR: dataDir,
      // Small chunks of slow bank calls: the batch runs for several seconds, across every cut.
      MASSPAYOUT_CHUNK_ITEMS: '20',
      MASSPAYOUT_SANDBOX_LATENCY_MS: '200',
      ...(queueUrl ? { QUEUE_URL: queueUrl, MASSPAYOUT_QUEUE_NAME: queueName } : {}),
    });
    const served = await startServe({ ...env, MASSPAYOUT_WORKER_CONCURRENCY: '0' });
    running.push(served.cli);
    const workers = [runCli(['worker'], env), runCli(['worker'], env)];
    running.push(...workers);
    for (const worker of workers) await worker.waitFor(/masspayout worker running/);
    const db = await database.open();

    await served.admin.addMember({ memberId: '9001', name: 'Wallet Member' });
    const payer = await newPayer(served);
    const requestId = await submit(payer, mixedItems(1200, 70_000, '9001', '9999'));

    // Each round waits until the deployment is connected again (idle pool connections also close on
    // their own), so every round cuts live connections.
    const terminate = async () =>
      (await db.query('select pg_terminate_backend(pid) from pg_stat_activity where application_name = $1', [applicationName])).rowCount > 0 || undefined;
    for (let round = 0; round < 5; round++) {
      await waitFor(terminate, 60_000, () => `no backend of ${applicationName} to terminate (round ${round})`);
      expectAlive(served.cli, ...workers);
    }

    await waitUntilBatchFinal(db, requestId, 180_000);
    expectAlive(served.cli, ...workers);
    const settled = await expectSettledExactlyOnce(db, requestId);
    expect(settled.status).toBe('COMPLETED');
    await expectBalance(payer, settled);
    await expectBooksBalanced(db);
    await expectOperatorChecksPass(served);
    expect(served.cli.output() + workers.map((w) => w.output()).join('')).not.toMatch(/Unhandled|uncaught/i);
    for (const cli of [...workers, served.cli]) await stopGracefully(cli);
  });
});

describe.skipIf(!pgBin || !canRunAsPostgres())(
  `a PostgreSQL server stopped and started again mid-batch (needs ${pgBin ? 'root, to run initdb as the postgres user' : 'PostgreSQL binaries under /usr/lib/postgresql'})`,
  () => {
    let server: PrivatePostgres | undefined;
    const running: CliProcess[] = [];
    const cleanups: Array<() => Promise<void>> = [];
    afterAll(async () => {
      for (const cli of running.splice(0)) await ensureGone(cli);
      for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
      await server?.destroy();
    }, 120_000);

    it('serve and a worker stay up; while it is down the API answers 503 code 7030 with Retry-After and /readyz 503; the batch completes exactly once', { timeout: 300_000 }, async () => {
      server = await startPrivatePostgres();
      const dataDir = await mkdtemp(path.join(tmpdir(), 'masspayout-restart-'));
      cleanups.push(() => rm(dataDir, { recursive: true, force: true }));
      const env = sharedEnv({ DATABASE_URL: server.url, MASSPAYOUT_DATA_DIR: dataDir, MASSPAYOUT_CHUNK_ITEMS: '20', MASSPAYOUT_SANDBOX_LATENCY_MS: '300' });
      const served: Served = await startServe({ ...env, MASSPAYOUT_WORKER_CONCURRENCY: '0' });
      running.push(served.cli);
      const worker = runCli(['worker'], env);
      running.push(worker);
      await worker.waitFor(/masspayout worker running/);
      let db: Db = await openPostgres({ url: server.url, poolSize: 2 });

      await served.admin.addMember({ memberId: '9001', name: 'Wallet Member' });
      const payer = await newPayer(served);
      const requestId = await submit(payer, mixedItems(1200, 80_000, '9001', '9999'));
      // Mid-batch: some items are final, not all.
      await waitFor(async () => ((await batchSnapshot(db, requestId)).items.SUCCESS ?? 0) > 0 || undefined, 120_000, async () => JSON.stringify(await batchSnapshot(db, requestId)));
      await db.close();

      await server.stop();
      const balance = await httpRequest(`${served.url}/admin/v1/merchants/${payer.merchantId}/deposits`, 'POST', JSON.stringify({ amount: '1', currency: 'TRY' }), {
        authorization: `Bearer ${env.MASSPAYOUT_ADMIN_TOKEN}`,
        'content-type': 'application/json',
      });
      expect(balance.status, balance.text).toBe(503);
      expect(balance.json).toMatchObject({ status: 'failure', errorCode: errors.DATABASE_UNAVAILABLE.code });
      expect(Number(balance.headers['retry-after'])).toBeGreaterThan(0);
      const ready = await httpRequest(`${served.url}/readyz`, 'GET');
      expect(ready.status).toBe(503);
      expect(ready.json).toMatchObject({ database: 'unavailable' });
      expect((await httpRequest(`${served.url}/healthz`, 'GET')).status).toBe(200);
      expectAlive(served.cli, worker);

      await server.start();
      db = await openPostgres({ url: server.url, poolSize: 2 });
      cleanups.push(() => db.close());
      await waitUntilBatchFinal(db, requestId, 180_000);
      expect((await httpRequest(`${served.url}/readyz`, 'GET')).status).toBe(200);
      expectAlive(served.cli, worker);
      const settled = await expectSettledExactlyOnce(db, requestId);
      expect(settled.status).toBe('COMPLETED');
      // The deposit refused with 503 moved nothing.
      await expectBalance(payer, settled);
      await expectBooksBalanced(db);
      await expectOperatorChecksPass(served);
      await stopGracefully(worker);
      await stopGracefully(served.cli);
    });
  },
);

import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { Db } from '../src/db/port.ts';
import { chunkFailpoints, type ChunkFailpoint } from '../src/workers/failpoints.ts';
import {
  ensureGone,
  expectBalance,
  expectKilledAt,
  expectOperatorChecksPass,
  newPayer,
  sharedEnv,
  startServe,
  stopGracefully,
  submit,
  type Served,
} from './support/deployment.ts';
import { expectCrashState } from './support/crash-state.ts';
import { expectSettledExactlyOnce, waitUntilBatchFinal } from './support/exactly-once.ts';
import { mixedItems } from './support/mixed-items.ts';
import { installationDb } from './support/db.ts';
import { type CliProcess, runCli } from './support/process.ts';
import { type BrokerView, openBrokerView, uniqueQueueName } from './support/rabbit.ts';
import { expectBooksBalanced } from './support/service.ts';

/**
 * Exactly once, proved by killing: `masspayout worker` processes against PostgreSQL (a schema of
 * this file's own), killed with SIGKILL in the middle of a chunk — before the rail call, between
 * the bank's answer and the ledger post, after the post — then restarted without the failpoint.
 * Every item must end final, the bank must hold one transfer per key, the ledger one posting per
 * item and kind, the books must balance and the merchant hold exactly deposit − paid − commission.
 * Once with the table queue, once with RabbitMQ. `serve` runs the API (and, on RabbitMQ, a relay)
 * with no workers of its own, so only the killed and the restarted worker process the batch.
 */
const databaseUrl = process.env.DATABASE_URL;
const queueUrl = process.env.QUEUE_URL;

const transports = [
  { name: 'table queue', enabled: Boolean(databaseUrl), needs: 'DATABASE_URL=postgres://… (workers in separate processes need a shared PostgreSQL)' },
  { name: 'RabbitMQ', enabled: Boolean(databaseUrl && queueUrl), needs: 'DATABASE_URL=postgres://… and QUEUE_URL=amqp://…' },
] as const;

for (const transport of transports) {
  describe.skipIf(!transport.enabled)(`worker processes killed with SIGKILL, ${transport.name} (needs ${transport.needs}; CI sets them in its second run)`, () => {
    let env: Record<string, string>;
    let served: Served;
    let db: Db;
    let view: BrokerView | undefined;
    let queueName: string;
    const cleanups: Array<() => Promise<void>> = [];
    const running: CliProcess[] = [];

    beforeAll(async () => {
      const database = await installationDb({ required: true });
      cleanups.push(database.drop);
      const dataDir = await mkdtemp(path.join(tmpdir(), 'masspayout-crash-'));
      cleanups.push(() => rm(dataDir, { recursive: true, force: true }));
      queueName = uniqueQueueName('crash');
      env = sharedEnv({
        ...database.env,
        MASSPAYOUT_DATA_DIR: dataDir,
        ...(transport.name === 'RabbitMQ' ? { QUEUE_URL: queueUrl!, MASSPAYOUT_QUEUE_NAME: queueName } : {}),
      });
      if (transport.name === 'RabbitMQ') {
        const opened = await openBrokerView(queueUrl!);
        view = opened;
        cleanups.push(async () => {
          await opened.deleteTopology(queueName).catch(() => undefined);
          await opened.close();
        });
      }
      served = await startServe({ ...env, MASSPAYOUT_WORKER_CONCURRENCY: '0' });
      running.push(served.cli);
      db = await database.open();
      await served.admin.addMember({ memberId: '9001', name: 'Wallet Member' });
    }, 180_000);

    afterEach(async () => {
      // Nothing of one test may run into the next: only serve stays.
      for (const cli of running.splice(1)) await ensureGone(cli);
    });

    afterAll(async () => {
      for (const cli of running.splice(0)) await ensureGone(cli);
      for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
    }, 60_000);

    const worker = (extra: Record<string, string> = {}) => {
      const cli = runCli(['worker'], { ...env, ...extra });
      running.push(cli);
      return cli;
    };

    it.each(chunkFailpoints.map((failpoint) => [failpoint]))(
      'SIGKILL at %s, restart: every item final, one bank transfer per key, one posting per item and kind, books balanced',
      async (failpoint: ChunkFailpoint) => {
        const payer = await newPayer(served);
        const requestId = await submit(payer, mixedItems(300, 10_000 * (chunkFailpoints.indexOf(failpoint) + 1), '9001', '9999'));

        await expectKilledAt(worker({ MASSPAYOUT_FAILPOINT: failpoint }), failpoint);
        await expectCrashState(db, requestId, failpoint);

        const restarted = worker();
        await waitUntilBatchFinal(db, requestId, 90_000);
        await stopGracefully(restarted);

        const settled = await expectSettledExactlyOnce(db, requestId);
        expect(settled).toMatchObject({ status: 'COMPLETED', items: { SUCCESS: 285, DEPOSIT_SUCCESS: 15 } });
        await expectBalance(payer, settled);
        await expectBooksBalanced(db);
        await expectOperatorChecksPass(served);
        if (view) {
          // On RabbitMQ the batch went through the broker (serve's relay promoted it), and no chunk was poison.
          const moves = await db.query<{ move: string }>(
            `select (before->>'status') || '→' || (after->>'status') as move from audit_events where request_id = $1 and action = 'batch.status' order by id`,
            [requestId],
          );
          expect(moves.rows.map((row) => row.move)).toEqual(['INIT→IN_PROGRESS', 'IN_PROGRESS→PUBLISHED_TO_QUEUE', 'PUBLISHED_TO_QUEUE→COMPLETED']);
          expect((await view.counts(queueName)).dead).toBe(0);
        }
      },
      180_000,
    );
  });
}

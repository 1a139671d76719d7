import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { verifyAudit } from '../src/audit/verify.ts';
import type { Db, Tx } from '../src/db/port.ts';
import { limits } from '../src/limits.ts';
import { claimChunkAt } from '../src/queue/claim.ts';
import { markPublished } from '../src/queue/rabbitmq/outbox.ts';
import { outboxQueue } from '../src/queue/rabbitmq/outbox-queue.ts';
import { promoteBatches } from '../src/queue/rabbitmq/promote-batches.ts';
import { createRails } from '../src/rails/index.ts';
import { askRails } from '../src/workers/ask-rails.ts';
import { loadBatchRefs } from '../src/workers/batch-refs.ts';
import { handOver } from '../src/workers/hand-over.ts';
import { settleBatch } from '../src/workers/settle-batch.ts';
import { waitFor } from './support/wait.ts';
import { ibanItem } from './support/items.ts';
import { submitBatch, testSandbox } from './support/processing.ts';
import { expectBooksBalanced, startTestService, type TestService } from './support/service.ts';
import { wrapTransactions } from './support/db.ts';

/**
 * One lock order for the whole system: domain rows, then accounts, then the merchant's audit head.
 * The case that broke it: a settlement that locked the audit head before the batch row, while the
 * relay's promotion of the same IN_PROGRESS batch locked the batch row before the audit head.
 * PostgreSQL only: PGlite is one session, where transactions never overlap.
 */
describe.skipIf(!process.env.DATABASE_URL)('lock order (needs DATABASE_URL=postgres://…; CI sets it in its second run)', () => {
  let service: TestService;
  beforeAll(async () => {
    // Chunks of 3 items, due only after a minute: nothing but this test takes them.
    service = await startTestService({}, { queue: outboxQueue(3, 60_000) });
  });
  afterAll(async () => {
    await service?.close();
  });

  /**
   * `db` whose transactions stop before their first statement that names the batches table, until
   * `release` is called; `paused` resolves with the paused backend's pid once one got there.
   */
  function pausingAtBatchRow(db: Db) {
    let release!: () => void;
    const released = new Promise<void>((resolve) => (release = resolve));
    let reached!: (pid: number) => void;
    const paused = new Promise<number>((resolve) => (reached = resolve));
    let done = false;
    const wrapTx = (tx: Tx): Tx => ({
      async query(sql, params) {
        if (!done && /\bbatches\b/.test(sql)) {
          done = true;
          const pid = await tx.query<{ pid: number }>('select pg_backend_pid() as pid');
          reached(pid.rows[0].pid);
          await released;
        }
        return tx.query(sql, params);
      },
    });
    const wrapped = wrapTransactions(db, wrapTx);
    return { db: wrapped, paused, release };
  }

  it('a settlement paused at its batch row and a promotion of that batch both commit (no deadlock)', async () => {
    const merchant = await service.createMerchant();
    await service.deposit(merchant, '1000.00');
    const requestId = await submitBatch(service, merchant, Array.from({ length: 6 }, (_, i) => ibanItem(i * 10 + 1, '10.00')));
    const { db } = service;
    // The relay got every confirm but has not promoted the batch yet: it is IN_PROGRESS.
    const rows = await db.query<{ id: bigint }>('select id from outbox where batch_id = $1', [requestId]);
    expect(await markPublished(db, rows.rows.map((row) => row.id))).toBe(2);

    // A worker took the first chunk (its message came before the relay's promotion) and asked the rail.
    const batch = (await loadBatchRefs(db, [requestId])).get(requestId)!;
    const chunk = await claimChunkAt(db, { claimer: 'test/0', batchId: requestId, seqFrom: 0 });
    expect(chunk?.items).toHaveLength(3);
    const held = await handOver(db, 'worker:test/0', batch, chunk!);
    const results = await askRails(createRails(db, testSandbox), held, { timeoutMs: limits.railTimeoutMs, inFlight: 10 });
    expect(results.map((r) => r.outcome.kind)).toEqual(['PAID', 'PAID', 'PAID']);

    const pausing = pausingAtBatchRow(db);
    const settling = settleBatch(pausing.db, 'worker:test/0', batch, results, () => undefined);
    settling.catch(() => undefined);
    const settler = await pausing.paused;

    // The promotion runs to its end, or waits on a lock the paused settlement holds.
    let promotedNow: string[] | undefined;
    let promotionError: unknown;
    const promoting = promoteBatches(db, [requestId], 'worker:test/relay').then(
      (promoted) => (promotedNow = promoted),
      (error: unknown) => (promotionError = error),
    );
    await waitFor(
      async () => {
        if (promotedNow || promotionError) return true;
        const blocked = await db.query<{ n: number }>('select count(*)::int as n from pg_stat_activity where $1 = any(pg_blocking_pids(pid))', [settler]);
        return blocked.rows[0].n > 0 ? true : undefined;
      },
      30_000,
      () => 'the promotion neither finished nor waited on the settlement',
    );
    pausing.release();

    const [settled] = await Promise.allSettled([settling, promoting]);
    // On the old order PostgreSQL broke the cycle here: `deadlock detected` (40P01) for one of the two.
    expect(settled.status === 'rejected' ? String((settled as PromiseRejectedResult).reason) : 'settled').toBe('settled');
    expect(promotionError).toBeUndefined();
    expect(promotedNow).toEqual([requestId]);
    expect(settled.status === 'fulfilled' && settled.value).toMatchObject({ paid: 3, refunded: 0 });

    const after = await db.query<{ status: string; open_count: number; success_count: number }>('select status, open_count, success_count from batches where id = $1', [requestId]);
    expect(after.rows[0]).toEqual({ status: 'PUBLISHED_TO_QUEUE', open_count: 3, success_count: 3 });
    const trail = await db.query<{ action: string; after: { status: string } }>(
      `select action, after from audit_events where request_id = $1 and action = 'batch.status' order by seq`,
      [requestId],
    );
    expect(trail.rows.map((row) => row.after.status)).toEqual(['IN_PROGRESS', 'PUBLISHED_TO_QUEUE']);
    expect(await verifyAudit(db)).toMatchObject({ ok: true });
    await expectBooksBalanced(db);
  });
});

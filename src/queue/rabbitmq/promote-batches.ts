import type { Actor } from '../../audit/append.ts';
import { TransactionEvents } from '../../audit/transaction-events.ts';
import type { Db, Queryable } from '../../db/port.ts';
import { moveBatch } from '../../payouts/batch-transitions.ts';
import { writeWebhookEvents } from '../../webhooks/write-events.ts';

/**
 * IN_PROGRESS → PUBLISHED_TO_QUEUE for each of these batches whose outbox rows are all published,
 * one transaction per batch: the batch row, then its merchant's audit head (the lock order of every
 * writer). Guarded by the status: a batch that workers finished already (a small batch can complete
 * before its relay gets here), or that another relay promoted, is skipped. Run only after the rows'
 * published_at has committed, so the relay that publishes a batch's last row always sees all of
 * them. Returns the batches promoted now.
 */
export async function promoteBatches(db: Db, batchIds: readonly string[], actor: Actor): Promise<string[]> {
  const promoted: string[] = [];
  for (const batchId of [...new Set(batchIds)].sort()) {
    const moved = await db.transaction(async (tx) => {
      const found = await tx.query<{ merchant_id: bigint }>('select merchant_id from batches where id = $1', [batchId]);
      if (found.rowCount === 0) return false;
      const batch = { id: batchId, merchantId: found.rows[0].merchant_id };
      const events = new TransactionEvents({ chainId: batch.merchantId, actor, requestId: batchId }, writeWebhookEvents);
      if (!(await moveBatch(tx, events, batch, 'publish', 'IN_PROGRESS', { onlyWhenAllPublished: true }))) return false;
      await events.write(tx);
      return true;
    });
    if (moved) promoted.push(batchId);
  }
  return promoted;
}

/**
 * IN_PROGRESS batches that have outbox rows, all published: a relay died between stamping the last
 * row and promoting the batch. Served by the partial index batches_in_progress.
 */
export async function batchesAwaitingPromotion(db: Queryable, limit: number): Promise<string[]> {
  const found = await db.query<{ id: string }>(
    `select b.id from batches b
     where b.status = 'IN_PROGRESS'
       and exists (select 1 from outbox o where o.batch_id = b.id)
       and not exists (select 1 from outbox o where o.batch_id = b.id and o.published_at is null)
     order by b.id limit $1`,
    [limit],
  );
  return found.rows.map((row) => row.id);
}

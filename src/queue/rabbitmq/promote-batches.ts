import { appendAudit, type Actor } from '../../audit/append.ts';
import type { Db, Queryable } from '../../db/port.ts';

/**
 * IN_PROGRESS → PUBLISHED_TO_QUEUE for each of these batches whose outbox rows are all published,
 * one transaction per batch (the batch row, then its merchant's audit head: the lock order of auth
 * and settlement). Guarded by the status: a batch that workers finished already (a small batch can
 * complete before its relay gets here), or that another relay promoted, is skipped. Run only after
 * the rows' published_at has committed, so the relay that publishes a batch's last row always sees
 * all of them. Returns the batches promoted now.
 */
export async function promoteBatches(db: Db, batchIds: readonly string[], actor: Actor): Promise<string[]> {
  const promoted: string[] = [];
  for (const batchId of [...new Set(batchIds)].sort()) {
    const moved = await db.transaction(async (tx) => {
      const updated = await tx.query<{ merchant_id: bigint }>(
        `update batches b set status = 'PUBLISHED_TO_QUEUE'
         where b.id = $1 and b.status = 'IN_PROGRESS'
           and exists (select 1 from outbox o where o.batch_id = b.id)
           and not exists (select 1 from outbox o where o.batch_id = b.id and o.published_at is null)
         returning b.merchant_id`,
        [batchId],
      );
      if (updated.rowCount === 0) return false;
      await appendAudit(tx, { chainId: updated.rows[0].merchant_id, actor, requestId: batchId }, [
        { action: 'batch.status', entity: `batch:${batchId}`, before: { status: 'IN_PROGRESS' }, after: { status: 'PUBLISHED_TO_QUEUE' } },
      ]);
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

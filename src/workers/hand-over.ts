import type { Actor } from '../audit/append.ts';
import { appendUniformAudit } from '../audit/append-uniform.ts';
import type { Db } from '../db/port.ts';
import type { ClaimedItem } from '../queue/claim.ts';
import type { BatchRef } from './batch-refs.ts';

/**
 * Step (a) of a chunk, one transaction per batch: PROCESSING → QUEUED for the claimed items, BEFORE
 * any rail hears of them. Committing this first is what makes a crash harmless: an item that may
 * have reached a rail is always QUEUED, and a QUEUED item is only ever resolved by asking the rail
 * for the status of its key (sending again, under the same key, only if the rail never got it).
 * A PROCESSING item, on the other hand, was certainly never sent.
 *
 * next_attempt_at is set to now: while the lease holds nobody else takes the item; if this worker
 * dies, the reaper frees the lease and the item is due for a status check at once.
 *
 * Guarded by the claim's owner and the status: an item another worker took over (its lease expired
 * and was reaped) or that is already final is skipped, so redelivering a chunk is harmless.
 * Returns the items this worker now holds, QUEUED, with the status each had before.
 */
export async function handOver(db: Db, actor: Actor, batch: BatchRef, items: readonly ClaimedItem[], claimer: string): Promise<ClaimedItem[]> {
  if (items.length === 0) return [];
  return db.transaction(async (tx) => {
    // Found by id alone (primary-key probes); the batch is checked on what comes back. With
    // `and batch_id = $2` in this WHERE the planner took the (batch_id, seq) index while the batch's
    // statistics were still those of an empty table, and read the whole batch for every chunk:
    // 200,000 index entries and 99,000 rows filtered out per chunk of a 100,000-item batch (85 of the
    // statement's 125 ms; quadratic in the batch size). Joining the ids instead made it worse (a
    // nested loop over the batch's rows).
    const moved = await tx.query<{ id: bigint; batch_id: string; was: 'PROCESSING' | 'QUEUED'; attempts: number }>(
      `with mine as (
         select id, status from items
         where id = any($1::int8[]) and claimed_by = $2 and status in ('PROCESSING', 'QUEUED')
         for update
       )
       update items i set status = 'QUEUED', attempts = i.attempts + 1, next_attempt_at = now(), updated_at = now()
       from mine where i.id = mine.id
       returning i.id, i.batch_id, mine.status as was, i.attempts`,
      [items.map((item) => item.id), claimer],
    );
    // Claimed items carry the batch they were read with, and an item never changes batch: another
    // batch's item here is a broken invariant, and throwing rolls the whole hand-over back.
    const foreign = moved.rows.find((row) => row.batch_id !== batch.id);
    if (foreign) throw new Error(`hand-over of batch ${batch.id} met item ${foreign.id} of batch ${foreign.batch_id}`);
    const byId = new Map(moved.rows.map((row) => [row.id, row]));
    const held = items
      .filter((item) => byId.has(item.id))
      .map((item) => ({ ...item, status: byId.get(item.id)!.was, attempts: byId.get(item.id)!.attempts - 1 }));
    const queuedNow = held.filter((item) => item.status === 'PROCESSING');
    await appendUniformAudit(tx, { chainId: batch.merchantId, actor, requestId: batch.id }, {
      action: 'item.status',
      before: { status: 'PROCESSING' },
      after: { status: 'QUEUED' },
      entities: queuedNow.map((item) => `item:${item.referenceCode}`),
    });
    return held;
  });
}

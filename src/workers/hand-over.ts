import type { Actor } from '../audit/append.ts';
import { appendUniformAudit } from '../audit/append-uniform.ts';
import type { Db } from '../db/port.ts';
import type { ClaimedChunk, ClaimedItem } from '../queue/claim.ts';
import type { BatchRef } from './batch-refs.ts';

/**
 * Step (a) of a chunk, one transaction: PROCESSING → QUEUED for the chunk's items, BEFORE any rail
 * hears of them. Committing this first is what makes a crash harmless: an item that may have reached
 * a rail is always QUEUED, and a QUEUED item is only ever resolved by asking the rail for the status
 * of its key (sending again, under the same key, only if the rail never got it). A PROCESSING item,
 * on the other hand, was certainly never sent.
 *
 * next_attempt_at is set to now: while the chunk's lease holds nobody else takes the item; if this
 * worker dies, the reaper frees the lease and the item is due for a status check at once.
 *
 * Guarded by the lease and the status: the chunk's row is locked and must still be this claimer's
 * (the reaper cannot take it away until this commits), and an item already final is skipped, so a
 * stale or redelivered chunk is harmless. Returns the items this worker now holds, QUEUED, with the
 * status each had before.
 */
export async function handOver(db: Db, actor: Actor, batch: BatchRef, chunk: ClaimedChunk): Promise<ClaimedItem[]> {
  if (chunk.items.length === 0) return [];
  return db.transaction(async (tx) => {
    // Locks the chunk's row (and marks it as one that may hold QUEUED items, for retrieve's counts).
    const lease = await tx.query('update work_chunks set handed_over_at = coalesce(handed_over_at, now()) where id = $1 and claimed_by = $2', [chunk.id, chunk.claimedBy]);
    if (lease.rowCount === 0) return [];
    // Found by id alone (primary-key probes): with `batch_id = …` in this WHERE the planner once took
    // the (batch_id, seq) index while the batch's statistics were those of an empty table, and read
    // the whole batch for every chunk (quadratic in the batch size).
    const moved = await tx.query<{ id: bigint; attempts: number }>(
      `update items set status = 'QUEUED', attempts = attempts + 1, next_attempt_at = now(), updated_at = now()
       where id = any($1::int8[]) and status in ('PROCESSING', 'QUEUED')
       returning id, attempts`,
      [chunk.items.map((item) => item.id)],
    );
    // Only hand-overs count attempts: one more than when the item was read means this update moved
    // it from the status it was read in; more means another hand-over (of a stale copy of this
    // chunk) came in between and left it QUEUED, so it may have reached a rail.
    const attemptsNow = new Map(moved.rows.map((row) => [row.id, row.attempts]));
    const held = chunk.items
      .filter((item) => attemptsNow.has(item.id))
      .map((item) => ({ ...item, status: attemptsNow.get(item.id) === item.attempts + 1 ? item.status : ('QUEUED' as const), attempts: attemptsNow.get(item.id)! - 1 }));
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

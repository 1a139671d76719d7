import type { Queryable } from '../db/port.ts';
import { limits } from '../limits.ts';

/**
 * Frees every lease that has expired, in statements of at most limits.reapBatchItems rows (served by
 * items_leased). A freed PROCESSING item is claimable again; a freed QUEUED item is due for a status
 * check (its next_attempt_at is in the past), so its outcome is asked of the rail before anything is
 * sent again. Safe to run from any number of processes at once. Returns how many were freed.
 */
export async function reapExpiredLeases(db: Queryable, batchItems: number = limits.reapBatchItems): Promise<number> {
  let freed = 0;
  // Bounded: each round frees up to batchItems leases, and there are at most as many leases as items.
  for (let round = 0; round < 1_000; round++) {
    const result = await db.query(
      `update items set claimed_by = null, claimed_until = null, updated_at = now()
       where id = any(array(select id from items where claimed_until < now() order by claimed_until limit $1 for update skip locked))`,
      [batchItems],
    );
    freed += result.rowCount;
    if (result.rowCount < batchItems) break;
  }
  return freed;
}

/**
 * Gives back this claimer's leases on the given items (a chunk abandoned after an error, or a
 * worker stopping). PROCESSING items are claimable at once; QUEUED items are due at their
 * next_attempt_at (the hand-over sets it to the hand-over time, so at once).
 */
export async function releaseClaims(db: Queryable, claimer: string, itemIds: readonly bigint[]): Promise<number> {
  if (itemIds.length === 0) return 0;
  const result = await db.query(
    `update items set claimed_by = null, claimed_until = null, updated_at = now()
     where id = any($1::int8[]) and claimed_by = $2`,
    [itemIds, claimer],
  );
  return result.rowCount;
}

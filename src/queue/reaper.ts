import type { Queryable } from '../db/port.ts';

/**
 * Frees every chunk lease that has expired (served by work_chunks_leased) and makes those chunks due
 * at once: a worker died or stalled holding them. Its PROCESSING items are claimed again and sent for
 * the first time; its QUEUED items may have reached a rail, so the next claim asks the rail for their
 * status before anything is sent again. Safe to run from any number of processes at once. Returns
 * how many leases were freed.
 */
export async function reapExpiredLeases(db: Queryable): Promise<number> {
  const freed = await db.query(
    `update work_chunks set claimed_by = null, claimed_until = null, due_at = least(due_at, now())
     where id = any(array(select id from work_chunks where claimed_until < now() for update skip locked))`,
  );
  return freed.rowCount;
}

import type { Queryable } from '../db/port.ts';
import type { ClaimedChunk } from './claim.ts';

/**
 * Gives a processed chunk's lease back and says what it waits for: nothing (done, for good) when no
 * item of its range is PROCESSING or QUEUED any more; otherwise it is due at its earliest status
 * check (or at once, for an item still PROCESSING). Guarded by the owner: a lease the reaper took
 * away is someone else's now. Returns whether the chunk is done.
 */
export async function finishChunk(db: Queryable, chunk: ClaimedChunk): Promise<boolean> {
  const finished = await db.query<{ done: boolean }>(
    `update work_chunks c set claimed_by = null, claimed_until = null,
       due_at = coalesce(open.next_due, c.due_at),
       done_at = case when open.items = 0 then now() end
     from (select count(*)::int as items,
                  min(case when status = 'QUEUED' then next_attempt_at else now() end) as next_due
           from items where batch_id = $2 and seq between $3 and $4 and status in ('PROCESSING', 'QUEUED')) as open
     where c.id = $1 and c.claimed_by = $5
     returning c.done_at is not null as done`,
    [chunk.id, chunk.batchId, chunk.seqFrom, chunk.seqTo, chunk.claimedBy],
  );
  return finished.rows[0]?.done ?? false;
}

/** Gives the lease back untouched (a chunk abandoned after an error, or a worker stopping): due as it was. */
export async function releaseChunk(db: Queryable, chunk: ClaimedChunk): Promise<boolean> {
  const released = await db.query(`update work_chunks set claimed_by = null, claimed_until = null where id = $1 and claimed_by = $2`, [chunk.id, chunk.claimedBy]);
  return released.rowCount === 1;
}

/**
 * Locks a claimed chunk's row for the rest of the caller's transaction if its lease is still this
 * claimer's (the reaper cannot take it away until that transaction ends), and marks it as one that
 * may hold QUEUED items, for retrieve's counts. False: the lease was lost.
 */
export async function holdLease(tx: Queryable, chunk: ClaimedChunk): Promise<boolean> {
  const held = await tx.query('update work_chunks set handed_over_at = coalesce(handed_over_at, now()) where id = $1 and claimed_by = $2', [chunk.id, chunk.claimedBy]);
  return held.rowCount === 1;
}

import { TransactionEvents } from '../audit/transaction-events.ts';
import type { Db, Queryable } from '../db/port.ts';
import { isRetryable } from '../faults.ts';
import { limits } from '../limits.ts';
import type { ChunkLease, ClaimedChunk } from './claim.ts';

/**
 * Gives a processed chunk's lease back and says what it waits for: nothing (done, for good) when no
 * item of its range is PROCESSING or QUEUED any more; otherwise it is due at its earliest status
 * check (or at once, for an item still PROCESSING). Guarded by the owner: a lease the reaper took
 * away is someone else's now. Returns whether the chunk is done.
 */
export async function finishChunk(db: Queryable, chunk: ChunkLease): Promise<boolean> {
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

/** Gives the lease back untouched: due as it was. */
export async function releaseChunk(db: Queryable, chunk: ClaimedChunk): Promise<boolean> {
  const released = await db.query(`update work_chunks set claimed_by = null, claimed_until = null where id = $1 and claimed_by = $2`, [chunk.id, chunk.claimedBy]);
  return released.rowCount === 1;
}

/**
 * Gives the lease of a chunk whose processing threw back, counting the failure: due again as it
 * was, or parked with its error once it failed `failuresMax` times (limits.chunkFailuresMax) or with
 * a fault no retry can help (faults.ts). Parking touches this row alone, never its items' state or
 * money, and is a `chunk.parked` event on the merchant's audit chain, written in the same
 * transaction (the chunk row first, the audit head last). Guarded by the owner. Returns what became
 * of the chunk ('lost': the lease was not ours).
 */
export async function failChunk(db: Db, chunk: ClaimedChunk, error: unknown, failuresMax: number = limits.chunkFailuresMax): Promise<'retried' | 'parked' | 'lost'> {
  const message = (error instanceof Error ? `${error.name}: ${error.message}` : String(error)).slice(0, limits.chunkErrorCharsMax);
  return db.transaction(async (tx) => {
    const failed = await tx.query<{ parked: boolean; failures: number; merchant_id: bigint }>(
      `update work_chunks c set claimed_by = null, claimed_until = null, failures = c.failures + 1, last_error = $3,
         parked_at = case when c.failures + 1 >= $4 or not $5 then now() end
       from batches b
       where c.id = $1 and c.claimed_by = $2 and b.id = c.batch_id
       returning c.parked_at is not null as parked, c.failures, b.merchant_id`,
      [chunk.id, chunk.claimedBy, message, failuresMax, isRetryable(error)],
    );
    if (failed.rowCount === 0) return 'lost';
    const row = failed.rows[0];
    if (!row.parked) return 'retried';
    const events = new TransactionEvents({ chainId: BigInt(row.merchant_id), actor: 'system', requestId: chunk.batchId });
    events.audit([{ action: 'chunk.parked', entity: `chunk:${chunk.id}`, before: null, after: { seqFrom: chunk.seqFrom, seqTo: chunk.seqTo, failures: row.failures, lastError: message } }]);
    await events.write(tx);
    return 'parked';
  });
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

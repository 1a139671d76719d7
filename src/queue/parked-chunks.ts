import type { Queryable } from '../db/port.ts';

/** A chunk that failed too often (or with a fault no retry helps), waiting for an operator. */
export interface ParkedChunk {
  id: bigint;
  batchId: string;
  seqFrom: number;
  seqTo: number;
  failures: number;
  lastError: string | null;
  parkedAt: Date;
}

/** Parked chunks after `afterId`, in id order, at most `limit` (served by work_chunks_parked). */
export async function listParkedChunks(db: Queryable, page: { afterId: bigint; limit: number }): Promise<ParkedChunk[]> {
  const found = await db.query<{ id: bigint; batch_id: string; seq_from: number; seq_to: number; failures: number; last_error: string | null; parked_at: Date }>(
    `select id, batch_id, seq_from, seq_to, failures, last_error, parked_at from work_chunks
     where parked_at is not null and id > $1 order by id limit $2`,
    [page.afterId, page.limit],
  );
  return found.rows.map((row) => ({
    id: row.id,
    batchId: row.batch_id,
    seqFrom: row.seq_from,
    seqTo: row.seq_to,
    failures: row.failures,
    lastError: row.last_error,
    parkedAt: new Date(row.parked_at),
  }));
}

/**
 * An operator's retry: the parked chunk is due at once with its failures forgotten (its last error
 * stays until the next one). Guarded by parked_at: false when the chunk is not parked (any more).
 */
export async function retryParkedChunk(db: Queryable, chunkId: bigint): Promise<boolean> {
  const retried = await db.query(`update work_chunks set parked_at = null, failures = 0, due_at = now() where id = $1 and parked_at is not null`, [chunkId]);
  return retried.rowCount === 1;
}

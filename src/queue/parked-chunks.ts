import { TransactionEvents } from '../audit/transaction-events.ts';
import type { Db, Queryable } from '../db/port.ts';

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
 * stays until the next one), recorded as a `chunk.retried` event by the admin on the merchant's
 * audit chain in the same transaction. Guarded by parked_at: false when the chunk is not parked (any
 * more).
 */
export async function retryParkedChunk(db: Db, chunkId: bigint): Promise<boolean> {
  return db.transaction(async (tx) => {
    const retried = await tx.query<{ batch_id: string; failures: number; merchant_id: bigint }>(
      `update work_chunks c set parked_at = null, failures = 0, due_at = now()
       from batches b, lateral (select failures from work_chunks where id = $1) as was
       where c.id = $1 and c.parked_at is not null and b.id = c.batch_id
       returning c.batch_id, was.failures, b.merchant_id`,
      [chunkId],
    );
    if (retried.rowCount === 0) return false;
    const row = retried.rows[0];
    const events = new TransactionEvents({ chainId: BigInt(row.merchant_id), actor: 'admin', requestId: row.batch_id });
    events.audit([{ action: 'chunk.retried', entity: `chunk:${chunkId}`, before: { parked: true, failures: row.failures }, after: { parked: false, failures: 0 } }]);
    await events.write(tx);
    return true;
  });
}

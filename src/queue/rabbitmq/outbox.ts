import type { Queryable, Tx } from '../../db/port.ts';
import type { ChunkMessage } from './message.ts';

/** An outbox row a relay holds: one chunk message to publish. */
export interface OutboxRow extends ChunkMessage {
  id: bigint;
}

/** Writes one outbox row per work chunk of the batch, in the caller's (auth's) transaction. Returns the row count. */
export async function writeOutbox(tx: Tx, batchId: string): Promise<number> {
  const written = await tx.query(
    `insert into outbox (batch_id, seq_from, seq_to) select batch_id, seq_from, seq_to from work_chunks where batch_id = $1 order by seq_from`,
    [batchId],
  );
  return written.rowCount;
}

/**
 * Takes up to `rows` unpublished rows under a lease of `leaseMs`, oldest first. SKIP LOCKED lets any
 * number of relays (one per service and worker process) run side by side, each taking other rows;
 * a lease that ran out (its relay died before the confirm) makes the row available again.
 */
export async function claimOutbox(db: Queryable, rows: number, leaseMs: number): Promise<OutboxRow[]> {
  const claimed = await db.query<{ id: bigint; batch_id: string; seq_from: number; seq_to: number }>(
    `update outbox set relay_until = now() + $2::int8 * interval '1 millisecond'
     where id in (select id from outbox
                  where published_at is null and (relay_until is null or relay_until < now())
                  order by id limit $1 for update skip locked)
     returning id, batch_id, seq_from, seq_to`,
    [rows, leaseMs],
  );
  return claimed.rows
    .map((row) => ({ id: row.id, batchId: row.batch_id, seqFrom: row.seq_from, seqTo: row.seq_to }))
    .sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
}

/** The broker confirmed these rows' messages. Guarded: a row stamped already keeps its first time. */
export async function markPublished(db: Queryable, ids: readonly bigint[]): Promise<number> {
  if (ids.length === 0) return 0;
  const marked = await db.query(`update outbox set published_at = now(), relay_until = null where id = any($1::int8[]) and published_at is null`, [ids]);
  return marked.rowCount;
}

/** The broker did not confirm these (a nack, a lost connection, a timeout): another round sends them. */
export async function releaseOutbox(db: Queryable, ids: readonly bigint[]): Promise<number> {
  if (ids.length === 0) return 0;
  const released = await db.query(`update outbox set relay_until = null where id = any($1::int8[]) and published_at is null`, [ids]);
  return released.rowCount;
}

import { limits } from '../limits.ts';
import type { Tx } from '../db/port.ts';

/**
 * Cuts an authorised batch into chunks of `chunkItems` consecutive seqs, one work_chunks row each,
 * in the caller's (auth's) transaction, due after `dueInMs`. Computed from the batch's item count
 * alone, without reading its items: a 100,000-item batch is one statement writing 100 rows. A
 * range may hold INVALID items, so a chunk holds at most `chunkItems` items to pay (and one made only
 * of invalid items is done at its first claim). Returns the number of chunks.
 */
export async function writeWorkChunks(tx: Tx, batch: { id: string; itemCount: number }, chunkItems: number, dueInMs: number): Promise<number> {
  if (!Number.isSafeInteger(chunkItems) || chunkItems < 1 || chunkItems > limits.claimChunkItemsMax) throw new Error(`chunk size must be 1..${limits.claimChunkItemsMax}, got ${chunkItems}`);
  const written = await tx.query(
    `insert into work_chunks (batch_id, seq_from, seq_to, due_at)
     select $1, s, least(s + $2 - 1, $3 - 1), now() + $4::int8 * interval '1 millisecond'
     from generate_series(0, $3 - 1, $2) as s`,
    [batch.id, chunkItems, batch.itemCount, dueInMs],
  );
  const expected = Math.ceil(batch.itemCount / chunkItems);
  if (written.rowCount !== expected) throw new Error(`batch ${batch.id}: wrote ${written.rowCount} work chunks, expected ${expected}`);
  return written.rowCount;
}

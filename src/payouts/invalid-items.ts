import type { Tx } from '../db/port.ts';

/**
 * A batch's invalid items, listed once at init (migration 030): a page of one kind is then found by
 * index, however deep into the batch it lies, where it was skipped to with OFFSET. Items may not be
 * indexed by status (an item's settlement updates would lose their HOT path), but INVALID never
 * changes after init, so the list stays true for the batch's whole life.
 */

/** Lists the batch's invalid items, by their seqs in ascending order; nothing to write for a batch without any. */
export async function recordInvalidItems(tx: Tx, batchId: string, seqs: readonly number[]): Promise<void> {
  if (seqs.length === 0) return;
  const written = await tx.query(
    `insert into batch_invalid_items (batch_id, rank, seq, valid_before)
     select $1, (u.ord - 1)::int, u.seq, u.seq - (u.ord - 1)::int from unnest($2::int[]) with ordinality as u(seq, ord)`,
    [batchId, seqs],
  );
  if (written.rowCount !== seqs.length) throw new Error(`listed ${written.rowCount} of ${seqs.length} invalid items of batch ${batchId}`);
}

/**
 * The batch's items of one kind, `skip` of that kind skipped, at most `size`, in seq order: an SQL
 * subquery over `items i` (every column), for the batch, skip and size given as SQL expressions.
 * VALID starts at the seq of the skip-th valid item — skip plus the invalid items before it, the
 * last of them found by one index seek — and passes over the few invalid ones within its page;
 * INVALID reads its seqs from the list and each item by (batch_id, seq).
 */
export function kindPageSql(kind: 'VALID' | 'INVALID', batchId: string, skip: string, size: string): string {
  if (kind === 'INVALID') {
    return `select i.* from batch_invalid_items v join items i on i.batch_id = v.batch_id and i.seq = v.seq
      where v.batch_id = ${batchId} and v.rank >= ${skip} order by v.rank limit ${size}`;
  }
  const invalidBefore = `coalesce((select v.rank + 1 from batch_invalid_items v
      where v.batch_id = ${batchId} and v.valid_before <= ${skip} order by v.valid_before desc, v.rank desc limit 1), 0)`;
  return `select i.* from items i
    where i.batch_id = ${batchId} and i.seq >= ${skip} + ${invalidBefore} and i.status <> 'INVALID' order by i.seq limit ${size}`;
}

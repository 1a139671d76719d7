import type { Db, Tx } from '../db/port.ts';
import { int8ArrayLiteral } from '../db/array-literal.ts';

/**
 * The CSV file line of each item of an uploaded batch (batch_source_lines, migration 016), so the
 * console shows a bad line as the line the maker sees in their file, not as its submission number.
 */
export async function recordSourceLines(tx: Tx, batchId: string, lines: readonly number[]): Promise<void> {
  await tx.query('insert into batch_source_lines (batch_id, lines) values ($1, $2::int[])', [batchId, int8ArrayLiteral(lines.map(BigInt))]);
}

/** seq → file line for the given items of a batch; empty when the batch did not come from a file. */
export async function sourceLinesOf(db: Db, batchId: string, seqs: readonly number[]): Promise<Map<number, number>> {
  if (seqs.length === 0) return new Map();
  const found = await db.query<{ seq: number; line: number | null }>(
    'select s.seq, l.lines[s.seq + 1] as line from batch_source_lines l, unnest($2::int[]) as s(seq) where l.batch_id = $1',
    [batchId, int8ArrayLiteral(seqs.map(BigInt))],
  );
  return new Map(found.rows.filter((row) => row.line !== null).map((row) => [Number(row.seq), Number(row.line)]));
}

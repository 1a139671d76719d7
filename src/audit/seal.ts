import type { Tx } from '../db/port.ts';
import type { ChainHead } from './append.ts';

/** Events hashed onto a head: the one statement that inserts them, and the head they leave. */
export interface SealedEvents {
  count: number;
  /** The head they were hashed onto. */
  from: ChainHead;
  /** The head after them. */
  head: ChainHead;
  /** An INSERT into audit_events whose $1 is the chain id. */
  sql: string;
  params: unknown[];
}

/**
 * Inserts sealed groups, in order, and moves the chain's head (locked by the caller) past the last
 * one, in the same statement as the last insert: a transaction's audit costs one statement per
 * group. Every count is checked.
 */
export async function insertSealed(tx: Tx, chainId: bigint, sealed: readonly SealedEvents[]): Promise<void> {
  for (const [i, group] of sealed.entries()) {
    if (i < sealed.length - 1) {
      const inserted = await tx.query(group.sql, group.params);
      if (inserted.rowCount !== group.count) throw new Error(`audit: inserted ${inserted.rowCount} of ${group.count} events`);
      continue;
    }
    const n = group.params.length;
    const result = await tx.query<{ inserted: number; moved: number }>(
      `with inserted as (${group.sql} returning 1),
            moved as (update audit_heads set last_seq = $${n + 1}, last_hash = $${n + 2} where chain_id = $1 returning 1)
       select (select count(*)::int from inserted) as inserted, (select count(*)::int from moved) as moved`,
      [...group.params, group.head.seq, group.head.hash],
    );
    const { inserted, moved } = result.rows[0];
    if (inserted !== group.count) throw new Error(`audit: inserted ${inserted} of ${group.count} events`);
    if (moved !== 1) throw new Error('audit head vanished inside its own transaction');
  }
}

import type { Queryable } from '../db/port.ts';

export interface SandboxTransfer {
  seq: bigint;
  idempotencyKey: string;
  iban: string;
  amount: bigint;
  currency: string;
  status: 'PAID' | 'REJECTED';
  reason: string | null;
  at: Date;
}

/** The sandbox bank's own record, in the order it received the transfers, one page at a time. */
export async function listSandboxTransfers(
  db: Queryable,
  query: { afterSeq: bigint; limit: number; idempotencyKey?: string },
): Promise<{ transfers: SandboxTransfer[]; nextAfterSeq?: bigint }> {
  const columns = 'seq, idempotency_key, iban, amount, currency, status, reason, at';
  type Row = { seq: bigint; idempotency_key: string; iban: string; amount: bigint; currency: string; status: 'PAID' | 'REJECTED'; reason: string | null; at: Date };
  const found =
    query.idempotencyKey === undefined
      ? await db.query<Row>(`select ${columns} from sandbox_bank_transfers where seq > $1 order by seq limit $2`, [query.afterSeq, query.limit + 1])
      : await db.query<Row>(`select ${columns} from sandbox_bank_transfers where idempotency_key = $1 and seq > $2`, [query.idempotencyKey, query.afterSeq]);
  const transfers = found.rows.slice(0, query.limit).map((row) => ({
    seq: row.seq,
    idempotencyKey: row.idempotency_key,
    iban: row.iban,
    amount: row.amount,
    currency: row.currency,
    status: row.status,
    reason: row.reason,
    at: row.at,
  }));
  return { transfers, nextAfterSeq: found.rows.length > query.limit ? transfers[transfers.length - 1].seq : undefined };
}

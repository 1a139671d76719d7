import type { Queryable } from '../db/port.ts';
import type { Currency } from '../money.ts';

/** The batch facts a chunk's transactions need: whose audit chain, which currency's accounts. */
export interface BatchRef {
  id: string;
  merchantId: bigint;
  currency: Currency;
}

export async function loadBatchRefs(db: Queryable, batchIds: readonly string[]): Promise<Map<string, BatchRef>> {
  const found = await db.query<{ id: string; merchant_id: bigint; currency: Currency }>(
    'select id, merchant_id, currency from batches where id = any($1::uuid[])',
    [batchIds],
  );
  return new Map(found.rows.map((row) => [row.id, { id: row.id, merchantId: row.merchant_id, currency: row.currency }]));
}

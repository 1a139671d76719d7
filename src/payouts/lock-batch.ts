import type { Tx } from '../db/port.ts';
import type { Currency } from '../money.ts';
import type { BatchStatus } from './statuses.ts';

/** The columns a state change of a whole batch needs. */
export interface LockedBatch {
  id: string;
  merchantId: bigint;
  status: BatchStatus;
  currency: Currency;
  /** All items, valid or not: their seqs are 0 … itemCount − 1. */
  itemCount: number;
  validCount: number;
  totalAmount: bigint;
  totalCommissionPlanned: bigint;
}

/**
 * Locks one of the merchant's batches for the rest of the transaction. Another merchant's batch is
 * indistinguishable from a missing one (undefined), so a caller learns nothing about foreign ids.
 * Every batch-wide transition (auth, cancel) starts here, so concurrent calls on one batch line up
 * behind this row lock and each sees the status the previous one committed.
 */
export async function lockMerchantBatch(tx: Tx, merchantId: bigint, batchId: string): Promise<LockedBatch | undefined> {
  const result = await tx.query<{
    id: string;
    merchant_id: bigint;
    status: BatchStatus;
    currency: Currency;
    item_count: number;
    valid_count: number;
    total_amount: bigint;
    total_commission_planned: bigint;
  }>(
    `select id, merchant_id, status, currency, item_count, valid_count, total_amount, total_commission_planned
     from batches where id = $1 and merchant_id = $2 for update`,
    [batchId, merchantId],
  );
  const row = result.rows[0];
  if (!row) return undefined;
  return {
    id: row.id,
    merchantId: row.merchant_id,
    status: row.status,
    currency: row.currency,
    itemCount: row.item_count,
    validCount: row.valid_count,
    totalAmount: row.total_amount,
    totalCommissionPlanned: row.total_commission_planned,
  };
}

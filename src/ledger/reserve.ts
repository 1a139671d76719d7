import type { TransactionEvents } from '../audit/transaction-events.ts';
import type { Tx } from '../db/port.ts';
import type { Currency } from '../money.ts';
import { ensureAccounts } from './accounts.ts';
import { lockAccounts, postTransfers, type PlannedTransfer } from './transfers.ts';

export interface BatchReserve {
  merchantId: bigint;
  batchId: string;
  currency: Currency;
  /** Σ (amount + commission) of the batch's valid items, in minor units. */
  amount: bigint;
}

export type ReserveOutcome = { ok: true } | { ok: false; code: 'INSUFFICIENT_BALANCE'; available: bigint };

/**
 * Moves a batch's money from the merchant's available to its reserved account as ONE transfer of
 * kind 'reserve' (the ledger's unique index allows one per batch). The available balance is read
 * with its row locked, so no concurrent reserve or payout can spend it between the check and the
 * transfer; too little is an outcome, not an error, and leaves the books untouched.
 */
export async function reserveBatchFunds(tx: Tx, reserve: BatchReserve, events: TransactionEvents): Promise<ReserveOutcome> {
  if (reserve.amount <= 0n) throw new Error(`reserve of batch ${reserve.batchId} must be > 0, got ${reserve.amount}`);
  const [availableId, reservedId] = await ensureAccounts(tx, [
    { kind: 'available', currency: reserve.currency, merchantId: reserve.merchantId },
    { kind: 'reserved', currency: reserve.currency, merchantId: reserve.merchantId },
  ]);
  const transfer: PlannedTransfer = { kind: 'reserve', debitAccountId: availableId, creditAccountId: reservedId, amount: reserve.amount, currency: reserve.currency, batchId: reserve.batchId };
  const balances = await lockAccounts(tx, [transfer]);
  const available = balances.get(availableId);
  if (available === undefined) throw new Error(`available account ${availableId} vanished`);
  if (available < reserve.amount) return { ok: false, code: 'INSUFFICIENT_BALANCE', available };

  const posted = await postTransfers(tx, [transfer], events, { accountsLocked: true });
  // The caller holds the batch lock and saw a status that has never been reserved: a second reserve
  // here means the batch's status and the ledger disagree.
  if (posted !== 1) throw new Error(`batch ${reserve.batchId} already has a reserve transfer`);
  return { ok: true };
}

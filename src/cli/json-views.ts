import type { BatchProgress } from '../client/progress.ts';
import type { MassPayout, PayoutItem } from '../client/types.ts';
import { jsonMoney } from './money.ts';

/**
 * What --json prints: the API's objects with every amount a decimal string of two fraction digits
 * ("38750.50"), the same in every command, whatever the wire used (38750.5, "38750.5").
 */

export function massPayoutJson(batch: MassPayout) {
  return {
    ...batch,
    totalAmount: jsonMoney(batch.totalAmount),
    totalSuccessfulAmount: jsonMoney(batch.totalSuccessfulAmount),
    totalCommissionAmount: jsonMoney(batch.totalCommissionAmount),
  };
}

export function progressJson(progress: BatchProgress) {
  return {
    ...progress,
    totalAmount: jsonMoney(progress.totalAmount),
    totalSuccessfulAmount: jsonMoney(progress.totalSuccessfulAmount),
    massPayout: massPayoutJson(progress.massPayout),
  };
}

export function itemJson(item: PayoutItem) {
  return { ...item, totalAmount: jsonMoney(item.totalAmount), commissionAmount: jsonMoney(item.commissionAmount) };
}

export function balancesJson(balances: readonly { currency: string; available: string; reserved: string }[]) {
  return balances.map((b) => ({ currency: b.currency, available: jsonMoney(b.available), reserved: jsonMoney(b.reserved) }));
}

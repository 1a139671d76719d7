import { InvariantError } from '../faults.ts';
import type { PlannedTransfer } from '../ledger/transfers.ts';
import type { BatchProgress } from '../payouts/batch-transitions.ts';
import type { ClaimedItem } from '../queue/claim.ts';
import type { RailName, RailOutcome, RejectionReason } from '../rails/rail.ts';
import { retryDelayMs } from './backoff.ts';

/** The pure part of settling a chunk: which item goes where, and which ledger transfers that takes. */

export interface ItemResult {
  item: ClaimedItem;
  rail: RailName;
  outcome: RailOutcome;
}

export interface PaidItem {
  item: ClaimedItem;
  rail: RailName;
  /** Set for wallet payouts: whose wallet account the ledger credits. */
  memberId?: string;
}

export interface RejectedItem {
  item: ClaimedItem;
  reason: RejectionReason;
  bankReason?: string;
}

export interface UnresolvedItem {
  item: ClaimedItem;
  detail: string;
  /** When to ask the rail again. */
  delayMs: number;
}

export interface SortedOutcomes {
  paid: PaidItem[];
  rejected: RejectedItem[];
  unresolved: UnresolvedItem[];
}

export function sortOutcomes(results: readonly ItemResult[]): SortedOutcomes {
  const sorted: SortedOutcomes = { paid: [], rejected: [], unresolved: [] };
  for (const { item, rail, outcome } of results) {
    switch (outcome.kind) {
      case 'PAID':
        if (rail === 'wallet' && outcome.walletMemberId === undefined) throw new InvariantError(`wallet paid item ${item.referenceCode} without naming a member`);
        sorted.paid.push({ item, rail, memberId: outcome.walletMemberId });
        break;
      case 'REJECTED':
        sorted.rejected.push({ item, reason: outcome.reason, bankReason: outcome.bankReason });
        break;
      case 'AMBIGUOUS':
        // item.attempts is the count before this round's hand-over added one.
        sorted.unresolved.push({ item, detail: outcome.detail, delayMs: outcome.retryAfterMs ?? retryDelayMs(item.attempts + 1) });
        break;
    }
  }
  return sorted;
}

/** The accounts one batch's settlement touches (all in the batch's currency). */
export interface SettlementAccounts {
  available: bigint;
  reserved: bigint;
  bankSettlement: bigint;
  commissionRevenue: bigint;
  /** memberId → that member's wallet account. */
  wallets: ReadonlyMap<string, bigint>;
}

/**
 * Per paid item: its amount reserved → the bank settlement account or the member's wallet (kind
 * 'payout'), and its commission reserved → commission revenue (kind 'commission', only when > 0).
 * Both carry item_id, so the ledger's unique (item_id, kind) index makes a replay a no-op.
 */
export function payoutTransfers(paid: readonly PaidItem[], accounts: SettlementAccounts): PlannedTransfer[] {
  const transfers: PlannedTransfer[] = [];
  for (const { item, memberId } of paid) {
    const creditAccountId = memberId === undefined ? accounts.bankSettlement : accounts.wallets.get(memberId);
    if (creditAccountId === undefined) throw new InvariantError(`no wallet account for member ${memberId}`);
    transfers.push({ kind: 'payout', debitAccountId: accounts.reserved, creditAccountId, amount: item.amount, currency: item.currency, batchId: item.batchId, itemId: item.id });
    if (item.commission > 0n) {
      transfers.push({ kind: 'commission', debitAccountId: accounts.reserved, creditAccountId: accounts.commissionRevenue, amount: item.commission, currency: item.currency, batchId: item.batchId, itemId: item.id });
    }
  }
  return transfers;
}

/** Per failed item: amount + commission back, reserved → available (kind 'release'). */
export function releaseTransfers(rejected: readonly RejectedItem[], accounts: SettlementAccounts): PlannedTransfer[] {
  return rejected.map(({ item }) => ({
    kind: 'release' as const,
    debitAccountId: accounts.reserved,
    creditAccountId: accounts.available,
    amount: item.amount + item.commission,
    currency: item.currency,
    batchId: item.batchId,
    itemId: item.id,
  }));
}

/** What the batch row gains from this settlement. */
export function batchProgress(paid: readonly PaidItem[], refunded: number, refundFailed: number): BatchProgress {
  let paidAmount = 0n;
  let paidCommission = 0n;
  for (const { item } of paid) {
    paidAmount += item.amount;
    paidCommission += item.commission;
  }
  return { finished: paid.length + refunded + refundFailed, paid: paid.length, refunded, refundFailed, paidAmount, paidCommission };
}

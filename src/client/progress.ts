import { finalBatchStatuses, type BatchStatus, type ItemStatus } from '../payouts/statuses.ts';
import type { MassPayout } from './types.ts';

/** How far a batch has come: what `waitUntilFinal` reports and `masspayout status` shows. */
export interface BatchProgress {
  requestId: string;
  status: BatchStatus;
  /** The batch is COMPLETED, FAIL or CANCELED: nothing about it changes any more. */
  isFinal: boolean;
  itemCount: number;
  currency: string;
  /** Decimal amounts as the API reports them. */
  totalAmount: number;
  totalSuccessfulAmount: number;
  /** Item counts, from the batch's per-status counts. */
  counts: ItemCounts;
  massPayout: MassPayout;
}

export interface ItemCounts {
  /** Items in a state that never changes again (INVALID, canceled, paid, refunded). */
  final: number;
  /** SUCCESS. */
  paid: number;
  /** FAILED, DEPOSIT_SUCCESS or DEPOSIT_FAIL: the rail refused; the money is (being) returned. */
  failed: number;
  invalid: number;
  canceled: number;
}

const finalItems: ReadonlySet<ItemStatus> = new Set(['INVALID', 'MASS_PAYOUT_CANCELED', 'SUCCESS', 'DEPOSIT_SUCCESS', 'DEPOSIT_FAIL']);
const failedItems: ReadonlySet<ItemStatus> = new Set(['FAILED', 'DEPOSIT_SUCCESS', 'DEPOSIT_FAIL']);

/** Counts by status (from the server, or from paging the items) folded into the progress figures. */
export function countItems(byStatus: Iterable<readonly [ItemStatus, number]>): ItemCounts {
  const counts: ItemCounts = { final: 0, paid: 0, failed: 0, invalid: 0, canceled: 0 };
  for (const [status, n] of byStatus) {
    if (finalItems.has(status)) counts.final += n;
    if (status === 'SUCCESS') counts.paid += n;
    if (failedItems.has(status)) counts.failed += n;
    if (status === 'INVALID') counts.invalid += n;
    if (status === 'MASS_PAYOUT_CANCELED') counts.canceled += n;
  }
  return counts;
}

export function progressOf(massPayout: MassPayout, counts: ItemCounts): BatchProgress {
  return {
    requestId: massPayout.requestId,
    status: massPayout.massPayoutStatus,
    isFinal: finalBatchStatuses.includes(massPayout.massPayoutStatus),
    itemCount: massPayout.itemCount,
    currency: massPayout.currency,
    totalAmount: massPayout.totalAmount,
    totalSuccessfulAmount: massPayout.totalSuccessfulAmount,
    counts,
    massPayout,
  };
}

import { stringify } from 'csv-stringify/sync';
import type { PayoutItem } from '../../wire/contract.ts';
import { payoutColumns } from '../../wire/payout-columns.ts';

/**
 * Items as CSV: the submit columns first, so an export (e.g. the failed items) can be sent again as
 * a new batch, then what the service reports about each (submit ignores those extra columns).
 */
export const exportColumns = [...payoutColumns, 'itemStatus', 'referenceCode', 'errorMessage', 'commissionAmount'] as const;

export function csvHeader(): string {
  return stringify([exportColumns as unknown as string[]]);
}

export function csvLines(items: readonly PayoutItem[]): string {
  return stringify(
    items.map((item) => [
      item.itemExternalId,
      item.recipientType,
      item.recipientInfo,
      item.recipientName ?? '',
      // An INVALID item's amount as it was sent: the export says what to fix.
      item.sentAmount ?? String(item.totalAmount),
      item.currencyCode,
      item.description ?? '',
      item.itemStatus,
      item.referenceCode,
      item.errorMessage ?? '',
      String(item.commissionAmount),
    ]),
  );
}

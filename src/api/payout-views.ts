import { toJsonAmount } from '../money.ts';
import type { BatchRecord, ItemRecord } from '../payouts/read-batch.ts';
import type { StatusVocabulary } from '../merchants/merchants.ts';
import { wireBatchStatus } from '../payouts/status-vocabulary.ts';
import type { MassPayout, PayoutItem } from '../wire/contract.ts';
import { rejectionReasonOf } from '../rails/iso20022/reasons.ts';
import { errors, type Locale, messageFor } from '../errors.ts';

/**
 * How batches and items look on the wire (the README's API section): amounts as JSON numbers from minor units,
 * dates as ISO strings, reasons as messages in the request's locale.
 */

/**
 * totalCommissionAmount is the commission charged so far (paid items only), the sibling of
 * totalSuccessfulAmount; what an item will cost is its own commissionAmount, shown from init on.
 */
export function massPayoutView(batch: BatchRecord, itemStatusCounts: MassPayout['itemStatusCounts'], vocabulary: StatusVocabulary): MassPayout {
  return {
    requestId: batch.id,
    externalId: batch.externalId,
    merchantId: Number(batch.merchantId),
    massPayoutStatus: wireBatchStatus(batch.status, vocabulary),
    currency: batch.currency,
    totalAmount: toJsonAmount(batch.totalAmount),
    totalSuccessfulAmount: toJsonAmount(batch.totalSuccessfulAmount),
    totalCommissionAmount: toJsonAmount(batch.totalCommissionAmount),
    itemCount: batch.itemCount,
    receivedDate: batch.receivedAt.toISOString(),
    completedDate: batch.completedAt?.toISOString() ?? null,
    canceledDate: batch.canceledAt?.toISOString() ?? null,
    itemStatusCounts,
  };
}

/** A sent amount that reads as a number: an INVALID item's totalAmount shows it (`1.234`, `-5`). */
const decimalNumber = /^-?[0-9]{1,20}(\.[0-9]{1,20})?$/;

export function payoutItemView(item: ItemRecord, locale: Locale): PayoutItem {
  const errorMessages = item.errorCodes.map((code) => messageFor(code, locale));
  return {
    itemExternalId: item.itemExternalId,
    referenceCode: item.referenceCode,
    massPayoutRequestId: item.batchId,
    recipientType: item.recipientType,
    recipientInfo: item.recipientInfo,
    recipientName: item.recipientName,
    description: item.description,
    itemStatus: item.status,
    errorMessages,
    errorMessage: errorMessages[0] ?? null,
    totalAmount: item.amountSent !== null && decimalNumber.test(item.amountSent) ? Number(item.amountSent) : toJsonAmount(item.amount),
    sentAmount: item.amountSent,
    commissionAmount: toJsonAmount(item.commission),
    currencyCode: item.currency,
    bankReasonCode: item.bankReason,
    returnedAmount: item.returnedAmount === null ? null : toJsonAmount(item.returnedAmount),
    returnedDate: item.returnedAt?.toISOString() ?? null,
    returnReason: item.returnedAmount === null ? null : messageFor(errors[rejectionReasonOf(item.bankReason)].code, locale),
  };
}

import { messageFor } from '../errors.ts';
import { limits } from '../limits.ts';
import { toJsonAmount } from '../money.ts';
import { itemsSettledType, type ItemEventMode, type WebhookEventType } from './event-types.ts';
import type { WebhookChange } from './changes.ts';

/** A batch as its events show it: the API's names and amounts (decimal numbers from minor units). */
export interface BatchRow {
  id: string;
  external_id: string;
  conversation_id: string | null;
  currency: string;
  status: string;
  item_count: number;
  total_amount: bigint;
  total_successful_amount: bigint;
  total_commission_amount: bigint;
}

export interface ItemRow {
  reference_code: string;
  item_external_id: string;
  status: string;
  amount: bigint;
  commission: bigint;
  currency: string;
  error_codes: string[];
  bank_reason: string | null;
  returned_amount: bigint | null;
  returned_at: Date | null;
}

export interface EndpointSubscription {
  events: readonly string[];
  itemEvents: ItemEventMode;
}

/** One event for one endpoint, before its sequence number is known. */
export interface PlannedEvent {
  type: WebhookEventType | typeof itemsSettledType;
  batchId: string;
  data: Record<string, unknown>;
}

function batchRef(batch: BatchRow) {
  return { requestId: batch.id, externalId: batch.external_id, conversationId: batch.conversation_id };
}

/**
 * `status` is the state the change reached (auth's IN_PROGRESS, even when the same transaction
 * published the batch on to PUBLISHED_TO_QUEUE); the amounts are the batch's as the change left them.
 */
export function batchData(batch: BatchRow, status: string): Record<string, unknown> {
  return {
    ...batchRef(batch),
    massPayoutStatus: status,
    currency: batch.currency,
    totalAmount: toJsonAmount(batch.total_amount),
    totalSuccessfulAmount: toJsonAmount(batch.total_successful_amount),
    totalCommissionAmount: toJsonAmount(batch.total_commission_amount),
    itemCount: batch.item_count,
  };
}

export function itemData(item: ItemRow, type: WebhookEventType): Record<string, unknown> {
  return {
    type,
    referenceCode: item.reference_code,
    itemExternalId: item.item_external_id,
    itemStatus: item.status,
    totalAmount: toJsonAmount(item.amount),
    commissionAmount: toJsonAmount(item.commission),
    currencyCode: item.currency,
    errorCodes: item.error_codes,
    errorMessage: item.error_codes.length > 0 ? messageFor(item.error_codes[0], 'en') : null,
    bankReasonCode: item.bank_reason,
    returnedAmount: item.returned_amount === null ? null : toJsonAmount(item.returned_amount),
    returnedDate: item.returned_at?.toISOString() ?? null,
  };
}

/**
 * The events one endpoint is sent for a transaction's changes (pure): the batch events it
 * subscribes to, and its item outcomes either grouped (one mass_payout.items.settled per batch per
 * limits.webhookItemsPerEventMax items; returns stay one event each: a return is news of its own,
 * days after the settlement) or one event per item.
 */
export function plannedEvents(endpoint: EndpointSubscription, changes: readonly WebhookChange[], batches: ReadonlyMap<string, BatchRow>, items: ReadonlyMap<string, ItemRow>): PlannedEvent[] {
  const wanted = new Set(endpoint.events);
  const planned: PlannedEvent[] = [];
  const grouped = new Map<string, Record<string, unknown>[]>();
  for (const change of changes) {
    if (!wanted.has(change.type)) continue;
    const batch = batches.get(change.batchId);
    if (!batch) throw new Error(`webhooks: batch ${change.batchId} of a change is not there`);
    if (change.kind === 'batch') {
      planned.push({ type: change.type, batchId: batch.id, data: batchData(batch, change.status) });
      continue;
    }
    for (const code of change.referenceCodes) {
      const item = items.get(code);
      if (!item) throw new Error(`webhooks: item ${code} of a change is not there`);
      if (endpoint.itemEvents === 'each' || change.type === 'mass_payout.item.returned') {
        planned.push({ type: change.type, batchId: batch.id, data: { ...batchRef(batch), item: itemData(item, change.type) } });
      } else {
        const list = grouped.get(batch.id) ?? [];
        list.push(itemData(item, change.type));
        grouped.set(batch.id, list);
      }
    }
  }
  const settled: PlannedEvent[] = [];
  for (const [batchId, list] of grouped) {
    const batch = batches.get(batchId)!;
    for (let i = 0; i < list.length; i += limits.webhookItemsPerEventMax) {
      settled.push({ type: itemsSettledType, batchId, data: { ...batchRef(batch), currency: batch.currency, items: list.slice(i, i + limits.webhookItemsPerEventMax) } });
    }
  }
  // Item outcomes before the batch's own change (completed after its last items), as webhookChanges orders them.
  return [...settled, ...planned.filter((e) => e.type.startsWith('mass_payout.item.')), ...planned.filter((e) => !e.type.startsWith('mass_payout.item.'))];
}

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

/**
 * One event for one endpoint, before its sequence number is known: its data as JSON without the
 * closing brace (`{"requestId":…,"items":[…]`), so the body is finished by appending the sequence
 * (payloadOf) instead of serialising a 1,000-item group again.
 */
export interface PlannedEvent {
  type: WebhookEventType | typeof itemsSettledType;
  batchId: string;
  openData: string;
}

/** The exact body: `{"type", "timestamp", "data"}`, data with the batch's sequence number last. */
export function payloadOf(event: PlannedEvent, sequence: number, timestamp: string): string {
  return `{"type":${JSON.stringify(event.type)},"timestamp":${JSON.stringify(timestamp)},"data":${event.openData},"sequence":${sequence}}}`;
}

/** `{"a":1}` → `{"a":1`: the object still open for more members. */
function opened(data: Record<string, unknown>): string {
  return JSON.stringify(data).slice(0, -1);
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

/** Where an item's JSON (itemData) is kept for a change of that type: one item may change twice in a transaction. */
export function itemKey(type: string, referenceCode: string): string {
  return `${type} ${referenceCode}`;
}

/**
 * The events one endpoint is sent for a transaction's changes (pure): the batch events it
 * subscribes to, and its item outcomes either grouped (one mass_payout.items.settled per batch per
 * limits.webhookItemsPerEventMax items; returns stay one event each: a return is news of its own,
 * days after the settlement) or one event per item. `itemJson` holds each item's JSON (itemData)
 * by itemKey, serialised once for every endpoint; `batches` must hold the batches as the changes
 * left them for batch changes, and at least their fixed fields (id, external id, conversation id,
 * currency) for item changes.
 */
export function plannedEvents(endpoint: EndpointSubscription, changes: readonly WebhookChange[], batches: ReadonlyMap<string, BatchRow>, itemJson: ReadonlyMap<string, string>): PlannedEvent[] {
  const wanted = new Set(endpoint.events);
  const planned: PlannedEvent[] = [];
  const grouped = new Map<string, string[]>();
  for (const change of changes) {
    if (!wanted.has(change.type)) continue;
    const batch = batches.get(change.batchId);
    if (!batch) throw new Error(`webhooks: batch ${change.batchId} of a change is not there`);
    if (change.kind === 'batch') {
      planned.push({ type: change.type, batchId: batch.id, openData: opened(batchData(batch, change.status)) });
      continue;
    }
    for (const code of change.referenceCodes) {
      const json = itemJson.get(itemKey(change.type, code));
      if (json === undefined) throw new Error(`webhooks: item ${code} of a change is not there`);
      if (endpoint.itemEvents === 'each' || change.type === 'mass_payout.item.returned') {
        planned.push({ type: change.type, batchId: batch.id, openData: `${opened(batchRef(batch))},"item":${json}` });
      } else {
        const list = grouped.get(batch.id) ?? [];
        list.push(json);
        grouped.set(batch.id, list);
      }
    }
  }
  const settled: PlannedEvent[] = [];
  for (const [batchId, list] of grouped) {
    const batch = batches.get(batchId)!;
    const head = opened({ ...batchRef(batch), currency: batch.currency });
    for (let i = 0; i < list.length; i += limits.webhookItemsPerEventMax) {
      settled.push({ type: itemsSettledType, batchId, openData: `${head},"items":[${list.slice(i, i + limits.webhookItemsPerEventMax).join(',')}]` });
    }
  }
  // Item outcomes before the batch's own change (completed after its last items), as webhookChanges orders them.
  return [...settled, ...planned.filter((e) => e.type.startsWith('mass_payout.item.')), ...planned.filter((e) => !e.type.startsWith('mass_payout.item.'))];
}

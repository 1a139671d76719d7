import { limits } from '../limits.ts';
import { formatDecimal, toJsonAmount } from '../money.ts';
import { itemsSettledType, type ItemEventMode, type ItemEventType, type WebhookEventType } from './event-types.ts';
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

export interface EndpointSubscription {
  events: readonly string[];
  itemEvents: ItemEventMode;
}

/** An item and the outcome it is told of (the `type` of its JSON). */
export interface ItemMention {
  type: ItemEventType;
  code: string;
  /** The item's row as the transition left it, when the transition returned it (itemJson). */
  snapshot?: ItemSnapshot;
}

/**
 * An item's columns as a settlement's UPDATE returned them (RETURNING, payouts/item-transitions.ts):
 * what its JSON is built from without reading the row again. Only for an item just settled, which
 * has never been returned (a return comes after SUCCESS): its returned fields are null.
 */
export interface ItemSnapshot {
  reference_code: string;
  item_external_id: string;
  status: string;
  amount: bigint;
  commission: bigint;
  currency: string;
  error_codes: string[] | null;
  bank_reason: string | null;
}

/** The columns of an ItemSnapshot, for a RETURNING or a SELECT that makes one. */
export const itemSnapshotColumns = ['reference_code', 'item_external_id', 'status', 'amount', 'commission', 'currency', 'error_codes', 'bank_reason'] as const satisfies readonly (keyof ItemSnapshot)[];

/** Items whose JSON the database writes into a body (itemJsonSql): one `items` array, or one `item`. */
export interface ItemGroup {
  /** The same key for the same items in the same order: endpoints sent the same group share its JSON. */
  key: string;
  items: readonly ItemMention[];
  /** `"item":{…}` (one item on its own) rather than `"items":[…]`. */
  single: boolean;
}

/**
 * One event for one endpoint, before its sequence number is known: its data as JSON up to its
 * items, the object still open (`{"requestId":…`), and the items the database fills in. The body is
 * `{"type", "timestamp", "data"}` with the batch's sequence number last in data (bodyParts).
 */
export interface PlannedEvent {
  type: WebhookEventType | typeof itemsSettledType;
  batchId: string;
  openData: string;
  items?: ItemGroup;
}

/**
 * The stored body around its items: what comes before the items' JSON and what comes after it, up
 * to the batch's sequence number (for an event without items, the body is the two joined). The
 * body sent is the stored one, the number and `}}` (bodyWithSequenceSql): the number is given later
 * in the transaction than the body is written (write-events.ts).
 */
export function bodyParts(event: PlannedEvent, timestamp: string): { before: string; after: string } {
  const head = `{"type":${JSON.stringify(event.type)},"timestamp":${JSON.stringify(timestamp)},"data":${event.openData}`;
  const tail = `,"sequence":`;
  if (!event.items) return { before: head, after: tail };
  return event.items.single ? { before: `${head},"item":`, after: tail } : { before: `${head},"items":[`, after: `]${tail}` };
}

/** The exact body sent, from a delivery's stored body_head and its sequence number, in SQL. */
export const bodyWithSequenceSql = (delivery: string) => `${delivery}.body_head || ${delivery}.sequence || '}}'`;

/**
 * One item's JSON as an event shows it, built by the database from the `items` row `i` and the
 * outcome type `m.type`, with the error messages of $1 (errorMessages, a JSON object by code), for
 * items whose rows the process does not have: reading 1,000 rows in only to send ~330 KB of JSON
 * back cost more than everything else a delivery does (a settlement has its items' rows from its
 * own UPDATEs, and uses itemJson). `row_to_json` writes compact JSON with the keys in
 * this order; amounts are minor units as decimal numbers (12345 → 123.45, 4000 → 40), as toJsonAmount
 * writes them; returnedDate is ISO 8601 in UTC with milliseconds, as Date.toISOString.
 */
export const itemJsonSql = `(select row_to_json(x)::text from (select
    m.type as "type", i.reference_code as "referenceCode", i.item_external_id as "itemExternalId", i.status as "itemStatus",
    trim_scale(i.amount / 100.0) as "totalAmount", trim_scale(i.commission / 100.0) as "commissionAmount", i.currency as "currencyCode",
    i.error_codes as "errorCodes", coalesce($1::jsonb ->> i.error_codes[1], i.error_codes[1]) as "errorMessage",
    i.bank_reason as "bankReasonCode", trim_scale(i.returned_amount / 100.0) as "returnedAmount",
    to_char(i.returned_at at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"') as "returnedDate") x)`;

/**
 * The same bytes as itemJsonSql, from a snapshot (test/webhook-item-json.test.ts compares the two):
 * the settlement's own items, whose rows it has in hand, so the database need not find and
 * serialise them again inside the settlement's transaction.
 */
export function itemJson(type: ItemEventType, item: ItemSnapshot, messages: Readonly<Record<string, string>>): string {
  const code = item.error_codes?.[0];
  const message = code === undefined ? null : Object.hasOwn(messages, code) ? messages[code] : code;
  return (
    `{"type":${JSON.stringify(type)},"referenceCode":${JSON.stringify(item.reference_code)},"itemExternalId":${JSON.stringify(item.item_external_id)},` +
    `"itemStatus":${JSON.stringify(item.status)},"totalAmount":${formatDecimal(item.amount)},"commissionAmount":${formatDecimal(item.commission)},` +
    `"currencyCode":${JSON.stringify(item.currency)},"errorCodes":${JSON.stringify(item.error_codes)},"errorMessage":${JSON.stringify(message)},` +
    `"bankReasonCode":${JSON.stringify(item.bank_reason)},"returnedAmount":null,"returnedDate":null}`
  );
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

/**
 * The events one endpoint is sent for a transaction's changes (pure): the batch events it
 * subscribes to, and its item outcomes either grouped (one mass_payout.items.settled per batch per
 * limits.webhookItemsPerEventMax items; returns stay one event each: a return is news of its own,
 * days after the settlement) or one event per item. `batches` must hold the batches as the changes
 * left them for batch changes, and at least their fixed fields (id, external id, conversation id,
 * currency) for item changes. A grouped event holds items of every outcome type it is told of in
 * one call, each item's JSON naming its own type, in the order of the changes (a settlement's paid
 * and refunded items: one group, WebhookOutbox.prepare).
 */
export function plannedEvents(endpoint: EndpointSubscription, changes: readonly WebhookChange[], batches: ReadonlyMap<string, BatchRow>): PlannedEvent[] {
  const wanted = new Set(endpoint.events);
  const planned: PlannedEvent[] = [];
  const grouped = new Map<string, ItemMention[]>();
  for (const change of changes) {
    if (!wanted.has(change.type)) continue;
    const batch = batches.get(change.batchId);
    if (!batch) throw new Error(`webhooks: batch ${change.batchId} of a change is not there`);
    if (change.kind === 'batch') {
      planned.push({ type: change.type, batchId: batch.id, openData: opened(batchData(batch, change.status)) });
      continue;
    }
    change.referenceCodes.forEach((code, i) => {
      if (endpoint.itemEvents === 'each' || change.type === 'mass_payout.item.returned') {
        const items: ItemGroup = { key: `${change.type} ${code}`, items: [{ type: change.type, code }], single: true };
        planned.push({ type: change.type, batchId: batch.id, openData: opened(batchRef(batch)), items });
      } else {
        const list = grouped.get(batch.id) ?? [];
        list.push({ type: change.type, code, snapshot: change.snapshots?.[i] });
        grouped.set(batch.id, list);
      }
    });
  }
  // A batch's group holds what this endpoint subscribes to, so that is in its key.
  const subscribed = [...wanted].filter((type) => type.startsWith('mass_payout.item.')).sort().join(',');
  const settled: PlannedEvent[] = [];
  for (const [batchId, list] of grouped) {
    const batch = batches.get(batchId)!;
    const head = opened({ ...batchRef(batch), currency: batch.currency });
    for (let i = 0; i < list.length; i += limits.webhookItemsPerEventMax) {
      const items: ItemGroup = { key: `${batchId} ${subscribed} ${i}`, items: list.slice(i, i + limits.webhookItemsPerEventMax), single: false };
      settled.push({ type: itemsSettledType, batchId, openData: head, items });
    }
  }
  // Item outcomes before the batch's own change (completed after its last items), as webhookChanges orders them.
  return [...settled, ...planned.filter((e) => e.type.startsWith('mass_payout.item.')), ...planned.filter((e) => !e.type.startsWith('mass_payout.item.'))];
}

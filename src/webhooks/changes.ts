import type { OutboundEvent } from '../audit/transaction-events.ts';
import { batchEventOf, itemEventOf, type BatchEventType, type ItemEventType } from './event-types.ts';
import type { ItemSnapshot } from './payloads.ts';

/** What a transaction changed that an endpoint may hear of, in the order it is told. */
export type WebhookChange =
  | { kind: 'batch'; type: BatchEventType; merchantId: bigint; batchId: string; status: string }
  | { kind: 'items'; type: ItemEventType; merchantId: bigint; batchId: string; referenceCodes: string[]; snapshots?: ItemSnapshot[] };

/**
 * The webhook changes among a transaction's outbound events (pure). A batch reaching a state an
 * event announces is one change; items reaching an outcome are one change per batch and outcome
 * (a settlement's paid items come in one group per rail: joined here). Item changes come first: a
 * settlement that finishes its batch tells of the items before the batch's completion.
 */
export function webhookChanges(events: readonly OutboundEvent[]): WebhookChange[] {
  const items = new Map<string, Extract<WebhookChange, { kind: 'items' }>>();
  const batches: WebhookChange[] = [];
  for (const event of events) {
    if (event.type === 'batch.status') {
      const type = batchEventOf[String(event.data.to)];
      if (type) batches.push({ kind: 'batch', type, merchantId: event.merchantId, batchId: event.batchId, status: String(event.data.to) });
      continue;
    }
    const type = event.type === 'item.returned' ? 'mass_payout.item.returned' : event.type === 'item.status' ? itemEventOf[String(event.data.to)] : undefined;
    if (!type) continue;
    const codes = event.data.referenceCodes as string[];
    const snapshots = event.data.snapshots as ItemSnapshot[] | undefined;
    if (codes.length === 0) continue;
    const key = `${event.batchId}/${type}`;
    const seen = items.get(key);
    if (seen) {
      seen.referenceCodes.push(...codes);
      // A change has its items' rows only if every event of it came with them.
      seen.snapshots = seen.snapshots && snapshots ? [...seen.snapshots, ...snapshots] : undefined;
    } else {
      items.set(key, { kind: 'items', type, merchantId: event.merchantId, batchId: event.batchId, referenceCodes: [...codes], snapshots: snapshots && [...snapshots] });
    }
  }
  return [...items.values(), ...batches];
}

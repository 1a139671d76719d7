import { randomUUID } from 'node:crypto';
import type { OutboundEvent, OutboundWriter } from '../audit/transaction-events.ts';
import { textArrayLiteral } from '../db/array-literal.ts';
import type { Tx } from '../db/port.ts';
import { limits } from '../limits.ts';
import { webhookChanges, type WebhookChange } from './changes.ts';
import type { ItemEventMode } from './event-types.ts';
import { itemData, itemKey, payloadOf, plannedEvents, type BatchRow, type ItemRow } from './payloads.ts';

/**
 * The outbox half of webhooks (TransactionEvents' OutboundWriter): the deliveries of a transaction's
 * changes, inserted by that transaction, so a committed change always has its deliveries and a
 * rolled-back one never does. Delivery happens later, outside any transaction (deliver.ts).
 *
 * Costs nothing for a change no endpoint can hear of (a hand-over, a publish): no statement at all;
 * one indexed read of the merchant's active endpoints otherwise, and, when there are some, one read
 * of the batches, one of the items, one upsert of the batches' sequence numbers and one INSERT.
 * This is the one-step form; a settlement uses WebhookOutbox's two steps.
 */
export const writeWebhookEvents: OutboundWriter = (tx: Tx, events: readonly OutboundEvent[]) => new WebhookOutbox().write(tx, events);

interface EndpointRow {
  id: bigint;
  events: string[];
  item_events: ItemEventMode;
}

/**
 * One transaction's webhook deliveries, in two steps for a transaction that takes locks other
 * writers wait for (a settlement: the batch row, the merchant's accounts). `prepare`, before those
 * locks, does what does not need them for the changes recorded so far: reads the merchant's
 * endpoints, the batches' fixed fields and the items, and serialises each item once. `write`, the
 * transaction's OutboundWriter, then does only the rest: the items and batches changed since (a
 * batch's own event needs its counters as the change left them), the per-batch sequence numbers
 * (under the batch row lock, so they increase in commit order) and the INSERT. A settlement of
 * 1,000 items held its locks ~60 ms longer for its webhooks when all of it ran in `write`.
 *
 * Prepare only changes that stay as they are to the commit: an item serialised in `prepare` is
 * sent as it was then. The endpoints read in `prepare` are the ones the transaction's deliveries go
 * to, as if all of it had run at that moment (an endpoint added or disabled concurrently is a race
 * either way; the dispatcher checks the endpoint again when it sends).
 */
export class WebhookOutbox {
  private readonly endpoints = new Map<bigint, EndpointRow[]>();
  private readonly batches = new Map<string, BatchRow>();
  private readonly itemJson = new Map<string, string>();

  readonly write: OutboundWriter = async (tx, events) => {
    const changes = webhookChanges(events);
    if (changes.length === 0) return;
    for (const merchantId of new Set(changes.map((c) => c.merchantId))) {
      await this.writeForMerchant(
        tx,
        merchantId,
        changes.filter((c) => c.merchantId === merchantId),
      );
    }
  };

  /** The reads and the serialising of `write` for these events (the transaction's so far), before its shared locks. */
  async prepare(tx: Tx, events: readonly OutboundEvent[]): Promise<void> {
    const changes = webhookChanges(events);
    for (const merchantId of new Set(changes.map((c) => c.merchantId))) {
      const mine = changes.filter((c) => c.merchantId === merchantId);
      const listening = await this.listening(tx, merchantId, mine);
      if (listening.length === 0) continue;
      await this.readBatches(tx, mine.map((c) => c.batchId), false);
      await this.readItems(tx, heardItems(mine, listening));
    }
  }

  private async writeForMerchant(tx: Tx, merchantId: bigint, changes: WebhookChange[]): Promise<void> {
    const listening = await this.listening(tx, merchantId, changes);
    if (listening.length === 0) return;
    // A batch's own change reads the batch again: its counters as this transaction left them.
    const batchChanged = new Set(changes.filter((c) => c.kind === 'batch' && listening.some((e) => e.events.includes(c.type))).map((c) => c.batchId));
    await this.readBatches(tx, [...batchChanged], true);
    await this.readBatches(tx, changes.map((c) => c.batchId), false);
    await this.readItems(tx, heardItems(changes, listening));

    const perEndpoint = listening.map((endpoint) => ({ endpoint, events: plannedEvents({ events: endpoint.events, itemEvents: endpoint.item_events }, changes, this.batches, this.itemJson) }));
    const counts = new Map<string, number>();
    for (const { events } of perEndpoint) for (const event of events) counts.set(event.batchId, (counts.get(event.batchId) ?? 0) + 1);
    if (counts.size === 0) return;
    const next = await allocateSequences(tx, counts);

    const timestamp = new Date().toISOString();
    const rows: unknown[][] = [];
    for (const { endpoint, events } of perEndpoint) {
      for (const event of events) {
        const sequence = next.get(event.batchId)!;
        next.set(event.batchId, sequence + 1);
        rows.push([`msg_${randomUUID().replaceAll('-', '')}`, endpoint.id, event.batchId, event.type, sequence, payloadOf(event, sequence, timestamp)]);
      }
    }
    await insertDeliveries(tx, rows);
  }

  /** The merchant's active endpoints that subscribe to any of these changes; read once per transaction (one indexed query). */
  private async listening(tx: Tx, merchantId: bigint, changes: readonly WebhookChange[]): Promise<EndpointRow[]> {
    let endpoints = this.endpoints.get(merchantId);
    if (!endpoints) {
      endpoints = (await tx.query<EndpointRow>(`select id, events, item_events from webhook_endpoints where merchant_id = $1 and status = 'active' order by id`, [merchantId])).rows;
      this.endpoints.set(merchantId, endpoints);
    }
    return endpoints.filter((e) => changes.some((c) => e.events.includes(c.type)));
  }

  /** Reads the batches not held yet, or (`again`) every one of them. */
  private async readBatches(tx: Tx, ids: readonly string[], again: boolean): Promise<void> {
    const wanted = [...new Set(ids)].filter((id) => again || !this.batches.has(id));
    if (wanted.length === 0) return;
    const result = await tx.query<BatchRow>(
      `select id, external_id, conversation_id, currency, status, item_count, total_amount, total_successful_amount, total_commission_amount
       from batches where id = any($1::uuid[])`,
      [textArrayLiteral(wanted)],
    );
    for (const row of result.rows) this.batches.set(row.id, row);
  }

  /** Reads and serialises the items (by itemKey) not serialised yet. */
  private async readItems(tx: Tx, keys: ReadonlyMap<string, { type: ItemChange['type']; code: string }>): Promise<void> {
    const missing = [...keys].filter(([key]) => !this.itemJson.has(key));
    if (missing.length === 0) return;
    const result = await tx.query<ItemRow>(
      `select reference_code, item_external_id, status, amount, commission, currency, error_codes, bank_reason, returned_amount, returned_at
       from items where reference_code = any($1::uuid[])`,
      [textArrayLiteral([...new Set(missing.map(([, item]) => item.code))])],
    );
    const rows = new Map(result.rows.map((row) => [row.reference_code, row]));
    for (const [key, { type, code }] of missing) {
      const row = rows.get(code);
      if (row) this.itemJson.set(key, JSON.stringify(itemData(row, type)));
    }
  }
}

type ItemChange = Extract<WebhookChange, { kind: 'items' }>;

/** The items of the changes some endpoint hears of, by itemKey. */
function heardItems(changes: readonly WebhookChange[], listening: readonly EndpointRow[]): Map<string, { type: ItemChange['type']; code: string }> {
  const keys = new Map<string, { type: ItemChange['type']; code: string }>();
  for (const change of changes) {
    if (change.kind !== 'items' || !listening.some((e) => e.events.includes(change.type))) continue;
    for (const code of change.referenceCodes) keys.set(itemKey(change.type, code), { type: change.type, code });
  }
  return keys;
}

/**
 * One INSERT per limits.webhookDeliveriesPerInsertMax rows, every value its own parameter: a
 * grouped payload (~300 KB of JSON) goes to the server as it is, where an array parameter would
 * have the driver escape each of its quotes first.
 */
async function insertDeliveries(tx: Tx, rows: readonly unknown[][]): Promise<void> {
  for (let start = 0; start < rows.length; start += limits.webhookDeliveriesPerInsertMax) {
    const slice = rows.slice(start, start + limits.webhookDeliveriesPerInsertMax);
    const values = slice.map((_, r) => `($${r * 6 + 1}, $${r * 6 + 2}::int8, $${r * 6 + 3}::uuid, $${r * 6 + 4}, $${r * 6 + 5}::int8, $${r * 6 + 6})`);
    await tx.query(`insert into webhook_deliveries (message_id, endpoint_id, batch_id, event_type, sequence, payload) values ${values.join(', ')}`, slice.flat());
  }
}

/**
 * Reserves `count` sequence numbers per batch in one upsert and returns the first of each. The rows
 * are taken in batch-id order, so two transactions touching the same batches cannot deadlock here;
 * a settlement holds its batch row already, so for it this waits on nobody.
 */
async function allocateSequences(tx: Tx, counts: ReadonlyMap<string, number>): Promise<Map<string, number>> {
  const ids = [...counts.keys()].sort();
  const reserved = await tx.query<{ batch_id: string; last_sequence: bigint }>(
    `insert into webhook_sequences (batch_id, last_sequence)
     select * from unnest($1::uuid[], $2::int8[]) order by 1
     on conflict (batch_id) do update set last_sequence = webhook_sequences.last_sequence + excluded.last_sequence
     returning batch_id, last_sequence`,
    [textArrayLiteral(ids), ids.map((id) => String(counts.get(id)))],
  );
  return new Map(reserved.rows.map((row) => [row.batch_id, Number(row.last_sequence) - counts.get(row.batch_id)! + 1]));
}

import { randomUUID } from 'node:crypto';
import type { OutboundEvent, OutboundWriter } from '../audit/transaction-events.ts';
import { textArrayLiteral } from '../db/array-literal.ts';
import type { Tx } from '../db/port.ts';
import { limits } from '../limits.ts';
import { webhookChanges, type WebhookChange } from './changes.ts';
import type { ItemEventMode } from './event-types.ts';
import { plannedEvents, type BatchRow, type ItemRow, type PlannedEvent } from './payloads.ts';

/**
 * The outbox half of webhooks (TransactionEvents' OutboundWriter): the deliveries of a transaction's
 * changes, inserted by that transaction, so a committed change always has its deliveries and a
 * rolled-back one never does. Delivery happens later, outside any transaction (deliver.ts).
 *
 * Costs nothing for a change no endpoint can hear of (a hand-over, a publish): no statement at all;
 * one indexed read of the merchant's active endpoints otherwise, and, when there are some, one read
 * of the batches, one of the items, one upsert of the batches' sequence numbers and one INSERT.
 */
export const writeWebhookEvents: OutboundWriter = async (tx: Tx, events: readonly OutboundEvent[]) => {
  const changes = webhookChanges(events);
  if (changes.length === 0) return;
  for (const merchantId of new Set(changes.map((c) => c.merchantId))) {
    await writeForMerchant(
      tx,
      merchantId,
      changes.filter((c) => c.merchantId === merchantId),
    );
  }
};

interface EndpointRow {
  id: bigint;
  events: string[];
  item_events: ItemEventMode;
}

async function writeForMerchant(tx: Tx, merchantId: bigint, changes: WebhookChange[]): Promise<void> {
  const endpoints = await tx.query<EndpointRow>(`select id, events, item_events from webhook_endpoints where merchant_id = $1 and status = 'active' order by id`, [merchantId]);
  const listening = endpoints.rows.filter((e) => changes.some((c) => e.events.includes(c.type)));
  if (listening.length === 0) return;

  const batches = await readBatches(tx, [...new Set(changes.map((c) => c.batchId))]);
  const itemCodes = changes.flatMap((c) => (c.kind === 'items' && listening.some((e) => e.events.includes(c.type)) ? c.referenceCodes : []));
  const items = await readItems(tx, itemCodes);

  const perEndpoint = listening.map((endpoint) => ({ endpoint, events: plannedEvents({ events: endpoint.events, itemEvents: endpoint.item_events }, changes, batches, items) }));
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

/** The exact body: `{"type", "timestamp", "data"}`, data with the batch's sequence number. */
function payloadOf(event: PlannedEvent, sequence: number, timestamp: string): string {
  return JSON.stringify({ type: event.type, timestamp, data: { ...event.data, sequence } });
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

async function readBatches(tx: Tx, ids: string[]): Promise<Map<string, BatchRow>> {
  const result = await tx.query<BatchRow>(
    `select id, external_id, conversation_id, currency, status, item_count, total_amount, total_successful_amount, total_commission_amount
     from batches where id = any($1::uuid[])`,
    [textArrayLiteral(ids)],
  );
  return new Map(result.rows.map((row) => [row.id, row]));
}

async function readItems(tx: Tx, codes: string[]): Promise<Map<string, ItemRow>> {
  if (codes.length === 0) return new Map();
  const result = await tx.query<ItemRow>(
    `select reference_code, item_external_id, status, amount, commission, currency, error_codes, bank_reason, returned_amount, returned_at
     from items where reference_code = any($1::uuid[])`,
    [textArrayLiteral(codes)],
  );
  return new Map(result.rows.map((row) => [row.reference_code, row]));
}

import { randomUUID } from 'node:crypto';
import type { OutboundEvent, OutboundWriter } from '../audit/transaction-events.ts';
import { int8ArrayLiteral, textArrayLiteral } from '../db/array-literal.ts';
import { messagesByCode } from '../errors.ts';
import type { Tx } from '../db/port.ts';
import { noStep, runStep, type Step } from '../db/steps.ts';
import { limits } from '../limits.ts';
import { webhookChanges, type WebhookChange } from './changes.ts';
import type { ItemEventMode } from './event-types.ts';
import { bodyParts, itemJson, itemJsonSql, plannedEvents, type BatchRow, type ItemMention, type PlannedEvent } from './payloads.ts';

/**
 * The outbox half of webhooks (TransactionEvents' OutboundWriter): the deliveries of a transaction's
 * changes, inserted by that transaction, so a committed change always has its deliveries and a
 * rolled-back one never does. Delivery happens later, outside any transaction (deliver.ts).
 *
 * Costs nothing for a change no endpoint can hear of (a hand-over, a publish): no statement at all;
 * one indexed read of the merchant's active endpoints otherwise, and, when there are some, one read
 * of the batches, one upsert of the batches' sequence numbers and one INSERT, in which the database
 * writes the items' JSON into the bodies itself (payloads.ts, itemJsonSql): the items' rows never
 * travel to this process. A settlement's items come with their rows (its UPDATEs return them), so
 * their JSON is written here instead (itemJson), the same bytes, and sent as one parameter per group.
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
 * locks, writes the deliveries of the items changed so far, unnumbered: reads the merchant's
 * endpoints and the batches' fixed fields, and INSERTs the bodies, their items' JSON built by the
 * database. `write`, the transaction's OutboundWriter, then does the rest: the deliveries of the
 * changes since (a batch's own event needs its counters as the transaction left them), and the
 * per-batch sequence numbers of all of them, under the batch row lock so that they increase in
 * commit order: one statement that reserves the prepared deliveries' numbers and writes them
 * (`numberStep`, which a settlement runs in the round trip that takes its locks), then for the
 * others an upsert and their INSERT. Building and storing a settlement's 1,000 items' JSON under the
 * locks held every other settlement of the merchant up ~40 ms; each round trip under them, a few ms.
 *
 * A settlement prepares after its last item change (paid and refunded items alike: their JSON is
 * written as it is then), and the events it is given stay the first of the transaction's. The
 * endpoints read in `prepare` are the ones the transaction's deliveries go to, as if all of it had
 * run at that moment (an endpoint added or disabled concurrently is a race either way; the
 * dispatcher checks the endpoint again when it sends).
 */
export class WebhookOutbox {
  private readonly endpoints = new Map<bigint, EndpointRow[]>();
  private readonly batches = new Map<string, BatchRow>();
  /** The events `prepare` wrote the item deliveries of, and those deliveries (sequence 0 until numbered), in order. */
  private prepared: { events: readonly OutboundEvent[]; deliveries: readonly DeliveryRow[]; numbered: boolean } | undefined;

  readonly write: OutboundWriter = async (tx, events) => {
    const earlier = this.prepared?.events ?? [];
    if (earlier.some((event, i) => events[i] !== event)) throw new Error('webhooks: the events prepared are no longer the first of the transaction');
    // The prepared events' item changes have their deliveries; any batch change waits for now.
    const changes = [...webhookChanges(events.slice(earlier.length)).filter((c) => c.kind === 'items'), ...webhookChanges(events).filter((c) => c.kind === 'batch')];
    const rows = await this.plan(tx, changes);
    // The prepared deliveries take their numbers first: they are the transaction's first events.
    await runStep(tx, this.numberStep());
    if (rows.length === 0) return;
    await numberDeliveries(tx, rows);
    await insertDeliveries(tx, rows);
  };

  /** Writes, unnumbered, the deliveries of the item changes among these events (the transaction's so far), before its shared locks. */
  async prepare(tx: Tx, events: readonly OutboundEvent[]): Promise<void> {
    if (this.prepared) throw new Error('webhooks: a transaction prepares its deliveries once');
    const changes = webhookChanges(events).filter((c) => c.kind === 'items');
    const rows = await this.plan(tx, changes);
    await insertDeliveries(tx, rows);
    this.prepared = { events: [...events], deliveries: rows, numbered: false };
  }

  /**
   * Numbers the prepared deliveries, as one statement: for a transaction that holds its batch rows
   * (a settlement), to run with the statements that took them (runSteps), in the same round trip.
   * Nothing to do once they are numbered, or when none were prepared.
   */
  numberStep(): Step<void> {
    const prepared = this.prepared;
    if (!prepared || prepared.numbered || prepared.deliveries.length === 0) return noStep(undefined);
    const step = numberPreparedStep(prepared.deliveries);
    return {
      statement: step.statement,
      read(result) {
        step.read(result);
        prepared.numbered = true;
      },
    };
  }

  /**
   * Whether `write` will write nothing for this merchant's changes: it has no active endpoint (read
   * once per transaction, as `prepare` reads them). A settlement then takes the audit head with its
   * other locks, no outbound statement coming after it.
   */
  async silentFor(tx: Tx, merchantId: bigint): Promise<boolean> {
    return (await this.endpointsOf(tx, merchantId)).length === 0;
  }

  /** The deliveries of these changes, unnumbered, merchant by merchant. */
  private async plan(tx: Tx, changes: readonly WebhookChange[]): Promise<DeliveryRow[]> {
    const rows: DeliveryRow[] = [];
    for (const merchantId of new Set(changes.map((c) => c.merchantId))) rows.push(...(await this.planForMerchant(tx, merchantId, changes.filter((c) => c.merchantId === merchantId))));
    return rows;
  }

  private async planForMerchant(tx: Tx, merchantId: bigint, changes: WebhookChange[]): Promise<DeliveryRow[]> {
    const listening = await this.listening(tx, merchantId, changes);
    if (listening.length === 0) return [];
    // A batch's own change (only `write` has them) reads the batch again: its counters as this transaction left them.
    const batchChanged = new Set(changes.filter((c) => c.kind === 'batch' && listening.some((e) => e.events.includes(c.type))).map((c) => c.batchId));
    await this.readBatches(tx, [...batchChanged], true);
    await this.readBatches(tx, changes.map((c) => c.batchId), false);

    const timestamp = new Date().toISOString();
    const rows: DeliveryRow[] = [];
    for (const endpoint of listening) {
      for (const event of plannedEvents({ events: endpoint.events, itemEvents: endpoint.item_events }, changes, this.batches)) {
        rows.push({ messageId: `msg_${randomUUID().replaceAll('-', '')}`, endpointId: endpoint.id, event, sequence: 0, ...bodyParts(event, timestamp) });
      }
    }
    return rows;
  }

  /** The merchant's active endpoints that subscribe to any of these changes; read once per transaction (one indexed query). */
  private async listening(tx: Tx, merchantId: bigint, changes: readonly WebhookChange[]): Promise<EndpointRow[]> {
    return (await this.endpointsOf(tx, merchantId)).filter((e) => changes.some((c) => e.events.includes(c.type)));
  }

  private async endpointsOf(tx: Tx, merchantId: bigint): Promise<EndpointRow[]> {
    let endpoints = this.endpoints.get(merchantId);
    if (!endpoints) {
      endpoints = (await tx.query<EndpointRow>(`select id, events, item_events from webhook_endpoints where merchant_id = $1 and status = 'active' order by id`, [merchantId])).rows;
      this.endpoints.set(merchantId, endpoints);
    }
    return endpoints;
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
}

interface DeliveryRow {
  messageId: string;
  endpointId: bigint;
  event: PlannedEvent;
  /** 0 until numberDeliveries gives it the batch's next one (a prepared row's is written by numberPreparedStep, in the database only). */
  sequence: number;
  /** The stored body around its items' JSON (bodyParts). */
  before: string;
  after: string;
}

/** The catalogue's English messages by code: the errorMessage of an item's JSON (itemJson; as JSON for itemJsonSql). */
const messages = messagesByCode('en');
const errorMessages = JSON.stringify(messages);

/**
 * One INSERT per limits.webhookDeliveriesPerInsertMax deliveries, in their order (their ids are the
 * order a receiver is sent them in). The bodies are put together by the database: each delivery's
 * JSON before and after its items, and each item group's JSON once (itemJson, or itemJsonSql for
 * items that came without their rows), however many endpoints are sent it. A group whose items are
 * not all there leaves its body null, which the column refuses: the transaction fails rather than
 * send an event short of items.
 */
async function insertDeliveries(tx: Tx, rows: readonly DeliveryRow[]): Promise<void> {
  for (let start = 0; start < rows.length; start += limits.webhookDeliveriesPerInsertMax) {
    const slice = rows.slice(start, start + limits.webhookDeliveriesPerInsertMax);
    const groups = new Map<string, readonly ItemMention[]>();
    for (const row of slice) if (row.event.items) groups.set(row.event.items.key, row.event.items.items);
    // A group whose items all came with their rows (a settlement's) is written here, each group a
    // parameter of its own: as an element of an array literal its every quote would be escaped here
    // and parsed there. The database builds the others' JSON from the items' rows.
    const built: [string, readonly ItemMention[]][] = [];
    const members: (readonly [string, string, string])[] = [];
    for (const [key, items] of groups) {
      if (items.every((item) => item.snapshot)) built.push([key, items]);
      else for (const item of items) members.push([key, item.code, item.type]);
    }
    const builtParams = built.flatMap(([key, items]) => [key, String(items.length), items.map((item) => itemJson(item.type, item.snapshot!, messages)).join(',')]);
    const builtRows = built.map((_, g) => `union all select $${14 + 3 * g}::text, $${15 + 3 * g}::int8, $${16 + 3 * g}::text`);
    await tx.query(
      `with member as (
         select * from unnest($2::text[], $3::uuid[], $4::text[]) with ordinality as m(key, code, type, ord)
       ), item_group as (
         select m.key, count(*) as found, string_agg(${itemJsonSql}, ',' order by m.ord) as json
         from member m join items i on i.reference_code = m.code
         group by m.key
         ${builtRows.join(' ')}
       )
       insert into webhook_deliveries (message_id, endpoint_id, batch_id, event_type, sequence, body_head)
       select d.message_id, d.endpoint_id, d.batch_id, d.event_type, d.sequence,
         case when d.group_key is null then d.before || d.after when g.found = d.group_size then d.before || g.json || d.after end
       from unnest($5::text[], $6::int8[], $7::uuid[], $8::text[], $9::int8[], $10::text[], $11::text[], $12::text[], $13::int4[])
         with ordinality as d(message_id, endpoint_id, batch_id, event_type, sequence, before, after, group_key, group_size, ord)
       left join item_group g on g.key = d.group_key
       order by d.ord`,
      [
        errorMessages,
        textArrayLiteral(members.map((m) => m[0])),
        textArrayLiteral(members.map((m) => m[1])),
        textArrayLiteral(members.map((m) => m[2])),
        textArrayLiteral(slice.map((r) => r.messageId)),
        int8ArrayLiteral(slice.map((r) => r.endpointId)),
        textArrayLiteral(slice.map((r) => r.event.batchId)),
        textArrayLiteral(slice.map((r) => r.event.type)),
        int8ArrayLiteral(slice.map((r) => BigInt(r.sequence))),
        textArrayLiteral(slice.map((r) => r.before)),
        textArrayLiteral(slice.map((r) => r.after)),
        textArrayLiteral(slice.map((r) => r.event.items?.key ?? null)),
        int8ArrayLiteral(slice.map((r) => BigInt(r.event.items?.items.length ?? 0))),
        ...builtParams,
      ],
    );
  }
}

/**
 * Reserves `wanted`'s (batch_id, n) next n sequence numbers of each batch, returning each batch's
 * last one: the rows taken in batch-id order, so two transactions touching the same batches cannot
 * deadlock here.
 */
const reserveSequencesSql = `insert into webhook_sequences (batch_id, last_sequence)
  select batch_id, n from wanted order by 1
  on conflict (batch_id) do update set last_sequence = webhook_sequences.last_sequence + excluded.last_sequence
  returning batch_id, last_sequence`;

/**
 * Gives the deliveries, in their order, the next sequence numbers of their batches, reserved in one
 * upsert (reserveSequencesSql); a settlement holds its batch row already, so for it this waits on
 * nobody.
 */
async function numberDeliveries(tx: Tx, rows: DeliveryRow[]): Promise<void> {
  const counts = new Map<string, number>();
  for (const row of rows) counts.set(row.event.batchId, (counts.get(row.event.batchId) ?? 0) + 1);
  const ids = [...counts.keys()].sort();
  const reserved = await tx.query<{ batch_id: string; last_sequence: bigint }>(
    `with wanted as (select * from unnest($1::uuid[], $2::int8[]) as w(batch_id, n)) ${reserveSequencesSql}`,
    [textArrayLiteral(ids), ids.map((id) => String(counts.get(id)))],
  );
  const next = new Map(reserved.rows.map((row) => [row.batch_id, Number(row.last_sequence) - counts.get(row.batch_id)! + 1]));
  for (const row of rows) {
    row.sequence = next.get(row.event.batchId)!;
    next.set(row.event.batchId, row.sequence + 1);
  }
}

/**
 * Gives deliveries `prepare` inserted, in their order, the next sequence numbers of their batches,
 * in one statement: reserved (reserveSequencesSql), then written into a small column by message id
 * (the body, stored apart, is not written again; the rows in memory keep 0). Every one of them must
 * still be there unnumbered; the deferred trigger of migration 028 refuses a commit that leaves one
 * at 0.
 */
function numberPreparedStep(rows: readonly DeliveryRow[]): Step<void> {
  return {
    statement: {
      sql: `with delivery as (
         select * from unnest($1::text[], $2::uuid[]) with ordinality as d(message_id, batch_id, ord)
       ), wanted as (
         select batch_id, count(*) as n from delivery group by batch_id
       ), reserved as (${reserveSequencesSql})
       update webhook_deliveries w
       set sequence = n.sequence
       from (
         select d.message_id, r.last_sequence - c.n + row_number() over (partition by d.batch_id order by d.ord) as sequence
         from delivery d join wanted c using (batch_id) join reserved r using (batch_id)
       ) as n
       where w.message_id = n.message_id and w.sequence = 0`,
      params: [textArrayLiteral(rows.map((r) => r.messageId)), textArrayLiteral(rows.map((r) => r.event.batchId))],
    },
    read(updated) {
      if (updated.rowCount !== rows.length) throw new Error(`webhooks: numbered ${updated.rowCount} of ${rows.length} prepared deliveries`);
    },
  };
}

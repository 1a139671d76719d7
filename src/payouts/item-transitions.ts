import { itemSetEvents, runsOf, type SeqRun } from '../audit/item-sets.ts';
import type { TransactionEvents } from '../audit/transaction-events.ts';
import { textArrayLiteral } from '../db/array-literal.ts';
import type { Tx } from '../db/port.ts';
import { errors, type ItemReasonName } from '../errors.ts';
import type { Currency } from '../money.ts';
import type { BatchKey } from './batch-transitions.ts';
import { itemSnapshotColumns, type ItemSnapshot } from '../webhooks/payloads.ts';
import { itemMoves } from './transitions.ts';

/** An item as its transitions name it: the row, its seq in the batch (what set-level audit events name) and its reference code (what webhooks name). */
export interface ItemKey {
  id: bigint;
  seq: number;
  referenceCode: string;
}

/** A batch's INIT items, as auth and cancel move them all. */
export interface PendingItems {
  /** Runs of the INIT items' seqs: every seq of the batch but its INVALID items'. */
  runs: SeqRun[];
  count: number;
}

/**
 * The seqs of a batch's INIT items, from its counts: with no INVALID item they are 0 … itemCount − 1
 * and nothing is read (a million-item auth read back 37 MB of reference codes to name its events);
 * otherwise one read of the INVALID items' seqs, which init keeps to the batch's invalid share.
 * Called under the batch row lock, under which no item of the batch changes status.
 */
export async function pendingItems(tx: Tx, batch: { id: string; itemCount: number; validCount: number }): Promise<PendingItems> {
  const invalid =
    batch.validCount === batch.itemCount
      ? []
      : (await tx.query<{ seq: number }>(`select seq from items where batch_id = $1 and status <> 'INIT' order by seq`, [batch.id])).rows.map((row) => row.seq);
  if (invalid.length !== batch.itemCount - batch.validCount) throw new Error(`batch ${batch.id}: ${invalid.length} items not INIT, expected ${batch.itemCount - batch.validCount}`);
  const runs: SeqRun[] = [];
  let low = 0;
  for (const seq of [...invalid, batch.itemCount]) {
    if (seq > low) runs.push({ low, high: seq - 1 });
    low = seq + 1;
  }
  return { runs, count: batch.validCount };
}

/**
 * Every item of a batch in the move's status (INIT) moves in ONE guarded statement, run as the
 * transaction's last statement (TransactionEvents.runLast). The caller holds the batch row lock,
 * under which a batch's INIT items cannot change otherwise. The statement counts and sums what it
 * moved in the database (no row comes back): exactly `pending.count` items holding exactly
 * `amountWithCommission` (what auth reserved from the batch's totals), or the transaction fails.
 * The audit trail gets set-level events naming the items by seq (audit/item-sets.ts), no webhook
 * event: no endpoint hears of PROCESSING or MASS_PAYOUT_CANCELED items.
 */
export function moveAllBatchItems(tx: Tx, events: TransactionEvents, batch: BatchKey, name: 'authorize' | 'cancel', pending: PendingItems, amountWithCommission: bigint): void {
  const move = itemMoves[name];
  const [from] = move.from;
  if (events.context.chainId !== batch.merchantId) throw new Error(`batch ${batch.id}: its events belong to merchant ${batch.merchantId}'s chain`);
  events.audit(itemSetEvents(pending.runs, { status: from }, { status: move.to }));
  events.runLast(async () => {
    const moved = await tx.query<{ count: number; total: bigint }>(
      `with moved as (update items set status = $3, updated_at = now() where batch_id = $1 and status = $2 returning amount + commission as total)
       select count(*)::int as count, coalesce(sum(total), 0)::int8 as total from moved`,
      [batch.id, from, move.to],
    );
    const { count, total } = moved.rows[0];
    if (count !== pending.count) throw new Error(`batch ${batch.id}: ${name} moved ${count} items, expected ${pending.count}`);
    if (total !== amountWithCommission) throw new Error(`batch ${batch.id}: ${name} moved items holding ${total}, expected ${amountWithCommission}`);
  });
}

/** An item of a claimed chunk, as the hand-over sees it. */
export interface HandedItem extends ItemKey {
  /** PROCESSING: never handed to a rail. QUEUED: handed over before, outcome unknown. */
  status: 'PROCESSING' | 'QUEUED';
  /** Hand-overs so far, as read at the claim. */
  attempts: number;
}

/**
 * PROCESSING → QUEUED (and QUEUED stays QUEUED) for these items, BEFORE any rail hears of them,
 * counting an attempt and making each due for a status check at once. Found by id alone
 * (primary-key probes): with `batch_id = …` in this WHERE the planner once took the (batch_id, seq)
 * index while the batch's statistics were those of an empty table, and read the whole batch for
 * every chunk (quadratic in the batch size). An item already final is skipped.
 *
 * Returns the items held now, QUEUED, with the status each had before and the attempts before this
 * one: one more than when the item was read means this update moved it from the status it was read
 * in; more means another hand-over (of a stale copy of its chunk) came in between and left it
 * QUEUED, so it may have reached a rail.
 */
export async function handOverItems<T extends HandedItem>(tx: Tx, events: TransactionEvents, batch: BatchKey, items: readonly T[]): Promise<T[]> {
  if (items.length === 0) return [];
  const move = itemMoves.handOver;
  const moved = await tx.query<{ id: bigint; attempts: number }>(
    `update items set status = $2, attempts = attempts + 1, next_attempt_at = now(), updated_at = now()
     where id = any($1::int8[]) and status = any($3::text[])
     returning id, attempts`,
    [items.map((item) => item.id), move.to, move.from],
  );
  const attemptsNow = new Map(moved.rows.map((row) => [row.id, row.attempts]));
  const held = items
    .filter((item) => attemptsNow.has(item.id))
    .map((item) => ({ ...item, status: attemptsNow.get(item.id) === item.attempts + 1 ? item.status : ('QUEUED' as const), attempts: attemptsNow.get(item.id)! - 1 }));
  const queuedNow = held.filter((item) => item.status === 'PROCESSING');
  record(events, batch, queuedNow, { status: 'PROCESSING' }, { status: move.to });
  return held;
}

/**
 * What a settlement's UPDATEs return of each item (`alias` the items table's): its id, and
 * `withSnapshots` (someone listens for webhooks) the columns its webhook JSON is made of, so that
 * it is not read again for them.
 */
const returned = (withSnapshots: boolean, alias = '') => ['id', ...(withSnapshots ? itemSnapshotColumns : [])].map((column) => alias + column).join(', ');

type MovedRow = { id: bigint } & Partial<ItemSnapshot>;

/** QUEUED → SUCCESS; returns the items that moved (the others were settled by someone else). */
export async function payItems<T extends { item: ItemKey; rail: string }>(tx: Tx, events: TransactionEvents, batch: BatchKey, paid: readonly T[], withSnapshots = false): Promise<T[]> {
  if (paid.length === 0) return [];
  const move = itemMoves.pay;
  const moved = await tx.query<MovedRow>(
    `update items set status = $2, next_attempt_at = null, updated_at = now()
     where id = any($1::int8[]) and status = $3
     returning ${returned(withSnapshots)}`,
    [paid.map((p) => p.item.id), move.to, move.from[0]],
  );
  const rows = new Map(moved.rows.map((row) => [row.id, row]));
  const done = paid.filter((p) => rows.has(p.item.id));
  for (const rail of [...new Set(done.map((p) => p.rail))].sort()) {
    const group = done.filter((p) => p.rail === rail).map((p) => p.item);
    record(events, batch, group, { status: move.from[0] }, { status: move.to, rail }, withSnapshots ? rows : undefined);
  }
  return done;
}

/** A rail's refusal, with the catalogue reason it gave. */
export interface RefusedItem {
  item: ItemKey;
  reason: ItemReasonName;
  /** The bank's own code of the rejection (ISO 20022: AC04, …), stored with the item. */
  bankReason?: string;
}

/**
 * QUEUED → (FAILED →) DEPOSIT_SUCCESS or DEPOSIT_FAIL, the reason stored with the item (and, for
 * DEPOSIT_FAIL, REFUND_FAILED after it). Returns the items that moved. Their audit trail shows both
 * steps: QUEUED → FAILED with the reason, then FAILED → DEPOSIT_*, in groups per reason.
 */
export async function refundItems<T extends RefusedItem>(tx: Tx, events: TransactionEvents, batch: BatchKey, refused: readonly T[], name: 'refund' | 'refundFailed', withSnapshots = false): Promise<T[]> {
  if (refused.length === 0) return [];
  const move = itemMoves[name];
  const codesOf = (reason: ItemReasonName) => (name === 'refundFailed' ? [errors[reason].code, errors.REFUND_FAILED.code] : [errors[reason].code]);
  const moved = await tx.query<MovedRow>(
    `update items i set status = $3, error_codes = i.error_codes || r.codes, bank_reason = r.bank_reason, next_attempt_at = null, updated_at = now()
     from (select id, string_to_array(codes, ',') as codes, bank_reason from unnest($1::int8[], $2::text[], $5::text[]) as u(id, codes, bank_reason)) r
     where i.id = r.id and i.status = $4
     returning ${returned(withSnapshots, 'i.')}`,
    [refused.map((r) => r.item.id), refused.map((r) => codesOf(r.reason).join(',')), move.to, move.from[0], refused.map((r) => r.bankReason ?? null)],
  );
  const rows = new Map(moved.rows.map((row) => [row.id, row]));
  const done = refused.filter((r) => rows.has(r.item.id));
  for (const reason of new Set(done.map((r) => r.reason))) {
    const group = done.filter((r) => r.reason === reason).map((r) => r.item);
    const errorCodes = codesOf(reason);
    record(events, batch, group, { status: move.from[0] }, { status: move.via, errorCodes: [errorCodes[0]] });
    record(events, batch, group, { status: move.via }, { status: move.to, errorCodes }, withSnapshots ? rows : undefined);
  }
  return done;
}

/** An ambiguous rail answer: when to ask again, and what the rail said. */
export interface UncertainItem {
  item: ItemKey & { attempts: number };
  detail: string;
  delayMs: number;
}

/**
 * QUEUED stays QUEUED with its next status check due after `delayMs` (its chunk is then due at its
 * earliest check: finishChunk). One `item.rail_check_scheduled` event each, with its attempt and delay.
 * Returns the items rescheduled (the others were settled by someone else).
 */
export async function scheduleChecks<T extends UncertainItem>(tx: Tx, events: TransactionEvents, unresolved: readonly T[]): Promise<T[]> {
  if (unresolved.length === 0) return [];
  const move = itemMoves.recheck;
  const moved = await tx.query<{ id: bigint }>(
    `update items i set next_attempt_at = now() + u.delay_ms * interval '1 millisecond', updated_at = now()
     from unnest($1::int8[], $2::int8[]) as u(id, delay_ms)
     where i.id = u.id and i.status = $3
     returning i.id`,
    [unresolved.map((u) => u.item.id), unresolved.map((u) => u.delayMs), move.from[0]],
  );
  const ids = new Set(moved.rows.map((row) => row.id));
  const done = unresolved.filter((u) => ids.has(u.item.id));
  // Grouped by what the events say besides the item: a chunk's first send to a file rail is one
  // group, hashed as uniform events (the same rows as one-off events, ~10 µs less per item).
  const groups = new Map<string, { attempts: number; detail: string; delayMs: number; entities: string[] }>();
  for (const { item, detail, delayMs } of done) {
    const key = JSON.stringify([item.attempts, detail, delayMs]);
    const group = groups.get(key);
    if (group) group.entities.push(`item:${item.referenceCode}`);
    else groups.set(key, { attempts: item.attempts, detail, delayMs, entities: [`item:${item.referenceCode}`] });
  }
  for (const { attempts, detail, delayMs, entities } of groups.values()) {
    events.auditUniform({ action: 'item.rail_check_scheduled', before: null, entities, after: { status: move.to, attempts: attempts + 1, outcome: 'AMBIGUOUS', detail, nextCheckInMs: delayMs } });
  }
  return done;
}

/** A bank's return of a paid item's money: how much came back, on which day, and the bank's reason code. */
export interface ItemReturn {
  referenceCode: string;
  amount: bigint;
  /** YYYY-MM-DD, the booking day of the return. */
  returnedOn: string;
  reason: string;
}

/** An item returned now, with what its ledger transfer needs. */
export interface ReturnedItem {
  id: bigint;
  referenceCode: string;
  batchId: string;
  currency: Currency;
  returnedAmount: bigint;
}

/**
 * SUCCESS stays SUCCESS with its returned amount, date and bank reason, for the merchant's items
 * that are paid and not returned yet, and return no more than was paid: a second return of one
 * item, another merchant's item or an item not paid changes nothing (and is left out of the
 * result). One `item.returned` event per item (amounts and days differ) and one outbound event per
 * batch. The money is the caller's to post, in the same transaction.
 */
export async function returnItems(tx: Tx, events: TransactionEvents, merchantId: bigint, returns: readonly ItemReturn[]): Promise<ReturnedItem[]> {
  if (returns.length === 0) return [];
  if (events.context.chainId !== merchantId) throw new Error(`returns of merchant ${merchantId}: its events belong to merchant ${merchantId}'s chain, not ${events.context.chainId}'s`);
  const move = itemMoves.markReturned;
  const moved = await tx.query<{ id: bigint; reference_code: string; batch_id: string; currency: Currency; returned_amount: bigint }>(
    `with r as (select * from unnest($1::uuid[], $2::int8[], $3::text[], $4::text[]) as r(ref, amount, day, reason))
     update items i set returned_amount = r.amount, returned_at = r.day::date, bank_reason = r.reason, updated_at = now()
     from r, batches b
     where i.reference_code = r.ref and b.id = i.batch_id and b.merchant_id = $5
       and i.status = $6 and i.returned_amount is null and r.amount <= i.amount
     returning i.id, i.reference_code, i.batch_id, i.currency, i.returned_amount`,
    [
      textArrayLiteral(returns.map((r) => r.referenceCode)),
      returns.map((r) => r.amount.toString()),
      textArrayLiteral(returns.map((r) => r.returnedOn)),
      textArrayLiteral(returns.map((r) => r.reason)),
      merchantId,
      move.from[0],
    ],
  );
  const asked = new Map(returns.map((r) => [r.referenceCode, r]));
  const done = moved.rows.map((row) => ({ id: row.id, referenceCode: row.reference_code, batchId: row.batch_id, currency: row.currency, returnedAmount: row.returned_amount }));
  events.audit(
    done.map((item) => {
      const r = asked.get(item.referenceCode)!;
      return {
        action: 'item.returned',
        entity: `item:${item.referenceCode}`,
        before: { status: move.from[0] },
        after: { status: move.to, returnedAmount: item.returnedAmount.toString(), returnedOn: r.returnedOn, bankReason: r.reason },
      };
    }),
  );
  for (const batchId of new Set(done.map((item) => item.batchId))) {
    const inBatch = done.filter((item) => item.batchId === batchId);
    events.emit({
      type: 'item.returned',
      merchantId,
      batchId,
      data: { from: move.from[0], to: move.to, referenceCodes: inBatch.map((item) => item.referenceCode), returnedAmounts: inBatch.map((item) => item.returnedAmount.toString()) },
    });
  }
  return done;
}

/**
 * A change many items of one chunk made together: set-level audit events naming their seqs, and one
 * outbound event naming their reference codes (webhooks tell of each item).
 */
function record(
  events: TransactionEvents,
  batch: BatchKey,
  items: readonly ItemKey[],
  before: { status: string },
  after: { status: string } & Record<string, unknown>,
  rows?: ReadonlyMap<bigint, MovedRow>,
): void {
  if (items.length === 0) return;
  if (events.context.chainId !== batch.merchantId) throw new Error(`batch ${batch.id}: its events belong to merchant ${batch.merchantId}'s chain`);
  events.audit(itemSetEvents(runsOf(items.map((item) => item.seq)), before, after));
  const data: Record<string, unknown> = { from: before.status, to: after.status, referenceCodes: items.map((item) => item.referenceCode) };
  if (rows) data.snapshots = items.map((item) => rows.get(item.id) as ItemSnapshot);
  events.emit({ type: 'item.status', merchantId: batch.merchantId, batchId: batch.id, data });
}

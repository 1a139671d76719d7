import { randomUUID } from 'node:crypto';
import type { Actor } from '../audit/append.ts';
import { appendAudit } from '../audit/transaction-events.ts';
import { int8ArrayLiteral, textArrayLiteral } from '../db/array-literal.ts';
import { copyText } from '../db/copy-text.ts';
import type { Db, Tx } from '../db/port.ts';
import { limits } from '../limits.ts';
import type { Merchant } from '../merchants/merchants.ts';
import { errors } from '../errors.ts';
import { commissionFor } from './commission.ts';
import type { CheckedBatch } from './validate-item.ts';

export interface InitBatchInput {
  merchant: Merchant;
  actor: Actor;
  externalId: string;
  conversationId: string | null;
  purpose: string | null;
  /** requestFingerprint() of the request: the same externalId under another fingerprint is a conflict. */
  fingerprint: string;
  checked: CheckedBatch;
}

export type InitBatchOutcome =
  | { kind: 'created'; requestId: string }
  /** The same request again: nothing new stored, the first batch's id returned. */
  | { kind: 'replayed'; requestId: string }
  | { kind: 'conflict' };

/**
 * Stores a validated batch and all its items in one transaction: the batch INIT, valid items INIT,
 * invalid items INVALID with their reasons, one `batch.created` audit event. Idempotent on
 * (merchant, externalId) and race-safe: the batch row is claimed with `on conflict do nothing`, so of
 * 20 concurrent inits with one externalId exactly one inserts; the others wait for its commit on the
 * unique index, then find its row and answer from it.
 */
export function initBatch(db: Db, input: InitBatchInput): Promise<InitBatchOutcome> {
  return db.transaction((tx) => initBatchIn(tx, input));
}

/** initBatch inside a transaction of the caller's, for a step that must commit with the batch (approvals.ts). */
export async function initBatchIn(tx: Tx, input: InitBatchInput): Promise<InitBatchOutcome> {
  const { merchant, checked } = input;
  const totals = plannedTotals(input);
  const requestId = randomUUID();
  const claimed = await tx.query<{ id: string }>(
    `insert into batches (id, merchant_id, external_id, fingerprint, conversation_id, purpose, currency, status,
                          item_count, valid_count, total_amount, total_commission_planned, open_count)
     values ($1, $2, $3, $4, $5, $6, $7, 'INIT', $8, $9, $10, $11, $9)
     on conflict (merchant_id, external_id) do nothing
     returning id`,
    [requestId, merchant.id, input.externalId, input.fingerprint, input.conversationId, input.purpose, checked.currency,
      checked.items.length, checked.validCount, totals.amount, totals.commission],
  );
  if (claimed.rowCount === 0) return existingOutcome(tx, merchant.id, input.externalId, input.fingerprint);

  // The only place items are written: under the batch row this transaction has just inserted,
  // which is what lets items go without a foreign key to batches (migration 005).
  await insertItems(tx, requestId, input, totals.commissions);
  await appendAudit(tx, { chainId: merchant.id, actor: input.actor, requestId }, [
    {
      action: 'batch.created',
      entity: `batch:${requestId}`,
      after: {
        status: 'INIT',
        externalId: input.externalId,
        currency: checked.currency,
        itemCount: checked.items.length,
        validCount: checked.validCount,
        totalAmount: totals.amount.toString(),
        totalCommissionPlanned: totals.commission.toString(),
      },
    },
  ]);
  return { kind: 'created', requestId };
}

async function existingOutcome(tx: Tx, merchantId: bigint, externalId: string, fingerprint: string): Promise<InitBatchOutcome> {
  const found = await tx.query<{ id: string; fingerprint: string }>(
    'select id, fingerprint from batches where merchant_id = $1 and external_id = $2',
    [merchantId, externalId],
  );
  const row = found.rows[0];
  if (!row) throw new Error(`batch (${merchantId}, ${externalId}) conflicted on insert but cannot be read`);
  return row.fingerprint === fingerprint ? { kind: 'replayed', requestId: row.id } : { kind: 'conflict' };
}

/** Σ amount and Σ commission of the valid items, and each valid item's commission (0 for invalid ones). */
function plannedTotals(input: InitBatchInput): { amount: bigint; commission: bigint; commissions: bigint[] } {
  const items = input.checked.items;
  const commissions = new Array<bigint>(items.length);
  let amount = 0n;
  let commission = 0n;
  for (let i = 0; i < items.length; i++) {
    const checked = items[i];
    if (!checked.valid) {
      commissions[i] = 0n;
      continue;
    }
    const fee = commissionFor(checked.item.amountMinor, input.merchant.commission);
    commissions[i] = fee;
    amount += checked.item.amountMinor;
    commission += fee;
  }
  return { amount, commission, commissions };
}

/** The INSERT fallback of insertItems, for a transaction handle without COPY. */
const insertItemsSql = `
  insert into items (batch_id, seq, reference_code, item_external_id, recipient_type, recipient_info, recipient_name,
                     description, amount, amount_sent, commission, currency, status, error_codes)
  select $1, $2::int + r.n::int - 1, r.reference_code, r.external_id, r.recipient_type, r.recipient_info, r.recipient_name,
         r.description, r.amount, r.amount_sent, r.commission, r.currency,
         case when r.reasons is null then 'INIT' else 'INVALID' end,
         case when r.reasons is null then '{}'::text[] else string_to_array(r.reasons, ',') end
  from unnest($3::uuid[], $4::text[], $5::text[], $6::text[], $7::text[], $8::text[], $9::int8[], $10::text[], $11::int8[], $12::text[], $13::text[])
    with ordinality as r(reference_code, external_id, recipient_type, recipient_info, recipient_name, description, amount, amount_sent, commission, currency, reasons, n)`;

/** The items' columns init writes, in the order of a COPY row (and of the INSERT fallback above). */
const itemColumns = ['batch_id', 'seq', 'reference_code', 'item_external_id', 'recipient_type', 'recipient_info', 'recipient_name',
  'description', 'amount', 'amount_sent', 'commission', 'currency', 'status', 'error_codes'] as const;

/** Rows per piece of COPY text: small enough to die young (see insertItems). */
const copyPieceRows = 1000;

/**
 * One COPY per chunk of limits.insertChunkRows items, no per-item round trip. COPY rather than
 * `insert … select from unnest`: 100,000 items cost 0.93 s of PostgreSQL backend CPU against 1.10 s
 * (PostgreSQL 15, this machine), and no array literals are built, sent and parsed; of what is left,
 * 40 % is the per-row check of items.batch_id's foreign key (0.55 s without it). The text is made in
 * pieces of copyPieceRows rows, each as the driver asks for it: PostgreSQL copies one while the next
 * is made, and a piece is garbage before V8 promotes it. Made 20,000 rows at a time, the same text
 * took 450–670 ms per 100,000 items against 110–140 ms (its strings lived long enough to be moved
 * to the old generation and left for a full collection; PGlite's peak RSS grew with them).
 * A transaction handle without COPY (a test's pass-through wrapper) gets the same rows through the
 * INSERT above, where seq comes from the ordinality and an item's reasons travel as one
 * comma-joined string of catalogue codes; the next chunk's parameters are built while the server
 * inserts the current one.
 * Reference codes are random UUIDs made here (gen_random_uuid() costs ~5 µs a row on PGlite, 0.5 s
 * per 100,000 items; node's randomUUID a fraction of that).
 */
async function insertItems(tx: Tx, batchId: string, input: InitBatchInput, commissions: readonly bigint[]): Promise<void> {
  const count = input.checked.items.length;
  if (tx.copyFrom) {
    for (let start = 0; start < count; start += limits.insertChunkRows) {
      const end = Math.min(start + limits.insertChunkRows, count);
      const copied = await tx.copyFrom('items', itemColumns, copyPieces(batchId, input, commissions, start, end));
      if (copied !== end - start) throw new Error(`inserted ${copied} of ${end - start} items of batch ${batchId}`);
    }
    return;
  }
  let pending: { rows: number; result: Promise<{ rowCount: number }> } | undefined;
  for (let start = 0; start < count; start += limits.insertChunkRows) {
    const end = Math.min(start + limits.insertChunkRows, count);
    const params = chunkParams(input, commissions, start, end);
    if (pending) await expectInserted(pending, batchId);
    pending = { rows: end - start, result: tx.query(insertItemsSql, [batchId, start, ...params]) };
  }
  if (pending) await expectInserted(pending, batchId);
}

async function expectInserted(pending: { rows: number; result: Promise<{ rowCount: number }> }, batchId: string): Promise<void> {
  const { rowCount } = await pending.result;
  if (rowCount !== pending.rows) throw new Error(`inserted ${rowCount} of ${pending.rows} items of batch ${batchId}`);
}

/** Items [start, end) as COPY text in itemColumns order, copyPieceRows rows per piece, each made when asked for. */
function* copyPieces(batchId: string, input: InitBatchInput, commissions: readonly bigint[], start: number, end: number): Generator<Buffer> {
  for (let from = start; from < end; from += copyPieceRows) yield copyRows(batchId, input, commissions, from, Math.min(from + copyPieceRows, end));
}

/** Items [start, end) as COPY text rows; error_codes is '{}' on a valid item. */
function copyRows(batchId: string, input: InitBatchInput, commissions: readonly bigint[], start: number, end: number): Buffer {
  const { items, currency: batchCurrency } = input.checked;
  const lines = new Array<string>(end - start);
  for (let i = start; i < end; i++) {
    const checked = items[i];
    const item = checked.item;
    const status = checked.valid ? 'INIT\t{}' : 'INVALID\t{' + checked.reasons.map((name) => '"' + errors[name].code + '"').join(',') + '}';
    lines[i - start] = batchId + '\t' + i + '\t' + randomUUID() + '\t' + copyText(item.itemExternalId ?? '') + '\t' + copyText(item.recipientType) + '\t' +
      copyText(item.recipientInfo) + '\t' + copyText(item.recipientName) + '\t' + copyText(item.description) + '\t' +
      item.amountMinor + '\t' + (checked.valid ? '\\N' : copyText(checked.item.amountSent)) + '\t' + commissions[i] + '\t' + (item.currency ?? batchCurrency) + '\t' + status + '\n';
  }
  return Buffer.from(lines.join(''), 'utf8');
}

/** The column literals of items [start, end); reasons is NULL on a valid item. */
function chunkParams(input: InitBatchInput, commissions: readonly bigint[], start: number, end: number): string[] {
  const { items, currency: batchCurrency } = input.checked;
  const n = end - start;
  const referenceCodes = new Array<string>(n);
  const externalIds = new Array<string>(n);
  const types = new Array<string>(n);
  const infos = new Array<string>(n);
  const names = new Array<string | null>(n);
  const descriptions = new Array<string | null>(n);
  const amounts = new Array<bigint>(n);
  const amountsSent = new Array<string | null>(n);
  const fees = new Array<bigint>(n);
  const currencies = new Array<string>(n);
  const reasons = new Array<string | null>(n);
  for (let i = start; i < end; i++) {
    const checked = items[i];
    const item = checked.item;
    const row = i - start;
    referenceCodes[row] = randomUUID();
    externalIds[row] = item.itemExternalId ?? '';
    types[row] = item.recipientType;
    infos[row] = item.recipientInfo;
    names[row] = item.recipientName;
    descriptions[row] = item.description;
    amounts[row] = item.amountMinor;
    amountsSent[row] = checked.valid ? null : checked.item.amountSent;
    fees[row] = commissions[i];
    currencies[row] = item.currency ?? batchCurrency;
    reasons[row] = checked.valid ? null : checked.reasons.map((name) => errors[name].code).join(',');
  }
  return [
    textArrayLiteral(referenceCodes),
    textArrayLiteral(externalIds),
    textArrayLiteral(types),
    textArrayLiteral(infos),
    textArrayLiteral(names),
    textArrayLiteral(descriptions),
    int8ArrayLiteral(amounts),
    textArrayLiteral(amountsSent),
    int8ArrayLiteral(fees),
    textArrayLiteral(currencies),
    textArrayLiteral(reasons),
  ];
}

import { randomUUID } from 'node:crypto';
import type { Actor } from '../audit/append.ts';
import { appendAudit } from '../audit/transaction-events.ts';
import type { Db, Tx } from '../db/port.ts';
import { limits } from '../limits.ts';
import type { Merchant } from '../merchants/merchants.ts';
import type { Currency } from '../money.ts';
import { commissionFor } from './commission.ts';
import type { RequestFingerprint } from './fingerprint.ts';
import { recordInvalidItems } from './invalid-items.ts';
import { copyLine, InsertRows, itemColumns } from './item-rows.ts';
import type { CheckedBatch } from './validate-item.ts';

export interface InitBatchInput {
  merchant: Merchant;
  actor: Actor;
  externalId: string;
  conversationId: string | null;
  purpose: string | null;
  /** requestFingerprint() of the request: the same externalId under another fingerprint is a conflict. */
  fingerprint: RequestFingerprint;
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
  const batch: BatchRow = {
    requestId, merchant, actor: input.actor, externalId: input.externalId, fingerprint: input.fingerprint, conversationId: input.conversationId,
    purpose: input.purpose, currency: checked.currency, itemCount: checked.items.length, validCount: checked.validCount, totalAmount: totals.amount,
    totalCommission: totals.commission,
  };
  if (!(await claimBatchRow(tx, batch))) return existingOutcome(tx, merchant.id, input.externalId, input.fingerprint);
  // The only place items are written: under the batch row this transaction has just inserted,
  // which is what lets items go without a foreign key to batches (migration 005).
  await insertItems(tx, requestId, input, totals.commissions);
  await recordInvalidItems(tx, requestId, invalidSeqs(checked));
  await auditBatchCreated(tx, batch);
  return { kind: 'created', requestId };
}

/** A new batch row, as init stores it. */
export interface BatchRow {
  requestId: string;
  merchant: Merchant;
  actor: Actor;
  externalId: string;
  fingerprint: RequestFingerprint;
  conversationId: string | null;
  purpose: string | null;
  currency: Currency;
  itemCount: number;
  validCount: number;
  totalAmount: bigint;
  totalCommission: bigint;
}

/**
 * Inserts the batch row INIT; false when (merchant, externalId) is taken. Of concurrent inits with
 * one externalId exactly one inserts; the others wait for its commit on the unique index.
 */
export async function claimBatchRow(tx: Tx, batch: BatchRow): Promise<boolean> {
  const claimed = await tx.query(
    `insert into batches (id, merchant_id, external_id, fingerprint, conversation_id, purpose, currency, status,
                          item_count, valid_count, total_amount, total_commission_planned, open_count)
     values ($1, $2, $3, $4, $5, $6, $7, 'INIT', $8, $9, $10, $11, $9)
     on conflict (merchant_id, external_id) do nothing`,
    [batch.requestId, batch.merchant.id, batch.externalId, batch.fingerprint.value, batch.conversationId, batch.purpose, batch.currency,
      batch.itemCount, batch.validCount, batch.totalAmount, batch.totalCommission],
  );
  return claimed.rowCount === 1;
}

/** The one `batch.created` audit event of a new batch, in its transaction. */
export async function auditBatchCreated(tx: Tx, batch: BatchRow): Promise<void> {
  await appendAudit(tx, { chainId: batch.merchant.id, actor: batch.actor, requestId: batch.requestId }, [
    {
      action: 'batch.created',
      entity: `batch:${batch.requestId}`,
      after: {
        status: 'INIT',
        externalId: batch.externalId,
        currency: batch.currency,
        itemCount: batch.itemCount,
        validCount: batch.validCount,
        totalAmount: batch.totalAmount.toString(),
        totalCommissionPlanned: batch.totalCommission.toString(),
      },
    },
  ]);
}

/** The batch already stored under (merchant, externalId): the same request (either form of its fingerprint) is a replay, another a conflict. */
export async function existingOutcome(tx: Tx, merchantId: bigint, externalId: string, fingerprint: RequestFingerprint): Promise<InitBatchOutcome> {
  const found = await tx.query<{ id: string; fingerprint: string }>(
    'select id, fingerprint from batches where merchant_id = $1 and external_id = $2',
    [merchantId, externalId],
  );
  const row = found.rows[0];
  if (!row) throw new Error(`batch (${merchantId}, ${externalId}) conflicted on insert but cannot be read`);
  const same = row.fingerprint === fingerprint.value || (fingerprint.legacy !== undefined && row.fingerprint === fingerprint.legacy);
  return same ? { kind: 'replayed', requestId: row.id } : { kind: 'conflict' };
}

/** The seqs of the batch's invalid items, ascending (recordInvalidItems lists them). */
function invalidSeqs(checked: CheckedBatch): number[] {
  const seqs: number[] = [];
  checked.items.forEach((item, seq) => {
    if (!item.valid) seqs.push(seq);
  });
  return seqs;
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

/** Rows per piece of COPY text: small enough to die young (see insertItems). */
export const copyPieceRows = 1000;

/**
 * One COPY per chunk of limits.insertChunkRows items, no per-item round trip. COPY rather than
 * `insert … select from unnest`: 100,000 items cost 0.93 s of PostgreSQL backend CPU against 1.10 s
 * (PostgreSQL 15, this machine), and no array literals are built, sent and parsed; of what is left,
 * 40 % is the per-row check of items.batch_id's foreign key (0.55 s without it). The text is made in
 * pieces of copyPieceRows rows, each as the driver asks for it: PostgreSQL copies one while the next
 * is made, and a piece is garbage before V8 promotes it. Made 20,000 rows at a time, the same text
 * took 450–670 ms per 100,000 items against 110–140 ms (its strings lived long enough to be moved
 * to the old generation and left for a full collection; PGlite's peak RSS grew with them).
 */
async function insertItems(tx: Tx, batchId: string, input: InitBatchInput, commissions: readonly bigint[]): Promise<void> {
  const { items, currency } = input.checked;
  const count = items.length;
  for (let start = 0; start < count; start += limits.insertChunkRows) {
    const end = Math.min(start + limits.insertChunkRows, count);
    if (tx.copyFrom) {
      const copied = await tx.copyFrom('items', itemColumns, copyPieces(batchId, input, commissions, start, end));
      if (copied !== end - start) throw new Error(`inserted ${copied} of ${end - start} items of batch ${batchId}`);
      continue;
    }
    const rows = new InsertRows(start);
    for (let i = start; i < end; i++) rows.push(items[i], commissions[i], currency);
    await rows.insert(tx, batchId);
  }
}

/** Items [start, end) as COPY text, copyPieceRows rows per piece, each made when asked for. */
function* copyPieces(batchId: string, input: InitBatchInput, commissions: readonly bigint[], start: number, end: number): Generator<Buffer> {
  const { items, currency } = input.checked;
  for (let from = start; from < end; from += copyPieceRows) {
    const to = Math.min(from + copyPieceRows, end);
    const lines = new Array<string>(to - from);
    for (let i = from; i < to; i++) lines[i - from] = copyLine(batchId, i, items[i], commissions[i], currency);
    yield Buffer.from(lines.join(''), 'utf8');
  }
}

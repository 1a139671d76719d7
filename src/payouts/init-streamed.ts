import { randomUUID } from 'node:crypto';
import type { Actor } from '../audit/append.ts';
import type { Db, Tx } from '../db/port.ts';
import { limits } from '../limits.ts';
import type { Merchant } from '../merchants/merchants.ts';
import type { Currency } from '../money.ts';
import { commissionFor } from './commission.ts';
import type { RequestFingerprint } from './fingerprint.ts';
import { auditBatchCreated, type BatchRow, claimBatchRow, copyPieceRows, existingOutcome, type InitBatchOutcome } from './init-batch.ts';
import { copyLine, itemColumns } from './item-rows.ts';
import { type ItemReason, newBatchContext, validateItem } from './validate-item.ts';

/** The batch's own fields, known once the whole request was read and found good. */
export interface SettledRequest {
  externalId: string;
  conversationId: string | null;
  purpose: string | null;
  fingerprint: RequestFingerprint;
}

export interface StreamedInitInput {
  /** The merchant the request names (its commission prices the items); the request is not yet known to be theirs. */
  merchant: Merchant;
  actor: Actor;
  /** Items past this many are counted, not validated or written. */
  itemsPerBatchMax: number;
  /** The items in submission order, as they arrive. */
  items: AsyncIterable<unknown>;
  /**
   * Called once every item was read: the batch's fields when the request may be stored, or it
   * throws (a wrong signature, a malformed body, too many items), and nothing is committed.
   * `tx` is the transaction the items are in when it is already open (what settle records in it
   * commits with the batch), undefined when the rows are still in memory.
   */
  settle(itemCount: number, tx: Tx | undefined): Promise<SettledRequest>;
}

export interface InvalidEntry {
  externalId: string | null;
  reasons: ItemReason[];
}

export interface StreamedInitResult {
  outcome: InitBatchOutcome;
  /** The invalid items in order (a replay carries the same items, so they are the first request's too). */
  invalid: InvalidEntry[];
}

/** Validation state, totals and rows of one streamed init. */
class Intake {
  readonly batchId = randomUUID();
  readonly context = newBatchContext();
  readonly invalid: InvalidEntry[] = [];
  /** Seqs of rows written before any item named a valid currency, with the currency the batch has when none does. */
  readonly provisional: number[] = [];
  /** Items validated and given a row. */
  taken = 0;
  /** Items read, past the batch's limit too. */
  read = 0;
  validCount = 0;
  amount = 0n;
  commission = 0n;

  constructor(private readonly merchant: Merchant) {}

  /** The batch's currency: the first valid one an item named, TRY when none did. */
  get currency(): Currency {
    return this.context.currency ?? 'TRY';
  }

  /** Validates the next item; calls back with what its row needs. */
  take<T>(raw: unknown, row: (seq: number, checked: ReturnType<typeof validateItem>, commission: bigint, currency: Currency) => T): T {
    const seq = this.taken++;
    this.read += 1;
    const checked = validateItem(raw, this.context);
    let fee = 0n;
    if (checked.valid) {
      fee = commissionFor(checked.item.amountMinor, this.merchant.commission);
      this.validCount += 1;
      this.amount += checked.item.amountMinor;
      this.commission += fee;
    } else {
      this.invalid.push({ externalId: checked.item.itemExternalId, reasons: checked.reasons });
      if (checked.item.currency === null && this.context.currency === undefined) this.provisional.push(seq);
    }
    return row(seq, checked, fee, this.currency);
  }
}

/**
 * Stores a batch whose items arrive as a stream, in one transaction that commits only after
 * `settle` has found the request good: the items validated one by one as they come, written with
 * COPY, then the batch row (its totals known only now), then one `batch.created` audit event.
 * Idempotent on (merchant, externalId) like initBatch: a batch already stored under it rolls the
 * items back and answers from that batch.
 *
 * The first limits.insertChunkRows items are kept as COPY text (~150 bytes an item) while they
 * arrive. A body that ends within them (most do) is settled first and written in a short
 * transaction: until its signature is checked it holds memory only, never a connection, however
 * slowly it is sent. Past them, on a PostgreSQL server, the transaction opens and COPY writes each
 * piece while the next is read, so memory holds one chunk and the itemExternalIds seen; such a
 * body is over the body budget's free size, and the budget bounds how many hold a connection
 * before their signature is checked. PGlite is one session for the whole process: a transaction
 * held open during an upload would stop every other request for as long as the client takes to
 * send, so there every row waits as COPY text until the request is settled.
 */
export async function initBatchStreamed(db: Db, input: StreamedInitInput): Promise<StreamedInitResult> {
  const intake = new Intake(input.merchant);
  const items = input.items[Symbol.asyncIterator]();
  try {
    const first = await spoolChunk(intake, input, items);
    let outcome: InitBatchOutcome;
    if (first.ended || db.kind === 'pglite') {
      const chunks = [first.pieces];
      for (let chunk = first; !chunk.ended; ) {
        chunk = await spoolChunk(intake, input, items);
        chunks.push(chunk.pieces);
      }
      const settled = await input.settle(intake.read, undefined);
      outcome = await db.transaction(async (tx) => {
        let copied = 0;
        for (const pieces of chunks.splice(0)) if (pieces.length > 0) copied += await copyRows(tx, pieces);
        if (copied !== intake.taken) throw new Error(`inserted ${copied} of ${intake.taken} items of batch ${intake.batchId}`);
        return finish(tx, intake, input, settled);
      });
    } else {
      outcome = await db.transaction(async (tx) => {
        let copied = await copyRows(tx, first.pieces);
        for (;;) {
          const next = await items.next();
          if (next.done) break;
          if (intake.taken >= input.itemsPerBatchMax) intake.read += 1;
          else copied += await copyRows(tx, copyPieces(intake, chunkOf(intake, input.itemsPerBatchMax, next.value, items)));
        }
        if (copied !== intake.taken) throw new Error(`inserted ${copied} of ${intake.taken} items of batch ${intake.batchId}`);
        return finish(tx, intake, input, await input.settle(intake.read, tx));
      });
    }
    return { outcome, invalid: intake.invalid };
  } catch (error) {
    if (error instanceof Existing) return { outcome: error.outcome, invalid: intake.invalid };
    throw error;
  }
}

/** The batch was already there: thrown to roll back the items just written, caught above. */
class Existing extends Error {
  constructor(readonly outcome: InitBatchOutcome) {
    super('a batch is stored under this externalId already');
  }
}

async function copyRows(tx: Tx, pieces: Iterable<Buffer> | AsyncIterable<Buffer>): Promise<number> {
  // Both adapters' transactions have COPY; only a test's pass-through wrapper lacks it.
  if (!tx.copyFrom) throw new Error('a streamed init needs a transaction handle with COPY');
  return tx.copyFrom('items', itemColumns, pieces);
}

/** The next limits.insertChunkRows items as COPY text in memory; `ended` once the items have. Items past the batch's limit are only counted. */
async function spoolChunk(intake: Intake, input: StreamedInitInput, items: AsyncIterator<unknown>): Promise<{ pieces: Buffer[]; ended: boolean }> {
  const pieces: Buffer[] = [];
  let lines: string[] = [];
  let taken = 0;
  let ended = false;
  while (taken < limits.insertChunkRows) {
    const next = await items.next();
    if (next.done) {
      ended = true;
      break;
    }
    if (intake.taken >= input.itemsPerBatchMax) {
      intake.read += 1;
      continue;
    }
    lines.push(intake.take(next.value, (seq, checked, fee, currency) => copyLine(intake.batchId, seq, checked, fee, currency)));
    taken += 1;
    if (lines.length === copyPieceRows) {
      pieces.push(Buffer.from(lines.join(''), 'utf8'));
      lines = [];
    }
  }
  if (lines.length > 0) pieces.push(Buffer.from(lines.join(''), 'utf8'));
  return { pieces, ended };
}

/** The next items of one chunk, `first` included: at most limits.insertChunkRows, and none past the batch's limit. */
async function* chunkOf(intake: Intake, itemsMax: number, first: unknown, items: AsyncIterator<unknown>): AsyncGenerator<unknown> {
  yield first;
  for (let n = 1; n < limits.insertChunkRows && intake.taken < itemsMax; n++) {
    const next = await items.next();
    if (next.done) return;
    yield next.value;
  }
}

/** A chunk's items as COPY text, copyPieceRows rows per piece, each made as the driver asks for it. */
async function* copyPieces(intake: Intake, chunk: AsyncIterable<unknown>): AsyncGenerator<Buffer> {
  let lines: string[] = [];
  for await (const raw of chunk) {
    lines.push(intake.take(raw, (seq, checked, fee, currency) => copyLine(intake.batchId, seq, checked, fee, currency)));
    if (lines.length === copyPieceRows) {
      yield Buffer.from(lines.join(''), 'utf8');
      lines = [];
    }
  }
  if (lines.length > 0) yield Buffer.from(lines.join(''), 'utf8');
}

/** After the items: the batch row (or the batch already there), the currency of provisional rows, the audit event. */
async function finish(tx: Tx, intake: Intake, input: StreamedInitInput, settled: SettledRequest): Promise<InitBatchOutcome> {
  const batch: BatchRow = {
    requestId: intake.batchId,
    merchant: input.merchant,
    actor: input.actor,
    externalId: settled.externalId,
    fingerprint: settled.fingerprint,
    conversationId: settled.conversationId,
    purpose: settled.purpose,
    currency: intake.currency,
    itemCount: intake.taken,
    validCount: intake.validCount,
    totalAmount: intake.amount,
    totalCommission: intake.commission,
  };
  // The only place items are written: under the batch row this transaction inserts, which is what
  // lets items go without a foreign key to batches (migration 005).
  if (!(await claimBatchRow(tx, batch))) throw new Existing(await existingOutcome(tx, input.merchant.id, settled.externalId, settled.fingerprint));
  if (intake.provisional.length > 0 && intake.currency !== 'TRY') {
    // Invalid items without a currency before the first item that named one: rare, one statement.
    const fixed = await tx.query('update items set currency = $3 where batch_id = $1 and seq = any($2::int[])', [intake.batchId, intake.provisional, intake.currency]);
    if (fixed.rowCount !== intake.provisional.length) throw new Error(`set the currency of ${fixed.rowCount} of ${intake.provisional.length} items of batch ${intake.batchId}`);
  }
  await auditBatchCreated(tx, batch);
  return { kind: 'created', requestId: intake.batchId };
}

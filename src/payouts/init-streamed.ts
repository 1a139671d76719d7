import { randomUUID } from 'node:crypto';
import type { Actor } from '../audit/append.ts';
import type { Db, Tx } from '../db/port.ts';
import { limits } from '../limits.ts';
import type { Merchant } from '../merchants/merchants.ts';
import type { Currency } from '../money.ts';
import { commissionFor } from './commission.ts';
import type { RequestFingerprint } from './fingerprint.ts';
import { auditBatchCreated, type BatchRow, claimBatchRow, copyPieceRows, existingOutcome, type InitBatchOutcome } from './init-batch.ts';
import { recordInvalidItems } from './invalid-items.ts';
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
  /** The items in submission order, as they arrive: each array those one body chunk completed. */
  items: AsyncIterable<unknown[]>;
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
  /** The invalid items' seqs, ascending. */
  readonly invalidSeqs: number[] = [];
  /** Seqs of rows written before any item named a valid currency, with the currency the batch has when none does. */
  readonly provisional: number[] = [];
  /** Items validated and given a row. */
  taken = 0;
  /** Items read, past the batch's limit too. */
  read = 0;
  validCount = 0;
  amount = 0n;
  commission = 0n;

  constructor(
    private readonly merchant: Merchant,
    private readonly itemsMax: number,
  ) {}

  /** The batch's limit is reached: later items are only counted. */
  get full(): boolean {
    return this.taken >= this.itemsMax;
  }

  /** Validates the items and adds their rows to `text`, counting those past the batch's limit; returns how many were taken. */
  takeAll(raws: readonly unknown[], text: CopyText): number {
    const before = this.taken;
    for (const raw of raws) {
      if (this.full) this.read += 1;
      else text.add(this.take(raw));
    }
    return this.taken - before;
  }

  /** The batch's currency: the first valid one an item named, TRY when none did. */
  get currency(): Currency {
    return this.context.currency ?? 'TRY';
  }

  /** Validates the next item; its COPY line. */
  private take(raw: unknown): string {
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
      this.invalidSeqs.push(seq);
      if (checked.item.currency === null && this.context.currency === undefined) this.provisional.push(seq);
    }
    return copyLine(this.batchId, seq, checked, fee, this.currency);
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
  const intake = new Intake(input.merchant, input.itemsPerBatchMax);
  const feed = new ItemFeed(input.items[Symbol.asyncIterator]());
  try {
    const first = await spoolChunk(intake, feed);
    let outcome: InitBatchOutcome;
    if (first.ended || db.kind === 'pglite') {
      const chunks = [first.pieces];
      for (let chunk = first; !chunk.ended; ) {
        chunk = await spoolChunk(intake, feed);
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
        // The spooled rows open the first COPY and the next chunk's follow them in it, read while
        // PostgreSQL takes those in: copied alone, the body would wait for them.
        let copied = await copyRows(tx, chunkPieces(intake, feed, new CopyText(first.pieces), limits.insertChunkRows));
        for (;;) {
          const raws = await feed.next(limits.insertChunkRows);
          if (raws === undefined) break;
          const text = new CopyText();
          const taken = intake.takeAll(raws, text);
          if (taken > 0) copied += await copyRows(tx, chunkPieces(intake, feed, text, limits.insertChunkRows - taken));
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

/**
 * The items as the body hands them over, a body chunk's worth at a time, taken in runs of at most
 * `max`: one await per body chunk, not per item (an await per item, through the generators an item
 * passed, cost more CPU than validating it).
 */
class ItemFeed {
  private batch: unknown[] = [];
  private at = 0;

  constructor(private readonly source: AsyncIterator<unknown[]>) {}

  /** The next items, at most `max` of them; undefined once they have ended. */
  async next(max: number): Promise<unknown[] | undefined> {
    while (this.at >= this.batch.length) {
      const next = await this.source.next();
      if (next.done) return undefined;
      this.batch = next.value;
      this.at = 0;
    }
    const from = this.at;
    this.at = Math.min(this.batch.length, from + max);
    return from === 0 && this.at === this.batch.length ? this.batch : this.batch.slice(from, this.at);
  }
}

/** Bytes of the buffer COPY lines are encoded into: a piece of copyPieceRows rows of ~200 bytes fits. */
const scratchBytes = 512 * 1024;

/**
 * COPY text in pieces of copyPieceRows rows (see init-batch.ts: small enough to die young). Each
 * line is encoded into one scratch buffer as it is made, and a piece is an exact copy of what it
 * holds: joining 1,000 lines into one string first and encoding that cost ~5 times as much CPU
 * (the lines are ropes of ~30 parts, flattened by the join long after they were made).
 */
class CopyText {
  private scratch = Buffer.allocUnsafe(scratchBytes);
  private used = 0;
  private rows = 0;
  constructor(private pieces: Buffer[] = []) {}

  add(line: string): void {
    // A UTF-16 code unit takes at most 3 bytes of UTF-8: a line that may not fit goes into the next piece.
    const most = line.length * 3;
    if (this.used + most > this.scratch.length) {
      this.cut();
      if (most > this.scratch.length) this.scratch = Buffer.allocUnsafe(most);
    }
    this.used += this.scratch.write(line, this.used, 'utf8');
    if (++this.rows === copyPieceRows) this.cut();
  }

  /** The full pieces made so far, handed over once. */
  full(): Buffer[] {
    const pieces = this.pieces;
    this.pieces = [];
    return pieces;
  }

  /** Every piece, the last one short. */
  all(): Buffer[] {
    this.cut();
    return this.full();
  }

  private cut(): void {
    if (this.used === 0) return;
    this.pieces.push(Buffer.from(this.scratch.subarray(0, this.used)));
    this.used = 0;
    this.rows = 0;
  }
}

/** The next limits.insertChunkRows items as COPY text in memory; `ended` once the items have. Items past the batch's limit are only counted. */
async function spoolChunk(intake: Intake, feed: ItemFeed): Promise<{ pieces: Buffer[]; ended: boolean }> {
  const text = new CopyText();
  for (let room = limits.insertChunkRows; room > 0; ) {
    const raws = await feed.next(room);
    if (raws === undefined) return { pieces: text.all(), ended: true };
    room -= intake.takeAll(raws, text);
  }
  return { pieces: text.all(), ended: false };
}

/** One chunk's COPY text, its first rows already in `text`, `room` more rows at most (none past the batch's limit), each piece as the driver asks for it. */
async function* chunkPieces(intake: Intake, feed: ItemFeed, text: CopyText, room: number): AsyncGenerator<Buffer> {
  while (room > 0 && !intake.full) {
    yield* text.full();
    const raws = await feed.next(room);
    if (raws === undefined) break;
    room -= intake.takeAll(raws, text);
  }
  yield* text.all();
}

/** After the items: the batch row (or the batch already there), the currency of provisional rows, the list of invalid items, the audit event. */
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
  await recordInvalidItems(tx, intake.batchId, intake.invalidSeqs);
  await auditBatchCreated(tx, batch);
  return { kind: 'created', requestId: intake.batchId };
}

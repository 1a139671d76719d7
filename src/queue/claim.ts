import type { Queryable } from '../db/port.ts';
import { limits } from '../limits.ts';
import type { Currency } from '../money.ts';
import type { RecipientType } from '../payouts/statuses.ts';

/** An item a worker holds under a lease: everything processing it needs, without another read. */
export interface ClaimedItem {
  id: bigint;
  batchId: string;
  seq: number;
  referenceCode: string;
  recipientType: RecipientType;
  recipientInfo: string;
  recipientName: string | null;
  amount: bigint;
  commission: bigint;
  currency: Currency;
  /** PROCESSING: never handed to a rail. QUEUED: handed over before, outcome unknown. */
  status: 'PROCESSING' | 'QUEUED';
  attempts: number;
  /** The claim's owner; every later guarded UPDATE of the hand-over checks it. */
  claimedBy: string;
}

export interface ClaimOptions {
  /** Who claims: unique per worker loop (see startWorkers), so a lease names exactly one owner. */
  claimer: string;
  items?: number;
  leaseMs?: number;
}

interface ClaimedRow {
  id: bigint;
  batch_id: string;
  seq: number;
  reference_code: string;
  recipient_type: RecipientType;
  recipient_info: string;
  recipient_name: string | null;
  amount: bigint;
  commission: bigint;
  currency: Currency;
  status: 'PROCESSING' | 'QUEUED';
  attempts: number;
  claimed_by: string;
}

const returning = `returning items.id, items.batch_id, items.seq, items.reference_code, items.recipient_type, items.recipient_info,
  items.recipient_name, items.amount, items.commission, items.currency, items.status, items.attempts, items.claimed_by`;

/**
 * The lease is written by the same UPDATE that takes the rows; the inner SELECT … FOR UPDATE SKIP
 * LOCKED lets any number of workers claim side by side without waiting for each other, and
 * re-checks its WHERE on the rows it locks, so a row is never claimed twice.
 *
 * `id = any(array(…))` rather than `id in (…)`: with IN, the planner may hash-join the picked ids
 * against a sequential scan of the whole items table (seen on 20,000 items: every claim read them
 * all); the array form is always an index lookup of exactly the picked rows.
 */
export async function claim(db: Queryable, options: ClaimOptions, candidates: string, params: readonly unknown[]): Promise<ClaimedItem[]> {
  const n = options.items ?? limits.claimChunkItems;
  const leaseMs = options.leaseMs ?? limits.leaseDurationMs;
  if (!Number.isSafeInteger(n) || n <= 0 || n > 100_000) throw new Error(`claim size must be 1..100000, got ${n}`);
  const base = params.length;
  const result = await db.query<ClaimedRow>(
    `update items set claimed_by = $${base + 1}, claimed_until = now() + $${base + 2}::int8 * interval '1 millisecond', updated_at = now()
     where items.id = any(array(${candidates} limit $${base + 3} for update skip locked))
     ${returning}`,
    [...params, options.claimer, leaseMs, n],
  );
  return result.rows.map(toClaimedItem).sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
}

/**
 * The next chunk of the embedded queue: unclaimed PROCESSING items in id order (roughly batch and
 * submission order). Served by the partial index items_claimable. Lease expiry is deliberately not
 * part of this WHERE: an `or claimed_until < now()` here defeated that index and made 1M items take
 * 305 s instead of ~20 s; the reaper (reaper.ts) clears expired leases instead.
 */
export function claimNextChunk(db: Queryable, options: ClaimOptions): Promise<ClaimedItem[]> {
  return claim(db, options, `select id from items where status = 'PROCESSING' and claimed_until is null order by id`, []);
}

/**
 * The unclaimed PROCESSING items of one batch with seq in [seqFrom, seqTo]: what a RabbitMQ
 * message names. Items of the range already handed over or final are simply not returned, so a
 * redelivered message claims nothing and changes nothing. (Items of the range left QUEUED by a
 * crashed worker come back through claimDueChecks once the reaper has freed them.)
 */
export function claimBatchRange(db: Queryable, options: ClaimOptions & { batchId: string; seqFrom: number; seqTo: number }): Promise<ClaimedItem[]> {
  if (!Number.isSafeInteger(options.seqFrom) || !Number.isSafeInteger(options.seqTo) || options.seqFrom < 0 || options.seqTo < options.seqFrom) {
    throw new Error(`seq range must be 0 <= seqFrom <= seqTo, got [${options.seqFrom}, ${options.seqTo}]`);
  }
  return claim(
    db,
    { ...options, items: options.items ?? options.seqTo - options.seqFrom + 1 },
    `select id from items where batch_id = $1 and seq between $2 and $3 and status = 'PROCESSING' and claimed_until is null order by seq`,
    [options.batchId, options.seqFrom, options.seqTo],
  );
}

/**
 * QUEUED items whose outcome is still unknown and whose next check is due: an ambiguous rail answer
 * scheduled a retry, or a worker died after handing them over (the reaper freed the lease, and
 * next_attempt_at was set at the hand-over, so they are due at once). Served by items_due_check.
 */
export function claimDueChecks(db: Queryable, options: ClaimOptions): Promise<ClaimedItem[]> {
  return claim(
    db,
    options,
    `select id from items where status = 'QUEUED' and claimed_until is null and next_attempt_at <= now() order by next_attempt_at`,
    [],
  );
}

function toClaimedItem(row: ClaimedRow): ClaimedItem {
  return {
    id: row.id,
    batchId: row.batch_id,
    seq: row.seq,
    referenceCode: row.reference_code,
    recipientType: row.recipient_type,
    recipientInfo: row.recipient_info,
    recipientName: row.recipient_name,
    amount: row.amount,
    commission: row.commission,
    currency: row.currency,
    status: row.status,
    attempts: row.attempts,
    claimedBy: row.claimed_by,
  };
}

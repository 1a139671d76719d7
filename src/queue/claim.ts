import type { Queryable } from '../db/port.ts';
import { limits } from '../limits.ts';
import type { Currency } from '../money.ts';
import type { RecipientType } from '../payouts/statuses.ts';

/** An item of a claimed chunk: everything processing it needs, without another read. */
export interface ClaimedItem {
  id: bigint;
  batchId: string;
  seq: number;
  referenceCode: string;
  recipientType: RecipientType;
  recipientInfo: string;
  recipientName: string | null;
  description: string | null;
  amount: bigint;
  commission: bigint;
  currency: Currency;
  /** PROCESSING: never handed to a rail. QUEUED: handed over before, outcome unknown. */
  status: 'PROCESSING' | 'QUEUED';
  attempts: number;
}

/** A work chunk under a worker's lease, with its items that have work to do now. */
export interface ClaimedChunk {
  id: bigint;
  batchId: string;
  seqFrom: number;
  seqTo: number;
  /** The lease's owner; the hand-over checks it still holds the lease before any rail hears of an item. */
  claimedBy: string;
  items: ClaimedItem[];
}

/** A chunk's lease alone: what the lease statements need, and what claiming returns before the items are read. */
export type ChunkLease = Omit<ClaimedChunk, 'items'>;

export interface ClaimOptions {
  /** Who claims: unique per worker loop (see startWorkers), so a lease names exactly one owner. */
  claimer: string;
  leaseMs?: number;
}

interface ChunkRow {
  id: bigint;
  batch_id: string;
  seq_from: number;
  seq_to: number;
  claimed_by: string;
}

const leaseSql = (claimer: string, leaseMs: string) =>
  `update work_chunks set claimed_by = ${claimer}, claimed_until = now() + ${leaseMs}::int8 * interval '1 millisecond'`;

/**
 * The next due chunk, oldest due first (then oldest written), under a lease: an authorised batch's new work, or a chunk
 * whose items wait for a status check (an ambiguous rail answer, a worker that died after the
 * hand-over). FOR UPDATE SKIP LOCKED lets any number of workers claim side by side without waiting
 * for each other, and re-checks the WHERE on the row it locks, so a chunk is never claimed twice.
 * Served by work_chunks_due; lease expiry is not part of the WHERE (the reaper's job), which keeps
 * that index exact.
 */
export async function claimDueChunk(db: Queryable, options: ClaimOptions): Promise<ClaimedChunk | undefined> {
  const lease = await leaseDueChunk(db, options);
  return lease && withItems(db, lease);
}

/** claimDueChunk's lease without the read of its items (the bench's settle floor settles them by SQL alone). */
export async function leaseDueChunk(db: Queryable, options: ClaimOptions): Promise<ChunkLease | undefined> {
  const claimed = await db.query<ChunkRow>(
    `${leaseSql('$1', '$2')}
     where id = (select id from work_chunks where done_at is null and claimed_until is null and parked_at is null and due_at <= now()
                 order by due_at, id limit 1 for update skip locked)
     returning id, batch_id, seq_from, seq_to, claimed_by`,
    [options.claimer, options.leaseMs ?? limits.leaseDurationMs],
  );
  return claimed.rows[0] && leaseOf(claimed.rows[0]);
}

/**
 * The chunk of a batch that starts at `seqFrom`, what a RabbitMQ message names, due or not; undefined
 * when it is done, leased by another worker, or not there at all.
 */
export async function claimChunkAt(db: Queryable, options: ClaimOptions & { batchId: string; seqFrom: number }): Promise<ClaimedChunk | undefined> {
  const claimed = await db.query<ChunkRow>(
    `${leaseSql('$3', '$4')}
     where id = (select id from work_chunks where batch_id = $1 and seq_from = $2 and done_at is null and claimed_until is null and parked_at is null
                 for update skip locked)
     returning id, batch_id, seq_from, seq_to, claimed_by`,
    [options.batchId, options.seqFrom, options.claimer, options.leaseMs ?? limits.leaseDurationMs],
  );
  return claimed.rows[0] && withItems(db, leaseOf(claimed.rows[0]));
}

/** An items row as read for processing: claimedItemColumns, mapped by claimedItemOf. */
export interface ClaimedItemRow {
  id: bigint;
  seq: number;
  reference_code: string;
  recipient_type: RecipientType;
  recipient_info: string;
  recipient_name: string | null;
  description: string | null;
  amount: bigint;
  commission: bigint;
  currency: Currency;
  status: 'PROCESSING' | 'QUEUED';
  attempts: number;
}

/** The items columns a ClaimedItemRow is read from. */
export const claimedItemColumns = 'id, seq, reference_code, recipient_type, recipient_info, recipient_name, description, amount, commission, currency, status, attempts';

/** The one mapping of an items row to the item its processing gets. */
export function claimedItemOf(batchId: string, row: ClaimedItemRow): ClaimedItem {
  return {
    id: row.id,
    batchId,
    seq: row.seq,
    referenceCode: row.reference_code,
    recipientType: row.recipient_type,
    recipientInfo: row.recipient_info,
    recipientName: row.recipient_name,
    description: row.description,
    amount: row.amount,
    commission: row.commission,
    currency: row.currency,
    status: row.status,
    attempts: row.attempts,
  };
}

/**
 * The chunk's items with work to do now: PROCESSING (never sent), and QUEUED whose status check is
 * due. One range scan of the (batch_id, seq) index; final items and INVALID ones are passed over.
 */
async function withItems(db: Queryable, lease: ChunkLease): Promise<ClaimedChunk> {
  const found = await db.query<ClaimedItemRow>(
    `select ${claimedItemColumns}
     from items
     where batch_id = $1 and seq between $2 and $3
       and (status = 'PROCESSING' or (status = 'QUEUED' and next_attempt_at <= now()))
     order by seq`,
    [lease.batchId, lease.seqFrom, lease.seqTo],
  );
  return { ...lease, items: found.rows.map((row) => claimedItemOf(lease.batchId, row)) };
}

function leaseOf(row: ChunkRow): ChunkLease {
  return { id: row.id, batchId: row.batch_id, seqFrom: row.seq_from, seqTo: row.seq_to, claimedBy: row.claimed_by };
}

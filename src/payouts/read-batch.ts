import { textArrayLiteral } from '../db/array-literal.ts';
import type { Queryable } from '../db/port.ts';
import type { Currency } from '../money.ts';
import { kindPageSql } from './invalid-items.ts';
import { itemStatuses, type BatchStatus, type ItemStatus, type RecipientType } from './statuses.ts';

/**
 * The read side of batches and items. Every query is scoped to one merchant: another merchant's
 * batch or item is indistinguishable from a missing one (undefined / empty), never data.
 */

export interface BatchRecord {
  id: string;
  merchantId: bigint;
  externalId: string;
  conversationId: string | null;
  purpose: string | null;
  status: BatchStatus;
  currency: Currency;
  itemCount: number;
  validCount: number;
  /** Items not yet in a final state. */
  openCount: number;
  totalAmount: bigint;
  totalCommissionPlanned: bigint;
  totalSuccessfulAmount: bigint;
  totalCommissionAmount: bigint;
  receivedAt: Date;
  authorizedAt: Date | null;
  completedAt: Date | null;
  canceledAt: Date | null;
}

export interface ItemRecord {
  id: bigint;
  batchId: string;
  /** Submission order within the batch, from 0. */
  seq: number;
  referenceCode: string;
  itemExternalId: string;
  /** One of recipientTypes on every valid item; whatever could be read on an INVALID one. */
  recipientType: RecipientType | string;
  recipientInfo: string;
  recipientName: string | null;
  description: string | null;
  status: ItemStatus;
  /** Catalogue codes of the reasons an item is INVALID (or failed), in the order found. */
  errorCodes: string[];
  amount: bigint;
  /** An INVALID item's amount.value as it was sent, as text; null on valid items. */
  amountSent: string | null;
  commission: bigint;
  currency: string;
  /** The bank's own code (ISO 20022: AC04, …) of a rejection or a return. */
  bankReason: string | null;
  /** Set when the bank sent a paid item's money back (a return after success). */
  returnedAmount: bigint | null;
  returnedAt: Date | null;
}

export interface BatchRow {
  id: string;
  merchant_id: bigint;
  external_id: string;
  conversation_id: string | null;
  purpose: string | null;
  status: BatchStatus;
  currency: Currency;
  item_count: number;
  valid_count: number;
  open_count: number;
  total_amount: bigint;
  total_commission_planned: bigint;
  total_successful_amount: bigint;
  total_commission_amount: bigint;
  received_at: Date;
  authorized_at: Date | null;
  completed_at: Date | null;
  canceled_at: Date | null;
}

export interface ItemRow {
  id: bigint;
  batch_id: string;
  seq: number;
  reference_code: string;
  item_external_id: string;
  recipient_type: string;
  recipient_info: string;
  recipient_name: string | null;
  description: string | null;
  status: ItemStatus;
  error_codes: string[];
  bank_reason: string | null;
  returned_amount: bigint | null;
  returned_at: Date | null;
  amount: bigint;
  amount_sent: string | null;
  commission: bigint;
  currency: string;
}

export const batchColumns = `id, merchant_id, external_id, conversation_id, purpose, status, currency, item_count, valid_count, open_count,
  total_amount, total_commission_planned, total_successful_amount, total_commission_amount,
  received_at, authorized_at, completed_at, canceled_at`;

export const itemColumns = `i.id, i.batch_id, i.seq, i.reference_code, i.item_external_id, i.recipient_type, i.recipient_info, i.recipient_name,
  i.description, i.status, i.error_codes, i.amount, i.amount_sent, i.commission, i.currency, i.bank_reason, i.returned_amount, i.returned_at`;

export function batchFromRow(row: BatchRow): BatchRecord {
  return {
    id: row.id,
    merchantId: row.merchant_id,
    externalId: row.external_id,
    conversationId: row.conversation_id,
    purpose: row.purpose,
    status: row.status,
    currency: row.currency,
    itemCount: row.item_count,
    validCount: row.valid_count,
    openCount: row.open_count,
    totalAmount: row.total_amount,
    totalCommissionPlanned: row.total_commission_planned,
    totalSuccessfulAmount: row.total_successful_amount,
    totalCommissionAmount: row.total_commission_amount,
    receivedAt: new Date(row.received_at),
    authorizedAt: row.authorized_at === null ? null : new Date(row.authorized_at),
    completedAt: row.completed_at === null ? null : new Date(row.completed_at),
    canceledAt: row.canceled_at === null ? null : new Date(row.canceled_at),
  };
}

export function itemFromRow(row: ItemRow): ItemRecord {
  return {
    id: row.id,
    batchId: row.batch_id,
    seq: row.seq,
    referenceCode: row.reference_code,
    itemExternalId: row.item_external_id,
    recipientType: row.recipient_type,
    recipientInfo: row.recipient_info,
    recipientName: row.recipient_name,
    description: row.description,
    status: row.status,
    errorCodes: row.error_codes,
    bankReason: row.bank_reason,
    returnedAmount: row.returned_amount,
    returnedAt: row.returned_at,
    amount: row.amount,
    amountSent: row.amount_sent,
    commission: row.commission,
    currency: row.currency,
  };
}

/** How a merchant names a batch: its requestId, its own externalId, or both (then both must match). */
export interface BatchKey {
  requestId?: string;
  externalId?: string;
}

/** One of the merchant's batches, or undefined when no batch of this merchant matches every given key. */
export async function findMerchantBatch(db: Queryable, merchantId: bigint, key: BatchKey): Promise<BatchRecord | undefined> {
  if (key.requestId === undefined && key.externalId === undefined) throw new Error('a batch key needs requestId or externalId');
  const result = await db.query<BatchRow>(
    `select ${batchColumns} from batches
     where merchant_id = $1 and ($2::uuid is null or id = $2::uuid) and ($3::text is null or external_id = $3::text)`,
    [merchantId, key.requestId ?? null, key.externalId ?? null],
  );
  return result.rows[0] ? batchFromRow(result.rows[0]) : undefined;
}

/** VALID: every item that passed validation, whatever became of it since; INVALID: the rejected ones. */
export type ItemFilter = 'VALID' | 'INVALID';

/** Which items a page lists: by kind, by status, or both (an item must pass both). */
export interface ItemSelection {
  filter?: ItemFilter;
  /** Only items in one of these states; undefined: any state. */
  statuses?: readonly ItemStatus[];
}

export interface ItemsPage extends ItemSelection {
  /** 0-based. */
  page: number;
  /** Items per page, 1..limits.retrievePageSizeMax. */
  size: number;
}

export const filterSql: Record<ItemFilter, string> = {
  VALID: `and i.status <> 'INVALID'`,
  INVALID: `and i.status = 'INVALID'`,
};

/**
 * Items that a selection lists. By kind alone it comes from the batch row (no count over the items);
 * by status it is counted, in one pass over the batch's items (the same rows a filtered page reads),
 * so that a client paging by `total` never stops short while items change state.
 */
export async function itemTotal(db: Queryable, batch: BatchRecord, selection: ItemSelection): Promise<number> {
  if (selection.statuses === undefined) {
    if (selection.filter === 'VALID') return batch.validCount;
    if (selection.filter === 'INVALID') return batch.itemCount - batch.validCount;
    return batch.itemCount;
  }
  const result = await db.query<{ n: number }>(
    `select count(*)::int as n from items i where i.batch_id = $1 and i.status = any($2::text[]) ${selection.filter ? filterSql[selection.filter] : ''}`,
    [batch.id, textArrayLiteral(selection.statuses)],
  );
  return result.rows[0].n;
}

/**
 * One page of a merchant's batch's items in submission order. Walks the (batch_id, seq) index; the
 * join on batches keeps the merchant scope even if a caller passes a foreign batch id. Unfiltered
 * pages start at a seq (seqs are 0..itemCount-1), so the last page of a 100,000-item batch costs
 * what the first does; so does a page of one kind (invalid-items.ts). A page by status still skips
 * with OFFSET (no index names the status: items change status while they are paid, and an index on
 * it would cost every such update its HOT path).
 */
export async function merchantItemsPage(db: Queryable, merchantId: bigint, batchId: string, page: ItemsPage): Promise<ItemRecord[]> {
  const skip = page.page * page.size;
  if (page.statuses === undefined) {
    const items = page.filter ? kindPageSql(page.filter, '$1', '$4', '$3') : 'select * from items i where i.batch_id = $1 and i.seq >= $4 order by i.seq limit $3';
    const result = await db.query<ItemRow>(
      `select ${itemColumns} from (${items}) i join batches b on b.id = i.batch_id where b.merchant_id = $2 order by i.seq`,
      [batchId, merchantId, page.size, skip],
    );
    return result.rows.map(itemFromRow);
  }
  const result = await db.query<ItemRow>(
    `select ${itemColumns} from items i join batches b on b.id = i.batch_id
     where i.batch_id = $1 and b.merchant_id = $2 ${page.filter ? filterSql[page.filter] : ''} and i.status = any($5::text[])
     order by i.seq limit $3 offset $4`,
    [batchId, merchantId, page.size, skip, textArrayLiteral(page.statuses)],
  );
  return result.rows.map(itemFromRow);
}

/**
 * How many of the batch's items are in each status, without counting the batch's items: final ones
 * come from the batch's counters (kept by every settlement), INVALID / INIT / MASS_PAYOUT_CANCELED
 * from its totals and status, and the open ones split into QUEUED — counted in the chunks that have
 * been handed over and are not done, a few thousand items at most while a batch is paid — and
 * PROCESSING, the rest. One statement, so every figure comes from one snapshot.
 */
export async function itemStatusCounts(db: Queryable, batchId: string): Promise<Record<ItemStatus, number>> {
  const result = await db.query<StatusCountsRow>(
    `select b.status, b.item_count, b.valid_count, b.open_count, b.success_count, b.refunded_count, b.refund_failed_count,
       ${queuedItemsSql('b.id')} as queued
     from batches b where b.id = $1`,
    [batchId],
  );
  return statusCountsOf(result.rows[0]);
}

/** What statusCountsOf reads: the batch's counters and the QUEUED items of its handed-over chunks. */
export interface StatusCountsRow {
  status: BatchStatus;
  item_count: number;
  valid_count: number;
  open_count: number;
  success_count: number;
  refunded_count: number;
  refund_failed_count: number;
  queued: number;
}

/** The QUEUED items of the batch named by `batchId` (an SQL expression), as an int. */
export function queuedItemsSql(batchId: string): string {
  return `(select coalesce(sum(q.n), 0)::int
        from work_chunks c,
          lateral (select count(*) as n from items i
                   where i.batch_id = c.batch_id and i.seq between c.seq_from and c.seq_to and i.status = 'QUEUED') q
        where c.batch_id = ${batchId} and c.done_at is null and c.handed_over_at is not null)`;
}

/** The per-status counts itemStatusCounts describes, from one row of counters (all zero without one). */
export function statusCountsOf(row: StatusCountsRow | undefined): Record<ItemStatus, number> {
  const counts = Object.fromEntries(itemStatuses.map((status) => [status, 0])) as Record<ItemStatus, number>;
  if (!row) return counts;
  counts.INVALID = row.item_count - row.valid_count;
  if (row.status === 'INIT' || row.status === 'INSUFFICIENT_BALANCE') counts.INIT = row.valid_count;
  else if (row.status === 'CANCELED') counts.MASS_PAYOUT_CANCELED = row.valid_count;
  else {
    counts.QUEUED = row.queued;
    counts.PROCESSING = row.open_count - row.queued;
    counts.SUCCESS = row.success_count;
    counts.DEPOSIT_SUCCESS = row.refunded_count;
    counts.DEPOSIT_FAIL = row.refund_failed_count;
  }
  return counts;
}

/** One of the merchant's items by its public reference code, or undefined. */
export async function findMerchantItem(db: Queryable, merchantId: bigint, referenceCode: string): Promise<ItemRecord | undefined> {
  const result = await db.query<ItemRow>(
    `select ${itemColumns} from items i join batches b on b.id = i.batch_id
     where i.reference_code = $1 and b.merchant_id = $2`,
    [referenceCode, merchantId],
    { prepareAs: 'merchant-item-by-reference' },
  );
  return result.rows[0] ? itemFromRow(result.rows[0]) : undefined;
}

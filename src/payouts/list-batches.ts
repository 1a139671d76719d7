import type { Queryable } from '../db/port.ts';
import type { BatchStatus } from './statuses.ts';

export interface BatchFilter {
  merchantId?: bigint;
  status?: BatchStatus;
  externalId?: string;
  /** received_at >= from, < to (dates, UTC). */
  from?: Date;
  to?: Date;
  /** Newest first: the page after this received_at/id. */
  before?: { receivedAt: Date; id: string };
  limit: number;
}

export interface ListedBatch {
  id: string;
  merchantId: bigint;
  merchantName: string;
  externalId: string;
  status: BatchStatus;
  currency: string;
  itemCount: number;
  validCount: number;
  openCount: number;
  totalAmount: bigint;
  receivedAt: Date;
  /** Set while a checker's decision is awaited. */
  awaitingApproval: boolean;
}

/** Batches across merchants (or one), newest first, filtered; keyset-paged on (received_at, id). */
export async function listBatches(db: Queryable, filter: BatchFilter): Promise<ListedBatch[]> {
  const found = await db.query<{
    id: string; merchant_id: bigint; merchant_name: string; external_id: string; status: BatchStatus; currency: string;
    item_count: number; valid_count: number; open_count: number; total_amount: bigint; received_at: Date; awaiting: boolean;
  }>(
    `select b.id, b.merchant_id, m.name as merchant_name, b.external_id, b.status, b.currency, b.item_count, b.valid_count,
            b.open_count, b.total_amount, b.received_at, (a.batch_id is not null and a.decision is null) as awaiting
     from batches b join merchants m on m.id = b.merchant_id left join batch_approvals a on a.batch_id = b.id
     where ($1::int8 is null or b.merchant_id = $1) and ($2::text is null or b.status = $2) and ($3::text is null or b.external_id = $3)
       and ($4::timestamptz is null or b.received_at >= $4) and ($5::timestamptz is null or b.received_at < $5)
       and ($6::timestamptz is null or (b.received_at, b.id) < ($6, $7::uuid))
     order by b.received_at desc, b.id desc limit $8`,
    [filter.merchantId ?? null, filter.status ?? null, filter.externalId ?? null, filter.from ?? null, filter.to ?? null,
      filter.before?.receivedAt ?? null, filter.before?.id ?? null, filter.limit],
  );
  return found.rows.map((row) => ({
    id: row.id, merchantId: row.merchant_id, merchantName: row.merchant_name, externalId: row.external_id, status: row.status,
    currency: row.currency, itemCount: row.item_count, validCount: row.valid_count, openCount: row.open_count,
    totalAmount: row.total_amount, receivedAt: row.received_at, awaitingApproval: row.awaiting,
  }));
}

export interface ApprovalState {
  submittedBy: string | null;
  decision: 'APPROVED' | 'REJECTED' | null;
  decidedBy: string | null;
}

/** The batch's four-eyes record, with the users' emails; undefined when it never needed one. */
export async function approvalState(db: Queryable, batchId: string): Promise<ApprovalState | undefined> {
  const found = await db.query<{ submitted: string | null; decision: ApprovalState['decision']; decided: string | null }>(
    `select s.email as submitted, a.decision, d.email as decided
     from batch_approvals a left join console_users s on s.id = a.submitted_by left join console_users d on d.id = a.decided_by
     where a.batch_id = $1`,
    [batchId],
  );
  const row = found.rows[0];
  return row && { submittedBy: row.submitted, decision: row.decision, decidedBy: row.decided };
}

const uuidPattern = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** The merchant a batch belongs to (the operator's pages look batches up by id alone). */
export async function batchOwner(db: Queryable, batchId: string): Promise<bigint | undefined> {
  if (!uuidPattern.test(batchId)) return undefined;
  const found = await db.query<{ merchant_id: bigint }>('select merchant_id from batches where id = $1', [batchId]);
  return found.rows[0]?.merchant_id;
}

/** The merchant an item belongs to, by its referenceCode. */
export async function itemOwner(db: Queryable, referenceCode: string): Promise<bigint | undefined> {
  if (!uuidPattern.test(referenceCode)) return undefined;
  const found = await db.query<{ merchant_id: bigint }>(
    'select b.merchant_id from items i join batches b on b.id = i.batch_id where i.reference_code = $1',
    [referenceCode],
  );
  return found.rows[0]?.merchant_id;
}

import { textArrayLiteral } from '../db/array-literal.ts';
import type { Queryable } from '../db/port.ts';
import {
  type BatchKey,
  type BatchRecord,
  type BatchRow,
  type ItemRecord,
  type ItemsPage,
  type StatusCountsRow,
  batchColumns,
  batchFromRow,
  queuedItemsSql,
  statusCountsOf,
} from './read-batch.ts';
import { kindPageSql } from './invalid-items.ts';
import type { ItemStatus } from './statuses.ts';

/** A batch as retrieve answers it: the batch, its per-status counts, one page of its items, and how many items the selection lists. */
export interface BatchPage {
  batch: BatchRecord;
  counts: Record<ItemStatus, number>;
  items: ItemRecord[];
  /** Items the page's selection lists in all (what `total` says), as itemTotal counts them. */
  total: number;
}

/**
 * The batch named by the key, among the merchant's: three statements, so that each plan uses its
 * own unique index. The key left out is null and still named (a statement must type every parameter).
 */
const batchWhere = {
  id: 'b.id = $2::uuid and b.merchant_id = $1 and $3::text is null',
  externalId: 'b.merchant_id = $1 and b.external_id = $3::text and $2::uuid is null',
  both: 'b.id = $2::uuid and b.merchant_id = $1 and b.external_id = $3::text',
};

/** A status selection ($7, a text[] literal) and, with it, the kind ($6: VALID, INVALID or null): an item must pass both. */
const byStatus = `($6::text is null or (i.status = 'INVALID') = ($6::text = 'INVALID')) and i.status = any($7::text[])`;

/**
 * The page's items (every column of `items i`), at most $5, by how the page selects them: all
 * items from seq $4 (seqs are 0..itemCount-1, so the last page of a million costs what the first
 * does); one kind, $4 of it skipped, found by index (invalid-items.ts); or by status, $4 selected
 * items skipped in seq order (no index names the status: see invalid-items.ts).
 */
const pageItems = {
  all: `select * from items i where i.batch_id = b.id and i.seq >= $4 order by i.seq limit $5`,
  VALID: kindPageSql('VALID', 'b.id', '$4', '$5'),
  INVALID: kindPageSql('INVALID', 'b.id', '$4', '$5'),
  statuses: `select * from items i where i.batch_id = b.id and ${byStatus} order by i.seq limit $5 offset $4`,
};

type Selection = keyof typeof pageItems;

/**
 * An item as one JSON array (itemOf reads it back): int8 as text, so no amount or id goes through a
 * JSON number. One JSON value for the page, parsed at once, costs the service far less than forty
 * rows of typed columns with the batch's beside each.
 */
const itemJson = `json_build_array(i.id::text, i.seq, i.reference_code, i.item_external_id, i.recipient_type, i.recipient_info, i.recipient_name,
  i.description, i.status, i.error_codes, i.amount::text, i.amount_sent, i.commission::text, i.currency, i.bank_reason,
  i.returned_amount::text, i.returned_at)`;

type ItemJson = [string, number, string, string, string, string, string | null, string | null, ItemStatus, string[], string, string | null, string, string, string | null, string | null, string | null];

/**
 * Everything retrieve answers, in one statement (one round trip, one snapshot): the batch row, the
 * QUEUED count of its handed-over chunks (none to look at once no item is open: a QUEUED item is
 * open), the selection's total when it has to be counted (by status; by kind alone it is the
 * batch's counters), and the page as one JSON array. Prepared once per connection, one statement
 * per batch key and selection.
 */
function pageSql(where: string, selection: Selection): string {
  return `select ${batchColumns}, b.success_count, b.refunded_count, b.refund_failed_count,
      case when b.open_count = 0 then 0 else ${queuedItemsSql('b.id')} end as queued,
      ${selection === 'statuses' ? `(select count(*)::int from items i where i.batch_id = b.id and ${byStatus})` : 'null::int'} as selected,
      (select coalesce(json_agg(${itemJson} order by i.seq), '[]'::json) from (${pageItems[selection]}) i) as items
    from batches b
    where ${where}`;
}

const statements = Object.fromEntries(
  Object.entries(batchWhere).flatMap(([key, where]) =>
    (Object.keys(pageItems) as Selection[]).map((selection) => [`${key}/${selection}`, { name: `retrieve-page-by-${key}-${selection}`, text: pageSql(where, selection) }]),
  ),
) as Record<`${keyof typeof batchWhere}/${Selection}`, { name: string; text: string }>;

type PageRow = BatchRow & StatusCountsRow & { selected: number | null; items: ItemJson[] };

/** One of the merchant's batches with one page of its items, or undefined when no batch of the merchant matches every given key. */
export async function retrieveBatchPage(db: Queryable, merchantId: bigint, key: BatchKey, page: ItemsPage): Promise<BatchPage | undefined> {
  if (key.requestId === undefined && key.externalId === undefined) throw new Error('a batch key needs requestId or externalId');
  const by = key.requestId === undefined ? 'externalId' : key.externalId === undefined ? 'id' : 'both';
  const selection: Selection = page.statuses !== undefined ? 'statuses' : (page.filter ?? 'all');
  const statement = statements[`${by}/${selection}`];
  const result = await db.query<PageRow>(
    statement.text,
    [
      merchantId,
      key.requestId ?? null,
      key.externalId ?? null,
      page.page * page.size,
      page.size,
      ...(selection === 'statuses' ? [page.filter ?? null, textArrayLiteral(page.statuses!)] : []),
    ],
    { prepareAs: statement.name },
  );
  const row = result.rows[0];
  if (!row) return undefined;
  const batch = batchFromRow(row);
  const items = row.items.map((item) => itemOf(batch.id, item));
  return { batch, counts: statusCountsOf(row), items, total: row.selected ?? totalOfKind(batch, page) };
}

function itemOf(batchId: string, item: ItemJson): ItemRecord {
  const [id, seq, referenceCode, itemExternalId, recipientType, recipientInfo, recipientName, description, status, errorCodes, amount, amountSent, commission, currency, bankReason, returnedAmount, returnedAt] = item;
  return {
    id: BigInt(id),
    batchId,
    seq,
    referenceCode,
    itemExternalId,
    recipientType,
    recipientInfo,
    recipientName,
    description,
    status,
    errorCodes,
    amount: BigInt(amount),
    amountSent,
    commission: BigInt(commission),
    currency,
    bankReason,
    returnedAmount: returnedAmount === null ? null : BigInt(returnedAmount),
    returnedAt: returnedAt === null ? null : new Date(returnedAt),
  };
}

/** By kind alone, the total comes from the batch's counters (no count over its items). */
function totalOfKind(batch: BatchRecord, page: ItemsPage): number {
  if (page.filter === 'VALID') return batch.validCount;
  if (page.filter === 'INVALID') return batch.itemCount - batch.validCount;
  return batch.itemCount;
}

import type { UniformEvents } from '../audit/append-uniform.ts';
import type { Tx } from '../db/port.ts';
import type { ItemStatus } from './statuses.ts';

export interface MovedItems {
  count: number;
  /** Σ (amount + commission) of the moved items, in minor units. */
  amountWithCommission: bigint;
  /** Reference codes of the moved items in submission order, for their audit events. */
  referenceCodes: string[];
}

/**
 * Moves every item of a batch that is in `from` to `to` in ONE guarded statement, and reads back
 * what moved. The codes come back as one comma-joined string rather than one row per item: for
 * 100,000 items that is one row to decode instead of 100,000.
 */
export async function moveBatchItems(tx: Tx, batchId: string, from: ItemStatus, to: ItemStatus): Promise<MovedItems> {
  const result = await tx.query<{ count: number; amount_with_commission: bigint; codes: string | null }>(
    `with moved as (
       update items set status = $3, updated_at = now()
       where batch_id = $1 and status = $2
       returning seq, reference_code, amount + commission as amount_with_commission
     )
     select count(*)::int as count,
       coalesce(sum(amount_with_commission), 0)::int8 as amount_with_commission,
       string_agg(reference_code::text, ',' order by seq) as codes
     from moved`,
    [batchId, from, to],
  );
  const row = result.rows[0];
  return { count: row.count, amountWithCommission: row.amount_with_commission, referenceCodes: row.codes === null ? [] : row.codes.split(',') };
}

/** One `item.status` audit event per moved item, entity `item:<referenceCode>`, for appendUniformAudit. */
export function itemStatusEvents(referenceCodes: readonly string[], from: ItemStatus, to: ItemStatus): UniformEvents {
  return { action: 'item.status', before: { status: from }, after: { status: to }, entities: referenceCodes.map((code) => `item:${code}`) };
}

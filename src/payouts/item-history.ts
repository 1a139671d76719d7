import { afterForItem, itemSetAction, itemSetSpanSeqs, rangesContain, type NamedItems } from '../audit/item-sets.ts';
import type { Queryable } from '../db/port.ts';

export interface ItemHistory {
  events: { at: Date; actor: string; action: string; before: unknown; after: unknown }[];
  postings: { at: Date; kind: string; amount: bigint; currency: string; debit: string; credit: string }[];
  bank: { status: string; reason: string | null; at: Date }[];
}

interface StoredEvent {
  id: bigint;
  at: Date;
  actor: string;
  action: string;
  before: unknown;
  after: unknown;
}

/**
 * Everything recorded about one item: its audit events (every state change), its ledger postings
 * with the accounts' kinds, and what the sandbox bank holds under its referenceCode.
 *
 * An item's state changes are recorded two ways: its own events (entity `item:<referenceCode>`: a
 * status check, a return, and every change written before set-level events) and the set-level
 * events of its batch that name its seq (audit/item-sets.ts). The second are found through the
 * (request_id, after.items.from) index within one span before the seq, then kept when their ranges
 * hold it; each is shown as the item's own `item.status` change, without the others' seqs. The
 * action is written into the SQL, not bound: the partial index's predicate must be provable from it.
 */
export async function itemHistory(db: Queryable, item: { id: bigint; batchId: string; referenceCode: string; seq: number }): Promise<ItemHistory> {
  const own = await db.query<StoredEvent>(`select id, at, actor, action, before, after from audit_events where request_id = $1 and entity = $2`, [
    item.batchId,
    `item:${item.referenceCode}`,
  ]);
  const sets = await db.query<StoredEvent>(
    `select id, at, actor, action, before, after from audit_events
     where request_id = $1 and action = '${itemSetAction}' and ((after -> 'items') ->> 'from')::int4 between $2 and $3`,
    [item.batchId, item.seq - itemSetSpanSeqs + 1, item.seq],
  );
  const named = sets.rows.filter((event) => {
    const items = (event.after as { items: NamedItems }).items;
    return items.to >= item.seq && rangesContain(items.seqs, item.seq);
  });
  const events = [...own.rows, ...named.map((event) => ({ ...event, action: 'item.status', after: afterForItem(event.after) }))]
    .sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0))
    .map(({ at, actor, action, before, after }) => ({ at, actor, action, before, after }));
  const postings = await db.query<ItemHistory['postings'][number]>(
    `select t.created_at as at, t.kind, t.amount, t.currency,
            d.kind || coalesce(':' || d.merchant_id::text, '') as debit, c.kind || coalesce(':' || c.merchant_id::text, '') as credit
     from ledger_transfers t join accounts d on d.id = t.debit_account_id join accounts c on c.id = t.credit_account_id
     where t.item_id = $1 order by t.id`,
    [item.id],
  );
  const bank = await db.query<ItemHistory['bank'][number]>('select status, reason, at from sandbox_bank_transfers where idempotency_key = $1', [item.referenceCode]);
  return { events, postings: postings.rows, bank: bank.rows };
}

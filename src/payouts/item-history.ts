import type { Queryable } from '../db/port.ts';

export interface ItemHistory {
  events: { at: Date; actor: string; action: string; before: unknown; after: unknown }[];
  postings: { at: Date; kind: string; amount: bigint; currency: string; debit: string; credit: string }[];
  bank: { status: string; reason: string | null; at: Date }[];
}

/**
 * Everything recorded about one item: its audit events (every state change), its ledger postings
 * with the accounts' kinds, and what the sandbox bank holds under its referenceCode.
 */
export async function itemHistory(db: Queryable, item: { id: bigint; batchId: string; referenceCode: string }): Promise<ItemHistory> {
  const events = await db.query<ItemHistory['events'][number]>(
    `select at, actor, action, before, after from audit_events where request_id = $1 and entity = $2 order by id`,
    [item.batchId, `item:${item.referenceCode}`],
  );
  const postings = await db.query<ItemHistory['postings'][number]>(
    `select t.created_at as at, t.kind, t.amount, t.currency,
            d.kind || coalesce(':' || d.merchant_id::text, '') as debit, c.kind || coalesce(':' || c.merchant_id::text, '') as credit
     from ledger_transfers t join accounts d on d.id = t.debit_account_id join accounts c on c.id = t.credit_account_id
     where t.item_id = $1 order by t.id`,
    [item.id],
  );
  const bank = await db.query<ItemHistory['bank'][number]>('select status, reason, at from sandbox_bank_transfers where idempotency_key = $1', [item.referenceCode]);
  return { events: events.rows, postings: postings.rows, bank: bank.rows };
}

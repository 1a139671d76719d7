import { listActionEvents } from '../audit/list.ts';
import { verifyAudit, type ChainVerdict } from '../audit/verify.ts';
import type { Queryable } from '../db/port.ts';
import type { Currency } from '../money.ts';
import { transferDigest, transferSetAction, type PostedTransfer, type TransferKind } from './transfers.ts';

export type TransferSetsVerdict = { ok: true; sets: number } | { ok: false; firstBrokenEventId: string; sets: number };

/** Set events read per page. */
const pageEvents = 500;

/**
 * Checks every `ledger.transfers` audit event against the ledger rows it stands for: the transfers
 * with the ids it names, exactly those, must hash to its digest (transferSetEvent). The audit chain
 * proves the events were not altered; this proves the transfers were not either. One read of the
 * ledger per event, by its id range: a settled 1,000-item chunk is one event of ~2,000 transfers.
 */
export async function verifyTransferSets(db: Queryable): Promise<TransferSetsVerdict> {
  let afterId = 0n;
  let sets = 0;
  for (;;) {
    const events = await listActionEvents(db, { action: transferSetAction, afterId, limit: pageEvents });
    for (const event of events) {
      const after = event.after as { ids: string; digest: string; count: number };
      const ids = new Set(expandIds(after.ids));
      const [first, last] = [minOf(ids), maxOf(ids)];
      const rows = await db.query<{ id: bigint; kind: TransferKind; debit_account_id: bigint; credit_account_id: bigint; amount: bigint; currency: Currency; item_id: bigint | null }>(
        'select id, kind, debit_account_id, credit_account_id, amount, currency, item_id from ledger_transfers where id between $1 and $2 order by id',
        [first, last],
      );
      const named: PostedTransfer[] = rows.rows
        .filter((row) => ids.has(row.id))
        .map((row) => ({ id: row.id, kind: row.kind, debitAccountId: row.debit_account_id, creditAccountId: row.credit_account_id, amount: row.amount, currency: row.currency, itemId: row.item_id }));
      if (named.length !== ids.size || ids.size !== after.count || transferDigest(named) !== after.digest) return { ok: false, firstBrokenEventId: event.id.toString(), sets };
      sets += 1;
    }
    if (events.length < pageEvents) return { ok: true, sets };
    afterId = events[events.length - 1].id;
  }
}

function expandIds(ranges: string): bigint[] {
  return ranges.split(',').flatMap((part) => {
    const [low, high = low] = part.split('-').map((text) => BigInt(text));
    const ids: bigint[] = [];
    for (let id = low; id <= high; id++) ids.push(id);
    return ids;
  });
}

const minOf = (ids: Set<bigint>) => [...ids].reduce((a, b) => (b < a ? b : a));
const maxOf = (ids: Set<bigint>) => [...ids].reduce((a, b) => (b > a ? b : a));

/**
 * The whole trail's check, as the operator's verify runs it: every hash chain (audit/verify.ts),
 * then every set of transfers against its event. The first broken event is named either way.
 */
export async function verifyAuditAndTransfers(db: Queryable): Promise<ChainVerdict> {
  const chains = await verifyAudit(db);
  if (!chains.ok) return chains;
  const transfers = await verifyTransferSets(db);
  return transfers.ok ? chains : { ok: false, firstBrokenEventId: transfers.firstBrokenEventId, events: chains.events };
}

import type { Actor } from '../audit/append.ts';
import { TransactionEvents } from '../audit/transaction-events.ts';
import { textArrayLiteral } from '../db/array-literal.ts';
import type { Db, Tx } from '../db/port.ts';
import { ensureAccounts } from '../ledger/accounts.ts';
import { applyTransfers, lockAccounts, recordTransfers, transferEvents, type PlannedTransfer } from '../ledger/transfers.ts';
import type { Currency } from '../money.ts';
import { writeWebhookEvents } from '../webhooks/write-events.ts';

/** A bank's return of a paid item's money: how much came back, on which day, and the bank's reason code. */
export interface ItemReturn {
  referenceCode: string;
  amount: bigint;
  /** YYYY-MM-DD, the booking day of the return. */
  returnedOn: string;
  reason: string;
}

interface ReturnedRow {
  id: bigint;
  reference_code: string;
  batch_id: string;
  merchant_id: bigint;
  currency: Currency;
  returned_amount: bigint;
}

/**
 * Returns after success, for one merchant, in ONE transaction: each item that is SUCCESS and not
 * returned yet gets its returned amount, date and reason (a guarded UPDATE: a second return of one
 * item changes nothing), the money goes back bank settlement → the merchant's available balance
 * (kind 'return', unique per item in the ledger), and each step leaves its audit event. The item
 * stays SUCCESS: the payout was made, and iyzico's statuses have no "returned"; the commission
 * stays charged (the work was done; the return is the beneficiary bank's). `markApplied` runs in
 * the same transaction, so the rail's record and the books move together.
 * Returns the reference codes returned now.
 */
export async function returnPaidItems(
  db: Db,
  merchantId: bigint,
  returns: readonly ItemReturn[],
  actor: Actor,
  markApplied: (tx: Tx, referenceCodes: string[]) => Promise<void>,
): Promise<string[]> {
  if (returns.length === 0) return [];
  return db.transaction(async (tx) => {
    const moved = await tx.query<ReturnedRow>(
      `with r as (select * from unnest($1::uuid[], $2::int8[], $3::text[], $4::text[]) as r(ref, amount, day, reason))
       update items i set returned_amount = r.amount, returned_at = r.day::date, bank_reason = r.reason, updated_at = now()
       from r, batches b
       where i.reference_code = r.ref and b.id = i.batch_id and b.merchant_id = $5
         and i.status = 'SUCCESS' and i.returned_amount is null and r.amount <= i.amount
       returning i.id, i.reference_code, i.batch_id, b.merchant_id, i.currency, i.returned_amount`,
      [
        textArrayLiteral(returns.map((r) => r.referenceCode)),
        returns.map((r) => r.amount.toString()),
        textArrayLiteral(returns.map((r) => r.returnedOn)),
        textArrayLiteral(returns.map((r) => r.reason)),
        merchantId,
      ],
    );
    const rows = moved.rows;
    if (rows.length === 0) return [];
    const planned: PlannedTransfer[] = [];
    for (const currency of new Set(rows.map((row) => row.currency))) {
      const [available, bankSettlement] = await ensureAccounts(tx, [
        { kind: 'available', currency, merchantId },
        { kind: 'bank_settlement', currency },
      ]);
      for (const row of rows.filter((r) => r.currency === currency)) {
        planned.push({ kind: 'return', debitAccountId: bankSettlement, creditAccountId: available, amount: row.returned_amount, currency, batchId: row.batch_id, itemId: row.id });
      }
    }
    const posted = await recordTransfers(tx, planned);
    if (posted.length !== planned.length) throw new Error(`returns: posted ${posted.length} of ${planned.length} transfers`);
    await lockAccounts(tx, posted);
    await applyTransfers(tx, posted);
    const reasons = new Map(returns.map((r) => [r.referenceCode, r]));
    const events = new TransactionEvents({ chainId: merchantId, actor }, writeWebhookEvents);
    events.audit([
      ...transferEvents(posted),
      ...rows.map((row) => {
        const r = reasons.get(row.reference_code)!;
        return {
          action: 'item.returned',
          entity: `item:${row.reference_code}`,
          before: { status: 'SUCCESS' },
          after: { status: 'SUCCESS', returnedAmount: row.returned_amount.toString(), returnedOn: r.returnedOn, bankReason: r.reason },
        };
      }),
    ]);
    // mass_payout.item.returned, written with the return itself.
    for (const batchId of new Set(rows.map((row) => row.batch_id))) {
      const referenceCodes = rows.filter((row) => row.batch_id === batchId).map((row) => row.reference_code);
      events.emit({ type: 'item.returned', merchantId, batchId, data: { referenceCodes } });
    }
    await events.write(tx);
    const codes = rows.map((row) => row.reference_code);
    await markApplied(tx, codes);
    return codes;
  });
}

import type { Actor } from '../audit/append.ts';
import { TransactionEvents } from '../audit/transaction-events.ts';
import type { Db, Tx } from '../db/port.ts';
import { ensureAccounts } from '../ledger/accounts.ts';
import { postTransfers, type PlannedTransfer } from '../ledger/transfers.ts';
import { returnItems, type ItemReturn } from './item-transitions.ts';
import { writeWebhookEvents } from '../webhooks/write-events.ts';

/**
 * Returns after success, for one merchant, in ONE transaction: each item that is SUCCESS and not
 * returned yet gets its returned amount, date and reason (returnItems: a second return of one item
 * changes nothing), and the money goes back bank settlement → the merchant's available balance
 * (kind 'return', unique per item in the ledger). The item stays SUCCESS: the payout was made, and
 * the API's statuses have no "returned"; the commission stays charged (the work was done; the
 * return is the beneficiary bank's). `markApplied` runs in the same transaction, so the rail's
 * record and the books move together; the audit events are written last.
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
    const events = new TransactionEvents({ chainId: merchantId, actor }, writeWebhookEvents);
    const returned = await returnItems(tx, events, merchantId, returns);
    if (returned.length === 0) return [];
    // One plan per currency (a plan never mixes currencies), in a fixed order.
    for (const currency of [...new Set(returned.map((item) => item.currency))].sort()) {
      const [available, bankSettlement] = await ensureAccounts(tx, [
        { kind: 'available', currency, merchantId },
        { kind: 'bank_settlement', currency },
      ]);
      const planned: PlannedTransfer[] = returned
        .filter((item) => item.currency === currency)
        .map((item) => ({ kind: 'return', debitAccountId: bankSettlement, creditAccountId: available, amount: item.returnedAmount, currency, batchId: item.batchId, itemId: item.id }));
      const posted = await postTransfers(tx, planned, events);
      if (posted !== planned.length) throw new Error(`returns: posted ${posted} of ${planned.length} ${currency} transfers`);
    }
    const codes = returned.map((item) => item.referenceCode);
    await markApplied(tx, codes);
    await events.write(tx);
    return codes;
  });
}

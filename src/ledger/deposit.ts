import type { Tx } from '../db/port.ts';
import { limits } from '../limits.ts';
import type { Currency } from '../money.ts';
import { ensureAccounts } from './accounts.ts';
import { TransactionEvents } from '../audit/transaction-events.ts';
import { lockAccounts, postTransfers, type PlannedTransfer } from './transfers.ts';

export interface Deposit {
  merchantId: bigint;
  amount: bigint;
  currency: Currency;
  /** When given, the deposit is made once per (merchant, key), however often it is sent. */
  idempotencyKey?: string;
}

/**
 * 'made' now, 'replayed' (the key's deposit exists, nothing new), the key was used for another
 * deposit, or the balance would pass limits.balanceMinorMax (nothing written).
 */
export type DepositOutcome = 'made' | 'replayed' | 'key-reused' | 'balance-limit';

/**
 * Money entering the platform for a merchant: deposits → the merchant's available balance. The
 * accounts are locked first, so the balance bound is checked against the balance the deposit
 * lands on. With an idempotency key the key is claimed next (`on conflict do nothing`): of
 * concurrent deposits with one key exactly one inserts, the others wait for its commit, then find
 * its row. A key already used is answered before the bound, so a retry is never refused by it.
 */
export async function depositToMerchant(tx: Tx, deposit: Deposit): Promise<DepositOutcome> {
  const { merchantId, amount, currency, idempotencyKey } = deposit;
  if (!(amount > 0n && amount <= limits.depositAmountMinorMax)) throw new Error(`deposit amount ${amount} is outside 1..${limits.depositAmountMinorMax}`);
  if (idempotencyKey !== undefined) {
    const used = await usedKey(tx, merchantId, idempotencyKey, amount, currency);
    if (used) return used;
  }
  const [deposits, available] = await ensureAccounts(tx, [
    { kind: 'deposits', currency },
    { kind: 'available', currency, merchantId },
  ]);
  const transfer: PlannedTransfer = { kind: 'deposit', debitAccountId: deposits, creditAccountId: available, amount, currency };
  const balances = await lockAccounts(tx, [transfer]);
  if (balances.get(available)! + amount > limits.balanceMinorMax) return 'balance-limit';
  if (idempotencyKey !== undefined) {
    const claimed = await tx.query(
      `insert into deposit_keys (merchant_id, idempotency_key, amount, currency) values ($1, $2, $3, $4) on conflict do nothing`,
      [merchantId, idempotencyKey, amount, currency],
    );
    if (claimed.rowCount === 0) {
      const used = await usedKey(tx, merchantId, idempotencyKey, amount, currency);
      if (!used) throw new Error(`deposit key (${merchantId}, ${idempotencyKey}) conflicted on insert but cannot be read`);
      return used;
    }
  }
  const events = new TransactionEvents({ chainId: merchantId, actor: 'admin' });
  const posted = await postTransfers(tx, [transfer], events, { accountsLocked: true });
  if (posted !== 1) throw new Error('deposit was not posted');
  await events.write(tx);
  return 'made';
}

/** What a key already used means for this deposit: the same one again, or another one; undefined when unused. */
async function usedKey(tx: Tx, merchantId: bigint, key: string, amount: bigint, currency: Currency): Promise<'replayed' | 'key-reused' | undefined> {
  const first = await tx.query<{ amount: bigint; currency: string }>('select amount, currency from deposit_keys where merchant_id = $1 and idempotency_key = $2', [merchantId, key]);
  const row = first.rows[0];
  if (!row) return undefined;
  return row.amount === amount && row.currency === currency ? 'replayed' : 'key-reused';
}

import type { Tx } from '../db/port.ts';
import type { Currency } from '../money.ts';
import { ensureAccounts } from './accounts.ts';
import { postTransfers } from './transfers.ts';

export interface Deposit {
  merchantId: bigint;
  amount: bigint;
  currency: Currency;
  /** When given, the deposit is made once per (merchant, key), however often it is sent. */
  idempotencyKey?: string;
}

/** 'made' now, 'replayed' (the key's deposit exists, nothing new), or the key was used for another deposit. */
export type DepositOutcome = 'made' | 'replayed' | 'key-reused';

/**
 * Money entering the platform for a merchant: deposits → the merchant's available balance. With an
 * idempotency key the key is claimed first (`on conflict do nothing`): of concurrent deposits with
 * one key exactly one inserts, the others wait for its commit on the primary key, then find its row.
 */
export async function depositToMerchant(tx: Tx, deposit: Deposit): Promise<DepositOutcome> {
  const { merchantId, amount, currency, idempotencyKey } = deposit;
  if (idempotencyKey !== undefined) {
    const claimed = await tx.query(
      `insert into deposit_keys (merchant_id, idempotency_key, amount, currency) values ($1, $2, $3, $4) on conflict do nothing`,
      [merchantId, idempotencyKey, amount, currency],
    );
    if (claimed.rowCount === 0) {
      const first = await tx.query<{ amount: bigint; currency: string }>(
        'select amount, currency from deposit_keys where merchant_id = $1 and idempotency_key = $2',
        [merchantId, idempotencyKey],
      );
      const row = first.rows[0];
      if (!row) throw new Error(`deposit key (${merchantId}, ${idempotencyKey}) conflicted on insert but cannot be read`);
      return row.amount === amount && row.currency === currency ? 'replayed' : 'key-reused';
    }
  }
  const [deposits, available] = await ensureAccounts(tx, [
    { kind: 'deposits', currency },
    { kind: 'available', currency, merchantId },
  ]);
  const posted = await postTransfers(
    tx,
    [{ kind: 'deposit', debitAccountId: deposits, creditAccountId: available, amount, currency }],
    { chainId: merchantId, actor: 'admin' },
  );
  if (posted !== 1) throw new Error('deposit was not posted');
  return 'made';
}

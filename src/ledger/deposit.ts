import type { Tx } from '../db/port.ts';
import type { Currency } from '../money.ts';
import { ensureAccounts } from './accounts.ts';
import { postTransfers } from './transfers.ts';

/** Money entering the platform for a merchant: deposits → the merchant's available balance. */
export async function depositToMerchant(tx: Tx, merchantId: bigint, amount: bigint, currency: Currency): Promise<void> {
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
}

import type { Queryable } from '../db/port.ts';

export interface CurrencyTotal {
  currency: string;
  total: bigint;
}

/** Σ of every account's balance per currency: all zero when the books balance. */
export async function trialBalance(db: Queryable): Promise<{ balanced: boolean; currencies: CurrencyTotal[] }> {
  const result = await db.query<{ currency: string; total: bigint }>(
    'select currency, sum(balance)::int8 as total from accounts group by currency order by currency',
  );
  const currencies = result.rows.map((row) => ({ currency: row.currency, total: row.total }));
  return { balanced: currencies.every((c) => c.total === 0n), currencies };
}

export interface MerchantBalance {
  currency: string;
  available: bigint;
  reserved: bigint;
}

/**
 * A merchant's two accounts per currency, found by the accounts' identity index (kind, owner, …):
 * the conditions spell its expressions, so the read stays a few index entries however many
 * accounts (wallet members', other merchants') the table holds.
 */
export async function merchantBalances(db: Queryable, merchantId: bigint): Promise<MerchantBalance[]> {
  const result = await db.query<{ currency: string; available: bigint; reserved: bigint }>(
    `select currency,
       coalesce(sum(balance) filter (where kind = 'available'), 0)::int8 as available,
       coalesce(sum(balance) filter (where kind = 'reserved'), 0)::int8 as reserved
     from accounts
     where kind = any('{available,reserved}'::text[]) and coalesce(merchant_id, 0) = $1 and coalesce(member_id, '') = ''
     group by currency order by currency`,
    [merchantId],
    { prepareAs: 'merchant-balances' },
  );
  return result.rows;
}

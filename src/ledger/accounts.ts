import type { Tx } from '../db/port.ts';
import type { Currency } from '../money.ts';

export const accountKinds = ['deposits', 'available', 'reserved', 'bank_settlement', 'wallet', 'commission_revenue'] as const;
export type AccountKind = (typeof accountKinds)[number];

export interface AccountKey {
  kind: AccountKind;
  currency: Currency;
  merchantId?: bigint;
  memberId?: string;
}

export function accountLabel(key: AccountKey): string {
  const owner = key.merchantId !== undefined ? `merchant:${key.merchantId}` : key.memberId !== undefined ? `member:${key.memberId}` : 'platform';
  return `${key.kind}:${owner}:${key.currency}`;
}

/**
 * Ids of the accounts named, created on first use. One statement for any number of keys.
 * Returned in the order of `keys`.
 */
export async function ensureAccounts(tx: Tx, keys: readonly AccountKey[]): Promise<bigint[]> {
  if (keys.length === 0) return [];
  const kinds = keys.map((k) => k.kind);
  const merchants = keys.map((k) => (k.merchantId === undefined ? null : k.merchantId.toString()));
  const members = keys.map((k) => k.memberId ?? null);
  const currencies = keys.map((k) => k.currency);
  await tx.query(
    `insert into accounts (kind, merchant_id, member_id, currency)
     select distinct k.kind, k.merchant_id, k.member_id, k.currency
     from unnest($1::text[], $2::int8[], $3::text[], $4::text[]) as k(kind, merchant_id, member_id, currency)
     on conflict do nothing`,
    [kinds, merchants, members, currencies],
  );
  const found = await tx.query<{ ord: number; id: bigint }>(
    `select k.ord::int as ord, a.id
     from unnest($1::text[], $2::int8[], $3::text[], $4::text[]) with ordinality as k(kind, merchant_id, member_id, currency, ord)
     join accounts a on a.kind = k.kind and coalesce(a.merchant_id, 0) = coalesce(k.merchant_id, 0)
       and coalesce(a.member_id, '') = coalesce(k.member_id, '') and a.currency = k.currency
     order by k.ord`,
    [kinds, merchants, members, currencies],
  );
  if (found.rowCount !== keys.length) throw new Error(`expected ${keys.length} accounts, found ${found.rowCount}`);
  return found.rows.map((row) => row.id);
}

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
 * Ids of the accounts named, created on first use. Returned in the order of `keys`.
 *
 * Read first, insert only what is missing: a plain SELECT never waits, while `INSERT … ON CONFLICT
 * DO NOTHING` on an existing account waits for any open transaction that has updated that account
 * (the speculative insertion must know whether the row it conflicts with survives). Settlement asks
 * for the merchant's accounts and every paid member's wallet on every chunk, so with the insert
 * first, a second worker's settlement queued at its very first statement behind the first one's
 * postings until that committed: 7 s of waiting in a 42 s run of 100,000 items on 2 worker loops
 * (bench, statement log). Accounts are only ever created, so after the insert a second read finds
 * them all.
 */
export async function ensureAccounts(tx: Tx, keys: readonly AccountKey[]): Promise<bigint[]> {
  if (keys.length === 0) return [];
  const params = [
    keys.map((k) => k.kind),
    keys.map((k) => (k.merchantId === undefined ? null : k.merchantId.toString())),
    keys.map((k) => k.memberId ?? null),
    keys.map((k) => k.currency),
  ];
  const existing = await findAccounts(tx, params, keys.length);
  if (existing.every((id) => id !== undefined)) return existing as bigint[];
  await tx.query(
    `insert into accounts (kind, merchant_id, member_id, currency)
     select distinct k.kind, k.merchant_id, k.member_id, k.currency
     from unnest($1::text[], $2::int8[], $3::text[], $4::text[]) as k(kind, merchant_id, member_id, currency)
     on conflict do nothing`,
    params,
  );
  const found = await findAccounts(tx, params, keys.length);
  const missing = found.findIndex((id) => id === undefined);
  if (missing >= 0) throw new Error(`account ${accountLabel(keys[missing])} neither found nor created`);
  return found as bigint[];
}

/** The id of each key's account (undefined where there is none yet), in the order of the keys. */
async function findAccounts(tx: Tx, params: unknown[], count: number): Promise<(bigint | undefined)[]> {
  const found = await tx.query<{ ord: number; id: bigint }>(
    `select k.ord::int as ord, a.id
     from unnest($1::text[], $2::int8[], $3::text[], $4::text[]) with ordinality as k(kind, merchant_id, member_id, currency, ord)
     join accounts a on a.kind = k.kind and coalesce(a.merchant_id, 0) = coalesce(k.merchant_id, 0)
       and coalesce(a.member_id, '') = coalesce(k.member_id, '') and a.currency = k.currency`,
    params,
  );
  const ids = new Array<bigint | undefined>(count).fill(undefined);
  for (const row of found.rows) ids[row.ord - 1] = row.id;
  return ids;
}

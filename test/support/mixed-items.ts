import { ibanItem, memberItem } from './items.ts';

/**
 * `count` payout items exercising every path, IBANs first: per 40 items, 1 IBAN the sandbox bank
 * rejects (…99: account closed), 1 it pays but whose first answer is lost (…98: resolved by a
 * status query), 3 to the wallet of `member`, 1 to a wallet nobody registered (`unknownMember`),
 * the rest paid IBANs. Amounts vary from 1.00 to 9.99. `offset` keeps IBANs and ids distinct.
 */
export function mixedItems(count: number, offset: number, member: string, unknownMember: string) {
  return Array.from({ length: count }, (_, i) => {
    const n = offset + i;
    const value = `${(n % 9) + 1}.${String(n % 100).padStart(2, '0')}`;
    if (i % 40 === 7) return { ...ibanItem(n * 100 + 99, value), itemExternalId: `closed-${n}` };
    if (i % 40 === 13) return { ...ibanItem(n * 100 + 98, value), itemExternalId: `late-${n}` };
    if (i % 10 === 3) return { ...memberItem(n, member, value), itemExternalId: `wallet-${n}` };
    if (i % 40 === 21) return { ...memberItem(n, unknownMember, value), itemExternalId: `unknown-${n}` };
    return { ...ibanItem(n * 100 + 1, value), itemExternalId: `paid-${n}` };
  });
}

import type { CommissionTerms } from '../merchants/merchants.ts';
import { applyRate } from '../money.ts';

/**
 * The commission of one item under a merchant's terms: fixed + rate × amount, the rate part rounded
 * half-up to the minor unit. Computed at init and stored on the item; charged only if it is paid.
 * With terms {fixed 1.50, rate 0.01}, an item of 100.05 costs 150 + round(100.05) = 250 minor units.
 */
export function commissionFor(amountMinor: bigint, terms: CommissionTerms): bigint {
  if (amountMinor <= 0n) throw new Error(`commission of a non-positive amount ${amountMinor}`);
  return terms.fixedMinor + applyRate(amountMinor, terms.rateE8);
}

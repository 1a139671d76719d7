import { describe, expect, test } from 'vitest';
import { commissionFor } from '../src/payouts/commission.ts';

describe('commission per item: fixed + rate × amount, rounded half-up', () => {
  test('no terms, no commission', () => {
    expect(commissionFor(10_000n, { fixedMinor: 0n, rateE8: 0n })).toBe(0n);
  });

  test('fixed 1.50 + 1 % of 100.05 = 1.50 + 1.0005 → 2.50', () => {
    expect(commissionFor(10_005n, { fixedMinor: 150n, rateE8: 1_000_000n })).toBe(250n);
  });

  test('half a minor unit rounds up, less rounds down', () => {
    const halfPercent = { fixedMinor: 0n, rateE8: 500_000n };
    expect(commissionFor(100n, halfPercent)).toBe(1n); // 0.5 minor units
    expect(commissionFor(99n, halfPercent)).toBe(0n); // 0.495
    expect(commissionFor(300n, halfPercent)).toBe(2n); // 1.5
  });

  test('the largest item at the largest rate stays exact', () => {
    expect(commissionFor(1_000_000_000n, { fixedMinor: 1n, rateE8: 100_000_000n })).toBe(1_000_000_001n);
  });

  test('a non-positive amount is a broken invariant, not a commission', () => {
    expect(() => commissionFor(0n, { fixedMinor: 0n, rateE8: 0n })).toThrow();
  });
});

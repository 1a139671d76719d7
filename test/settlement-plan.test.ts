import { describe, expect, it } from 'vitest';
import type { ClaimedItem } from '../src/queue/claim.ts';
import { retryDelayMs } from '../src/workers/backoff.ts';
import { mapWithLimit } from '../src/workers/map-limit.ts';
import { batchProgress, payoutTransfers, releaseTransfers, sortOutcomes, type SettlementAccounts } from '../src/workers/settlement-plan.ts';

const item = (id: number, amount: bigint, commission: bigint, attempts = 0): ClaimedItem => ({
  id: BigInt(id),
  batchId: '11111111-1111-4111-8111-111111111111',
  seq: id,
  referenceCode: `ref-${id}`,
  recipientType: 'IBAN',
  recipientInfo: 'TR000',
  recipientName: 'R',
  description: null,
  amount,
  commission,
  currency: 'TRY',
  status: 'QUEUED',
  attempts,
});

const accounts: SettlementAccounts = { available: 1n, reserved: 2n, bankSettlement: 3n, commissionRevenue: 4n, wallets: new Map([['m1', 5n]]) };

describe('settlement plan (pure)', () => {
  it('sorts outcomes and schedules unresolved items with the bounded backoff', () => {
    const sorted = sortOutcomes([
      { item: item(1, 100n, 5n), rail: 'sandbox-bank', outcome: { kind: 'PAID' } },
      { item: item(2, 200n, 0n), rail: 'wallet', outcome: { kind: 'PAID', walletMemberId: 'm1' } },
      { item: item(3, 300n, 7n), rail: 'sandbox-bank', outcome: { kind: 'REJECTED', reason: 'RECIPIENT_ACCOUNT_CLOSED' } },
      { item: item(4, 400n, 1n, 2), rail: 'sandbox-bank', outcome: { kind: 'AMBIGUOUS', detail: 'timeout' } },
    ]);
    expect(sorted.paid.map((p) => [p.item.id, p.memberId])).toEqual([[1n, undefined], [2n, 'm1']]);
    expect(sorted.rejected.map((r) => [r.item.id, r.reason])).toEqual([[3n, 'RECIPIENT_ACCOUNT_CLOSED']]);
    // Third round (attempts 2 before it): 250 ms × 2² = 1 s.
    expect(sorted.unresolved.map((u) => [u.item.id, u.delayMs])).toEqual([[4n, 1000]]);
  });

  it('refuses a wallet payout that names no member', () => {
    expect(() => sortOutcomes([{ item: item(1, 100n, 0n), rail: 'wallet', outcome: { kind: 'PAID' } }])).toThrow(/without naming a member/);
  });

  it('posts payout and commission per paid item (no zero commission), and releases amount + commission per failed item', () => {
    const sorted = sortOutcomes([
      { item: item(1, 100n, 5n), rail: 'sandbox-bank', outcome: { kind: 'PAID' } },
      { item: item(2, 200n, 0n), rail: 'wallet', outcome: { kind: 'PAID', walletMemberId: 'm1' } },
      { item: item(3, 300n, 7n), rail: 'sandbox-bank', outcome: { kind: 'REJECTED', reason: 'RECIPIENT_ACCOUNT_CLOSED' } },
    ]);
    const pick = ({ kind, debitAccountId, creditAccountId, amount, itemId }: any) => ({ kind, debitAccountId, creditAccountId, amount, itemId });
    expect(payoutTransfers(sorted.paid, accounts).map(pick)).toEqual([
      { kind: 'payout', debitAccountId: 2n, creditAccountId: 3n, amount: 100n, itemId: 1n },
      { kind: 'commission', debitAccountId: 2n, creditAccountId: 4n, amount: 5n, itemId: 1n },
      { kind: 'payout', debitAccountId: 2n, creditAccountId: 5n, amount: 200n, itemId: 2n },
    ]);
    expect(releaseTransfers(sorted.rejected, accounts).map(pick)).toEqual([{ kind: 'release', debitAccountId: 2n, creditAccountId: 1n, amount: 307n, itemId: 3n }]);
    expect(batchProgress(sorted.paid, 1, 0)).toEqual({ finished: 3, paid: 2, refunded: 1, refundFailed: 0, paidAmount: 300n, paidCommission: 5n });
  });

  it('backs off exponentially from 250 ms and never waits more than 10 s', () => {
    expect([1, 2, 3, 4, 5, 6, 7, 8, 50].map((attempts) => retryDelayMs(attempts))).toEqual([250, 500, 1000, 2000, 4000, 8000, 10000, 10000, 10000]);
  });
});

describe('mapWithLimit', () => {
  it('keeps at most `limit` calls in flight and the results in input order', async () => {
    let inFlight = 0;
    let most = 0;
    const results = await mapWithLimit(Array.from({ length: 50 }, (_, i) => i), 7, async (n) => {
      inFlight += 1;
      most = Math.max(most, inFlight);
      await new Promise((resolve) => setImmediate(resolve));
      inFlight -= 1;
      return n * 2;
    });
    expect(most).toBe(7);
    expect(results).toEqual(Array.from({ length: 50 }, (_, i) => i * 2));
  });
});

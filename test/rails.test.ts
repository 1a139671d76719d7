import { afterAll, describe, expect, it } from 'vitest';
import type { Db } from '../src/db/port.ts';
import { registerMember } from '../src/members/members.ts';
import type { Rail, RailItem } from '../src/rails/rail.ts';
import { defaultSandboxConfig } from '../src/rails/sandbox-config.ts';
import { sandboxBank } from '../src/rails/sandbox-bank.ts';
import { sandboxRule } from '../src/rails/sandbox-rules.ts';
import { withRailTimeout } from '../src/rails/timeout.ts';
import { walletRail } from '../src/rails/wallet.ts';
import { freshDb } from './support/db.ts';
import { identityNumber, trIban } from './support/items.ts';
import { waitFor } from './support/wait.ts';

const { db, drop } = await freshDb();
afterAll(drop);

let keys = 0;
const newKey = () => `00000000-0000-4000-8000-${String(++keys).padStart(12, '0')}`;
const toIban = (n: number, amount = 1000n): RailItem => ({ recipientType: 'IBAN', recipientInfo: trIban(n), recipientName: 'R', description: null, amount, currency: 'TRY' });
const rowsOf = async (key: string) => (await db.query<{ status: string; reason: string | null; amount: bigint }>('select status, reason, amount from sandbox_bank_transfers where idempotency_key = $1', [key])).rows;

async function until<T>(probe: () => Promise<T>, done: (value: T) => boolean, timeoutMs = 5_000): Promise<T> {
  let last: T | undefined;
  return waitFor(async () => ((last = await probe()), done(last) ? last : undefined), timeoutMs, () => JSON.stringify(last), 20);
}

describe('sandbox bank test values', () => {
  it('decides by the last two digits of the IBAN, whatever its spacing', () => {
    expect(sandboxRule(trIban(99))).toEqual({ status: 'REJECTED', reason: 'RECIPIENT_ACCOUNT_CLOSED', firstAnswerLost: false });
    expect(sandboxRule(trIban(1098))).toEqual({ status: 'PAID', reason: null, firstAnswerLost: true });
    expect(sandboxRule(trIban(97))).toEqual({ status: 'PAID', reason: null, firstAnswerLost: false });
    const spaced = trIban(199).replace(/(.{4})/g, '$1 ').trim();
    expect(sandboxRule(spaced).status).toBe('REJECTED');
  });
});

describe('sandbox bank', () => {
  const bank = () => sandboxBank(db, { ...defaultSandboxConfig, settleMs: 200 });

  it('pays a valid IBAN once per key: a second send answers with the same transfer', async () => {
    const key = newKey();
    expect(await bank().send(key, toIban(1))).toEqual({ kind: 'PAID' });
    expect(await bank().send(key, toIban(1))).toEqual({ kind: 'PAID' });
    expect(await bank().status(key)).toEqual({ kind: 'PAID' });
    expect(await rowsOf(key)).toEqual([{ status: 'PAID', reason: null, amount: 1000n }]);
  });

  it('rejects an IBAN ending 99 (account closed), and records the rejection', async () => {
    const key = newKey();
    expect(await bank().send(key, toIban(99))).toEqual({ kind: 'REJECTED', reason: 'RECIPIENT_ACCOUNT_CLOSED' });
    expect(await bank().status(key)).toEqual({ kind: 'REJECTED', reason: 'RECIPIENT_ACCOUNT_CLOSED' });
    expect(await rowsOf(key)).toEqual([{ status: 'REJECTED', reason: 'RECIPIENT_ACCOUNT_CLOSED', amount: 1000n }]);
  });

  it('loses the first answer for an IBAN ending 98 but pays; status is pending, then PAID', async () => {
    const key = newKey();
    const rail = bank();
    expect((await rail.send(key, toIban(98))).kind).toBe('AMBIGUOUS');
    expect(await rowsOf(key)).toEqual([{ status: 'PAID', reason: null, amount: 1000n }]);
    expect(await rail.status(key)).toMatchObject({ kind: 'AMBIGUOUS', detail: 'sandbox bank: transfer pending' });
    expect(await until(() => rail.status(key), (s) => s !== 'UNKNOWN' && s.kind === 'PAID')).toEqual({ kind: 'PAID' });
    // A resend under the same key answers with the transfer; the bank still holds exactly one.
    expect(await rail.send(key, toIban(98))).toEqual({ kind: 'PAID' });
    expect(await rowsOf(key)).toHaveLength(1);
  });

  it('answers UNKNOWN for a key it never received', async () => {
    expect(await bank().status(newKey())).toBe('UNKNOWN');
  });

  it('refuses to reuse a key for another transfer', async () => {
    const key = newKey();
    await bank().send(key, toIban(5, 500n));
    await expect(bank().send(key, toIban(5, 700n))).rejects.toThrow(/already used for another transfer/);
    expect(await rowsOf(key)).toEqual([{ status: 'PAID', reason: null, amount: 500n }]);
  });

  it('injects faults: a lost request leaves no transfer, a lost answer leaves a paid one; both are ambiguous', async () => {
    // random() answers: < faultRate → a fault; then < 0.5 → request lost, otherwise answer lost.
    const answers = [0.1, 0.2, 0.1, 0.9];
    const faulty = sandboxBank(db, { ...defaultSandboxConfig, faultRate: 0.5 }, () => answers.shift()!);
    const lost = newKey();
    const unanswered = newKey();
    expect((await faulty.send(lost, toIban(6))).kind).toBe('AMBIGUOUS');
    expect((await faulty.send(unanswered, toIban(7))).kind).toBe('AMBIGUOUS');
    expect(await rowsOf(lost)).toEqual([]);
    expect(await rowsOf(unanswered)).toHaveLength(1);
    expect(await bank().status(lost)).toBe('UNKNOWN');
    expect(await bank().status(unanswered)).toEqual({ kind: 'PAID' });
  });

  // Accounts ending 01, 11, … 91: none is a test value.
  it('overlaps latency across calls in flight and stores them in few statements', async () => {
    let statements = 0;
    const counting = { query: ((sql: string, params?: readonly unknown[]) => ((statements += 1), db.query(sql, params))) as Db['query'] };
    const slow = sandboxBank(counting, { ...defaultSandboxConfig, latencyMs: 50 });
    const sends = Array.from({ length: 300 }, (_, i) => ({ key: newKey(), item: toIban(10_001 + 10 * i) }));
    const started = Date.now();
    const outcomes = await Promise.all(sends.map((s) => slow.send(s.key, s.item)));
    const elapsed = Date.now() - started;
    expect(outcomes.every((o) => o.kind === 'PAID')).toBe(true);
    // 300 sequential calls would take ≥ 15 s; in flight together they take one latency plus the SQL.
    expect(elapsed).toBeLessThan(5_000);
    const stored = await db.query<{ n: number }>('select count(*)::int as n from sandbox_bank_transfers where idempotency_key = any($1::text[])', [sends.map((s) => s.key)]);
    expect(stored.rows[0].n).toBe(300);
    // One INSERT and one read per flush; the 300 calls land in a handful of flushes, not 300.
    expect(statements).toBeLessThanOrEqual(10);
  });
});

describe('wallet rail', () => {
  it('finds the member by id, phone or identity number, and rejects an unknown recipient', async () => {
    await db.transaction((tx) => registerMember(tx, { memberId: '9001', phone: '+905551112233', identityNumber: identityNumber(42), name: 'Wallet Member' }));
    const wallet: Rail = walletRail(db);
    const item = (recipientType: RailItem['recipientType'], recipientInfo: string): RailItem => ({ recipientType, recipientInfo, recipientName: null, description: null, amount: 100n, currency: 'TRY' });
    const outcomes = await Promise.all([
      wallet.send(newKey(), item('MEMBER_ID', '9001')),
      wallet.send(newKey(), item('PHONE', '+905551112233')),
      wallet.send(newKey(), item('IDENTITY_NUMBER', identityNumber(42))),
      wallet.send(newKey(), item('MEMBER_ID', '9002')),
      wallet.send(newKey(), item('PHONE', '+905550000000')),
    ]);
    expect(outcomes).toEqual([
      { kind: 'PAID', walletMemberId: '9001' },
      { kind: 'PAID', walletMemberId: '9001' },
      { kind: 'PAID', walletMemberId: '9001' },
      { kind: 'REJECTED', reason: 'RECIPIENT_UNKNOWN' },
      { kind: 'REJECTED', reason: 'RECIPIENT_UNKNOWN' },
    ]);
    // Nothing is held under a key until the ledger posts: the engine looks the member up again.
    expect(await wallet.status(newKey())).toBe('UNKNOWN');
  });
});

describe('rail timeout', () => {
  it('turns a call that never answers, or throws, into an ambiguous outcome', async () => {
    const started = Date.now();
    const silent = await withRailTimeout(() => new Promise<never>(() => undefined), 50);
    expect(silent).toEqual({ kind: 'AMBIGUOUS', detail: 'no answer within 50 ms' });
    expect(Date.now() - started).toBeLessThan(2_000);
    expect(await withRailTimeout(() => Promise.reject(new Error('connection reset')), 1_000)).toEqual({ kind: 'AMBIGUOUS', detail: 'rail call failed: connection reset' });
    expect(await withRailTimeout(async () => ({ kind: 'PAID' as const }), 1_000)).toEqual({ kind: 'PAID' });
  });
});

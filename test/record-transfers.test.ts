import { afterAll, describe, expect, it } from 'vitest';
import { ensureAccounts } from '../src/ledger/accounts.ts';
import { recordTransfers, type PlannedTransfer } from '../src/ledger/transfers.ts';
import { freshDb } from './support/db.ts';

const { db, drop } = await freshDb();
afterAll(drop);

describe('recordTransfers', () => {
  it('returns every planned transfer with the id the database gave it, in id order, as stored', async () => {
    const merchant = await db.query<{ id: bigint }>(`insert into merchants (name, api_key, secret_key_sealed) values ('Recorded', 'k-recorded', 's') returning id`);
    const merchantId = merchant.rows[0].id;
    const [available, reserved, bank, revenue] = await db.transaction((tx) =>
      ensureAccounts(tx, [
        { kind: 'available', currency: 'TRY', merchantId },
        { kind: 'reserved', currency: 'TRY', merchantId },
        { kind: 'bank_settlement', currency: 'TRY' },
        { kind: 'commission_revenue', currency: 'TRY' },
      ]),
    );
    // Paired by (kind, item): the same item with two kinds, and two items with the same kind.
    const plan: PlannedTransfer[] = [
      { kind: 'payout', debitAccountId: reserved, creditAccountId: bank, amount: 1000n, currency: 'TRY', itemId: 11n },
      { kind: 'commission', debitAccountId: reserved, creditAccountId: revenue, amount: 25n, currency: 'TRY', itemId: 11n },
      { kind: 'payout', debitAccountId: reserved, creditAccountId: bank, amount: 700n, currency: 'TRY', itemId: 12n },
      { kind: 'release', debitAccountId: reserved, creditAccountId: available, amount: 310n, currency: 'TRY', itemId: 13n },
      { kind: 'deposit', debitAccountId: available, creditAccountId: reserved, amount: 2035n, currency: 'TRY' },
    ];
    const posted = await db.transaction((tx) => recordTransfers(tx, plan));

    const stored = await db.query<{ id: bigint; kind: string; debit_account_id: bigint; credit_account_id: bigint; amount: bigint; currency: string; item_id: bigint | null }>(
      'select id, kind, debit_account_id, credit_account_id, amount, currency, item_id from ledger_transfers where id = any($1::int8[]) order by id',
      [posted.map((t) => t.id)],
    );
    expect(posted.map((t) => t.id)).toEqual([...posted.map((t) => t.id)].sort((a, b) => (a < b ? -1 : 1)));
    expect(posted).toEqual(
      stored.rows.map((r) => ({ id: r.id, kind: r.kind, debitAccountId: r.debit_account_id, creditAccountId: r.credit_account_id, amount: r.amount, currency: r.currency, itemId: r.item_id })),
    );
    expect(posted.map(({ id: _id, ...rest }) => rest)).toEqual(expect.arrayContaining(plan.map((t) => ({ ...t, itemId: t.itemId ?? null }))));
  });

  it('refuses a plan that names one (kind, item) twice, and stores nothing of it', async () => {
    const before = (await db.query<{ n: number }>('select count(*)::int as n from ledger_transfers')).rows[0].n;
    const twice: PlannedTransfer[] = [
      { kind: 'payout', debitAccountId: 1n, creditAccountId: 2n, amount: 5n, currency: 'TRY', itemId: 21n },
      { kind: 'payout', debitAccountId: 2n, creditAccountId: 1n, amount: 5n, currency: 'TRY', itemId: 21n },
    ];
    await expect(db.transaction((tx) => recordTransfers(tx, twice))).rejects.toThrow(/names one \(kind, item\) twice/);
    expect((await db.query<{ n: number }>('select count(*)::int as n from ledger_transfers')).rows[0].n).toBe(before);
  });
});

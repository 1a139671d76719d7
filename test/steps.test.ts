import { afterAll, describe, expect, it } from 'vitest';
import { inlineParameters } from '../src/db/inline-parameters.ts';
import { noStep, runSteps, type Step } from '../src/db/steps.ts';
import { ensureAccounts } from '../src/ledger/accounts.ts';
import { applyIfCoveredStep, applyTransfersStep, type PostedTransfer } from '../src/ledger/transfers.ts';
import { freshDb } from './support/db.ts';

const { db, drop } = await freshDb();
afterAll(drop);

const rowsOf: Step<unknown[]>['read'] = (result) => result.rows;
const step = (sql: string, params?: unknown[]): Step<unknown[]> => ({ statement: { sql, params }, read: rowsOf });

describe('steps in one round trip', () => {
  const awkward = ["it's", 'back\\slash', 'both \\\' of them', '', 'ünïcode ✓', 'line\nbreak', '$1 and $2', 'null', 'NULL'];

  it('gives every parameter the value it would have as a parameter: quotes, backslashes, nulls, arrays, bigints, negatives', async () => {
    const sql = `select $1::text as text, $2::int8 as big, $3::int4 as negative, $4::text[] as texts, $5::int8[] as ints, $6::text as absent, $7::boolean as yes, $1 || '|' || $1 as twice`;
    for (const value of awkward) {
      const params = [value, 9_007_199_254_740_993n, -42, [value, null, 'x,y', '{}', '"'], [1n, -2n, 3n], null, true];
      const direct = await db.transaction((tx) => tx.query(sql, params));
      const [inlined] = await db.transaction((tx) => runSteps(tx, [step(sql, params)]));
      expect(inlined).toEqual(direct.rows);
      expect(inlined).toEqual([{ text: value, big: 9_007_199_254_740_993n, negative: -42, texts: [value, null, 'x,y', '{}', '"'], ints: [1n, -2n, 3n], absent: null, yes: true, twice: `${value}|${value}` }]);
    }
  });

  it('refuses a statement that names a parameter it was not given, and values it cannot write as text', () => {
    expect(() => inlineParameters({ sql: 'select $1, $2', params: [1] })).toThrow(/\$2 has no value/);
    expect(() => inlineParameters({ sql: 'select $1', params: [Buffer.from('x')] })).toThrow(/binary/);
    expect(() => inlineParameters({ sql: 'select $1', params: [[[1]]] })).toThrow(/nested/);
  });

  it('runs the steps in order, skips the ones with nothing to do, and reads each result', async () => {
    await db.query('create table step_order (n int)');
    const results = await db.transaction((tx) =>
      runSteps(tx, [
        step('insert into step_order values ($1), ($2) returning n', [1, 2]),
        noStep('skipped'),
        step('update step_order set n = n * $1 returning n', [10]),
        step('select count(*)::int as rows, sum(n)::int as total from step_order'),
      ]),
    );
    expect(results).toEqual([[{ n: 1 }, { n: 2 }], 'skipped', [{ n: 10 }, { n: 20 }], [{ rows: 2, total: 30 }]]);
  });

  it('stops at the first failing statement: the ones after it do not run, and the transaction rolls back', async () => {
    await db.query('create table step_failure (n int primary key)');
    const failing = db.transaction((tx) =>
      runSteps(tx, [step('insert into step_failure values ($1)', [1]), step('insert into step_failure values ($1)', [1]), step('insert into step_failure values ($1)', [3])]),
    );
    await expect(failing).rejects.toMatchObject({ code: '23505' });
    expect((await db.query('select n from step_failure')).rows).toEqual([]);
  });

  it('a PostgreSQL server gets one simple query for all of them', async () => {
    if (db.kind !== 'postgres') return;
    const pids = await db.transaction(async (tx) => {
      expect(tx.queryAll).toBeTypeOf('function');
      // The backend's own record of the statement it is running: all three texts, at once.
      return runSteps(tx, [step('select 1 as one'), step('select 2 as two'), step('select query from pg_stat_activity where pid = pg_backend_pid()')]);
    });
    const text = String((pids[2] as { query: string }[])[0].query);
    expect(text).toContain('select 1 as one');
    expect(text).toContain('select 2 as two');
  });
});

describe('applyIfCoveredStep', () => {
  it('applies all of the transfers when every account covers its part, none of them when one does not', async () => {
    const merchant = await db.query<{ id: bigint }>(`insert into merchants (name, api_key, secret_key_sealed) values ('Covered', 'k-covered', 's') returning id`);
    const merchantId = merchant.rows[0].id;
    const [available, reserved] = await db.transaction((tx) =>
      ensureAccounts(tx, [
        { kind: 'available', currency: 'TRY', merchantId },
        { kind: 'reserved', currency: 'TRY', merchantId },
      ]),
    );
    await db.query('update accounts set balance = 500 where id = $1', [reserved]);
    const release = (amount: bigint): PostedTransfer[] => [{ id: 1n, kind: 'release', debitAccountId: reserved, creditAccountId: available, amount, currency: 'TRY', itemId: null }];
    const balances = async () => (await db.query<{ id: bigint; balance: bigint }>('select id, balance from accounts where id = any($1::int8[]) order by id', [[available, reserved]])).rows.map((r) => r.balance);

    expect(await db.transaction(async (tx) => (await runSteps(tx, [applyIfCoveredStep(release(501n))]))[0])).toBe(false);
    expect(await balances()).toEqual([0n, 500n]);
    expect(await db.transaction(async (tx) => (await runSteps(tx, [applyIfCoveredStep(release(500n))]))[0])).toBe(true);
    expect(await balances()).toEqual([500n, 0n]);
    // The plain step leaves the refusal to the CHECK: the statement fails.
    await expect(db.transaction((tx) => runSteps(tx, [applyTransfersStep(release(1n))]))).rejects.toMatchObject({ code: '23514' });
    expect(await balances()).toEqual([500n, 0n]);
  });
});

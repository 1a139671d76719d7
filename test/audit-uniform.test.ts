import { afterAll, describe, expect, it } from 'vitest';
import type { AuditContext } from '../src/audit/append.ts';
import type { UniformEvents } from '../src/audit/append-uniform.ts';
import { appendAudit, TransactionEvents } from '../src/audit/transaction-events.ts';
import { verifyAudit } from '../src/audit/verify.ts';
import type { Tx } from '../src/db/port.ts';
import { freshDb } from './support/db.ts';

const { db, drop } = await freshDb();
afterAll(drop);

function appendUniformAudit(tx: Tx, context: AuditContext, events: UniformEvents): Promise<void> {
  const collected = new TransactionEvents(context);
  collected.auditUniform(events);
  return collected.write(tx);
}

describe('uniform audit events', () => {
  it('writes the chain appendAudit would: verifyAudit recomputes every hash with eventHash', async () => {
    const context = { chainId: 41n, actor: 'merchant:k' as const, requestId: '00000000-0000-4000-8000-000000000001' };
    await db.transaction((tx) => appendAudit(tx, context, [{ action: 'batch.status', entity: 'batch:1', after: { status: 'INIT' } }]));
    const entities = ['item:a', 'item:"quoted"', 'item:back\\slash', 'item:ünïcode ✓', 'item:line\nbreak'];
    await db.transaction((tx) => appendUniformAudit(tx, context, { action: 'item.status', before: { status: 'INIT' }, after: { status: 'PROCESSING' }, entities }));
    await db.transaction((tx) => appendUniformAudit(tx, { ...context, requestId: null }, { action: 'x', before: null, after: null, entities: ['e'] }));
    await db.transaction((tx) => appendAudit(tx, context, [{ action: 'batch.status', entity: 'batch:1', after: { status: 'DONE' } }]));

    const rows = await db.query<{ seq: bigint; entity: string; before: unknown; after: unknown }>(
      'select seq, entity, before, after from audit_events where chain_id = 41 order by seq',
    );
    expect(rows.rows.map((r) => r.seq)).toEqual([1n, 2n, 3n, 4n, 5n, 6n, 7n, 8n]);
    expect(rows.rows.slice(1, 6).map((r) => r.entity)).toEqual(entities);
    expect(rows.rows[1]).toMatchObject({ before: { status: 'INIT' }, after: { status: 'PROCESSING' } });
    expect(rows.rows[6]).toMatchObject({ entity: 'e', before: null, after: null });
    expect(await verifyAudit(db)).toEqual({ ok: true, events: 8 });
  });

  it('is caught by verifyAudit when one of its events is altered', async () => {
    const context = { chainId: 42n, actor: 'system' as const };
    await db.transaction((tx) => appendUniformAudit(tx, context, { action: 'item.status', before: null, after: { status: 'SUCCESS' }, entities: ['item:1', 'item:2', 'item:3'] }));
    await db.query(`update audit_events set entity = 'item:9' where chain_id = 42 and seq = 2`);
    expect(await verifyAudit(db)).toMatchObject({ ok: false });
    // Put back, so the tests below verify a whole trail again.
    await db.query(`update audit_events set entity = 'item:2' where chain_id = 42 and seq = 2`);
    expect(await verifyAudit(db)).toMatchObject({ ok: true });
  });
});

describe('a transaction\'s events, written last', () => {
  it('hashes against the head as read before the last statement, and again when that statement moved it', async () => {
    const context = { chainId: 43n, actor: 'system' as const };
    await db.transaction((tx) => appendAudit(tx, context, [{ action: 'first', entity: 'x:1' }]));
    await db.transaction(async (tx) => {
      const collected = new TransactionEvents(context);
      collected.audit([{ action: 'one-off', entity: 'x:2' }]);
      collected.auditUniform({ action: 'many', before: null, after: { n: 1 }, entities: ['y:1', 'y:2'] });
      // The last statement itself appends to the same chain: the head read before it is stale by then.
      collected.runLast(() => appendAudit(tx, context, [{ action: 'in-between', entity: 'x:3' }]));
      await collected.write(tx);
    });
    const rows = await db.query<{ seq: bigint; action: string }>('select seq, action from audit_events where chain_id = 43 order by seq');
    expect(rows.rows.map((r) => [r.seq, r.action])).toEqual([[1n, 'first'], [2n, 'in-between'], [3n, 'one-off'], [4n, 'many'], [5n, 'many']]);
    const head = await db.query<{ last_seq: bigint }>('select last_seq from audit_heads where chain_id = 43');
    expect(head.rows[0].last_seq).toBe(5n);
    expect(await verifyAudit(db)).toMatchObject({ ok: true });
  });

  it('refuses to be written twice', async () => {
    const context = { chainId: 44n, actor: 'system' as const };
    await db.transaction(async (tx) => {
      const collected = new TransactionEvents(context);
      collected.audit([{ action: 'kept', entity: 'x:1' }]);
      await collected.write(tx);
      await expect(collected.write(tx)).rejects.toThrow(/written already/);
      expect(() => collected.audit([{ action: 'late', entity: 'x:2' }])).toThrow(/written already/);
    });
    const rows = await db.query<{ action: string }>('select action from audit_events where chain_id = 44 order by seq');
    expect(rows.rows.map((r) => r.action)).toEqual(['kept']);
  });
});

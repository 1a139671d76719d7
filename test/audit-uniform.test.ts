import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { appendAudit } from '../src/audit/append.ts';
import { appendUniformAudit } from '../src/audit/append-uniform.ts';
import { verifyAudit } from '../src/audit/verify.ts';
import type { Db } from '../src/db/port.ts';
import { freshDb } from './support/db.ts';

let db: Db;
let drop: () => Promise<void>;
beforeAll(async () => {
  ({ db, drop } = await freshDb());
});
afterAll(async () => {
  await drop?.();
});

describe('appendUniformAudit', () => {
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
  });
});

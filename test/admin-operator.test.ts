import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { httpRequest } from './support/http.ts';
import { ibanItem } from './support/items.ts';
import { retrieveBatch, startTestWorkers, submitBatch, waitUntilFinal, type TestWorkers } from './support/processing.ts';
import { expectBooksBalanced, startTestService, type TestMerchant, type TestService } from './support/service.ts';

let service: TestService;
let workers: TestWorkers;
let merchant: TestMerchant;
let requestId: string;
beforeAll(async () => {
  service = await startTestService();
  workers = startTestWorkers(service);
  merchant = await service.createMerchant({ fixed: '0.25' });
  await service.deposit(merchant, '1000');
  requestId = await submitBatch(service, merchant, [ibanItem(1, '10.00'), ibanItem(99, '20.00'), ibanItem(2, '30.00')]);
  await waitUntilFinal(service, merchant, requestId);
});
afterAll(async () => {
  await workers?.stop();
  await service?.close();
});

const operatorPaths = ['/admin/v1/ledger/trial-balance', '/admin/v1/audit', '/admin/v1/audit/verify', '/admin/v1/rails/sandbox-bank/transfers'];

describe('operator endpoints', () => {
  it('require the admin token: none, a wrong one and a merchant signature are all 401 (1010)', async () => {
    for (const path of operatorPaths) {
      const none = await httpRequest(service.url + path, 'GET');
      const wrong = await httpRequest(service.url + path, 'GET', undefined, { authorization: 'Bearer not-the-token' });
      const signed = await service.signed(merchant, 'GET', path);
      for (const response of [none, wrong, signed]) {
        expect(response.status, path).toBe(401);
        expect(response.json).toMatchObject({ status: 'failure', errorCode: '1010' });
      }
      expect((await service.admin('GET', path)).status, path).toBe(200);
    }
  });

  it('trial balance: Σ of every account per currency, as decimal strings', async () => {
    const trial = await service.admin('GET', '/admin/v1/ledger/trial-balance');
    expect(trial.json).toEqual({ balanced: true, currencies: [{ currency: 'TRY', total: '0' }] });
    // An account moved outside the ledger shows at once.
    await service.db.query(`update accounts set balance = balance + 150 where kind = 'commission_revenue' and currency = 'TRY'`);
    try {
      expect((await service.admin('GET', '/admin/v1/ledger/trial-balance')).json).toEqual({ balanced: false, currencies: [{ currency: 'TRY', total: '1.5' }] });
    } finally {
      await service.db.query(`update accounts set balance = balance - 150 where kind = 'commission_revenue' and currency = 'TRY'`);
    }
    await expectBooksBalanced(service.db);
  });

  it("audit: a batch's events in order, paged with limit and afterId", async () => {
    const all = await service.admin('GET', `/admin/v1/audit?requestId=${requestId}`);
    expect(all.status, all.text).toBe(200);
    const events = all.json.events;
    expect(all.json.nextAfterId).toBeNull();
    expect(events[0]).toMatchObject({ action: 'batch.created', entity: `batch:${requestId}`, actor: `merchant:${merchant.apiKey}`, before: null, after: { status: 'INIT' } });
    expect(events.at(-1)).toMatchObject({ action: 'batch.status', after: { status: 'COMPLETED' } });
    expect(Object.keys(events[0]).sort()).toEqual(['action', 'actor', 'after', 'at', 'before', 'entity', 'hash', 'id']);
    expect(events.every((e: any) => /^[0-9a-f]{64}$/.test(e.hash) && !Number.isNaN(Date.parse(e.at)))).toBe(true);
    const ids = events.map((e: any) => BigInt(e.id));
    expect(ids).toEqual([...ids].sort((a, b) => (a < b ? -1 : 1)));
    expect(events.some((e: any) => e.actor.startsWith('worker:'))).toBe(true);

    const paged: any[] = [];
    let afterId: string | null = null;
    for (let page = 0; page < 100; page++) {
      const response = await service.admin('GET', `/admin/v1/audit?requestId=${requestId}&limit=4${afterId ? `&afterId=${afterId}` : ''}`);
      expect(response.json.events.length).toBeLessThanOrEqual(4);
      paged.push(...response.json.events);
      afterId = response.json.nextAfterId;
      if (afterId === null) break;
    }
    expect(paged).toEqual(events);

    for (const bad of ['limit=0', 'limit=1001', 'limit=abc', 'requestId=not-a-uuid', 'afterId=-1', 'other=1']) {
      const response = await service.admin('GET', `/admin/v1/audit?${bad}`);
      expect(response.status, bad).toBe(400);
      expect(response.json.errorCode, bad).toBe('11');
    }
  });

  it("sandbox bank transfers: one row per key, the bank's own view, paged and filterable by key", async () => {
    const items = (await retrieveBatch(service, merchant, requestId)).massPayoutItems.items;
    const all = await service.admin('GET', '/admin/v1/rails/sandbox-bank/transfers');
    const byKey = Object.fromEntries(all.json.transfers.map((t: any) => [t.idempotencyKey, [t.status, t.amount, t.reason]]));
    expect(all.json.transfers).toHaveLength(3);
    expect(items.map((item: any) => byKey[item.referenceCode])).toEqual([
      ['PAID', '10', null],
      ['REJECTED', '20', 'RECIPIENT_ACCOUNT_CLOSED'],
      ['PAID', '30', null],
    ]);
    expect(all.json.transfers[0]).toMatchObject({ iban: expect.stringMatching(/^TR/), currency: 'TRY', at: expect.any(String) });

    const one = await service.admin('GET', `/admin/v1/rails/sandbox-bank/transfers?idempotencyKey=${items[1].referenceCode}`);
    expect(one.json.transfers).toHaveLength(1);
    expect(one.json.transfers[0]).toMatchObject({ idempotencyKey: items[1].referenceCode, status: 'REJECTED' });
    const first = await service.admin('GET', '/admin/v1/rails/sandbox-bank/transfers?limit=2');
    expect(first.json.transfers).toHaveLength(2);
    const rest = await service.admin('GET', `/admin/v1/rails/sandbox-bank/transfers?limit=2&afterId=${first.json.nextAfterId}`);
    expect([...first.json.transfers, ...rest.json.transfers]).toEqual(all.json.transfers);
    expect(rest.json.nextAfterId).toBeNull();
    expect((await service.admin('GET', '/admin/v1/rails/sandbox-bank/transfers?limit=100000')).status).toBe(400);
  });

  it('audit verify: ok, then the altered event is named, then ok again once it is restored', async () => {
    expect((await service.admin('GET', '/admin/v1/audit/verify')).json).toEqual({ ok: true });
    // Alter one stored event of the batch in the middle of its merchant's chain: the amount of a settlement's payouts.
    const target = await service.db.query<{ id: bigint; after: unknown }>(
      `select id, after from audit_events where request_id = $1 and action = 'ledger.transfers' and after->'kinds' ? 'payout' order by id limit 1`,
      [requestId],
    );
    const { id, after } = target.rows[0];
    await service.db.query(`update audit_events set after = jsonb_set(after, '{kinds,payout,amount}', '"1"') where id = $1`, [id]);
    try {
      expect((await service.admin('GET', '/admin/v1/audit/verify')).json).toEqual({ ok: false, firstBrokenEventId: id.toString() });
    } finally {
      await service.db.query('update audit_events set after = $2::jsonb where id = $1', [id, JSON.stringify(after)]);
    }
    expect((await service.admin('GET', '/admin/v1/audit/verify')).json).toEqual({ ok: true });
  });

  it('audit verify: a ledger transfer altered under its set event is named by that event', async () => {
    const target = await service.db.query<{ id: bigint; ids: string }>(
      `select id, after->>'ids' as ids from audit_events where request_id = $1 and action = 'ledger.transfers' and after->'kinds' ? 'payout' order by id limit 1`,
      [requestId],
    );
    const { id, ids } = target.rows[0];
    const transferId = BigInt(ids.split(/[-,]/)[0]);
    const before = await service.db.query<{ amount: bigint }>('select amount from ledger_transfers where id = $1', [transferId]);
    await service.db.query('update ledger_transfers set amount = amount + 1 where id = $1', [transferId]);
    try {
      expect((await service.admin('GET', '/admin/v1/audit/verify')).json).toEqual({ ok: false, firstBrokenEventId: id.toString() });
    } finally {
      await service.db.query('update ledger_transfers set amount = $2 where id = $1', [transferId, before.rows[0].amount]);
    }
    expect((await service.admin('GET', '/admin/v1/audit/verify')).json).toEqual({ ok: true });
  });
});

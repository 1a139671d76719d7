import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { verifyAudit } from '../src/audit/verify.ts';
import { authorizeFromApi } from '../src/payouts/approvals.ts';
import { tableQueue } from '../src/queue/table-queue.ts';
import { httpRequest } from './support/http.ts';
import { itemStories, movesOf } from './support/item-stories.ts';
import { onAuditTables, recordingDb } from './support/recording-db.ts';
import { auditCount, batchState, heldBy, ibanItem, initBatch, memberItem, reservesOf } from './support/payout-fixtures.ts';
import { expectBooksBalanced, startTestService, type TestMerchant, type TestService } from './support/service.ts';

let service: TestService;
beforeAll(async () => {
  service = await startTestService();
});
afterAll(async () => {
  await service?.close();
});

/**
 * Under commission {fixed 1.50, rate 0.01}, worked out by hand (rate part rounded half-up):
 *   100.05 → 1.50 + 1.0005 → 2.50     250.50 → 1.50 + 2.505 → 4.01     10 → 1.50 + 0.10 → 1.60
 * Valid amounts 360.55 + commissions 8.11 = 368.66 to reserve. The two invalid items reserve nothing.
 */
const mixedItems = [
  ibanItem('a', '100.05'),
  ibanItem('bad-amount', '1.234'),
  ibanItem('b', 250.5),
  memberItem('c', '12345', '10'),
  { ...ibanItem('bad-iban', '50'), recipientInfo: 'TR330006100519786457841327' },
];
const mixedReserveMinor = 36866n;
const commission = { fixed: '1.50', rate: '0.01' };

const auth = (merchant: TestMerchant, requestId: string, query?: string) =>
  service.signed(merchant, 'POST', '/v1/mass/payout/auth', { requestId }, { query });

describe('POST /v1/mass/payout/auth', () => {
  it('reserves amount + commission of the valid items only, moves them to PROCESSING and queues the batch', async () => {
    const merchant = await service.createMerchant(commission);
    await service.deposit(merchant, '1000');
    const requestId = await initBatch(service, merchant, mixedItems);

    const response = await auth(merchant, requestId);
    expect(response.status, response.text).toBe(200);
    expect(response.json).toMatchObject({ status: 'success', locale: 'tr' });
    expect(Object.keys(response.json).sort()).toEqual(['locale', 'status', 'systemTime']);

    expect(await reservesOf(service.db, requestId)).toEqual([mixedReserveMinor]);
    expect(await heldBy(service.db, merchant)).toEqual({ available: 100_000n - mixedReserveMinor, reserved: mixedReserveMinor });
    const state = await batchState(service.db, requestId);
    expect(state.status).toBe('PUBLISHED_TO_QUEUE');
    expect(state.authorizedAt).not.toBeNull();
    expect(state.items).toEqual({ PROCESSING: 3, INVALID: 2 });
    await expectBooksBalanced(service.db);
  });

  it('records the move of every valid item (one set-level event naming them) and the batch transitions, on a verifiable chain', async () => {
    const merchant = await service.createMerchant(commission);
    await service.deposit(merchant, '1000');
    const requestId = await initBatch(service, merchant, mixedItems);
    expect((await auth(merchant, requestId)).status).toBe(200);

    const items = await service.db.query<{ reference_code: string; status: string }>(`select reference_code, status from items where batch_id = $1`, [requestId]);
    const actor = `merchant:${merchant.apiKey}`;
    const events = (action: string) =>
      service.db.query<{ entity: string; actor: string; before: unknown; after: unknown }>(
        `select entity, actor, before, after from audit_events where request_id = $1 and action = $2 order by seq`,
        [requestId, action],
      );
    expect((await events('batch.status')).rows).toEqual([
      { entity: `batch:${requestId}`, actor, before: { status: 'INIT' }, after: { status: 'IN_PROGRESS' } },
      { entity: `batch:${requestId}`, actor, before: { status: 'IN_PROGRESS' }, after: { status: 'PUBLISHED_TO_QUEUE' } },
    ]);
    // One event names the three valid items (seqs 0, 2, 3), none of the two invalid ones.
    expect((await events('items.status')).rows).toEqual([
      { entity: 'items:0-3', actor, before: { status: 'INIT' }, after: { status: 'PROCESSING', items: { from: 0, to: 3, count: 3, seqs: '0,2-3' } } },
    ]);
    expect((await events('item.status')).rows).toEqual([]);
    const stories = await itemStories(service.db, requestId);
    for (const item of items.rows) {
      const expected = item.status === 'PROCESSING' ? [{ actor, action: 'item.status', before: { status: 'INIT' }, after: { status: 'PROCESSING' } }] : [];
      expect(stories.get(item.reference_code), item.reference_code).toEqual(expected);
    }
    expect(items.rows.filter((item) => item.status === 'PROCESSING')).toHaveLength(3);
    const reserve = await service.db.query<{ n: number }>(
      `select count(*)::int as n from audit_events where request_id = $1 and action = 'ledger.transfer' and after->>'kind' = 'reserve' and after->>'amount' = $2`,
      [requestId, mixedReserveMinor.toString()],
    );
    expect(reserve.rows[0].n).toBe(1);
    expect(await verifyAudit(service.db)).toMatchObject({ ok: true });
    await expectBooksBalanced(service.db);
  });

  it('moves every item of a 2,000-item batch in one go and keeps the audit chain verifiable', async () => {
    const merchant = await service.createMerchant(commission);
    await service.deposit(merchant, '100000');
    const items = Array.from({ length: 2000 }, (_, i) => ibanItem(`item-${i}`, '10.00'));
    const requestId = await initBatch(service, merchant, items);
    expect((await auth(merchant, requestId)).status).toBe(200);
    // 2,000 × (10.00 + 1.50 + 0.10) = 23,200.00
    expect(await reservesOf(service.db, requestId)).toEqual([2_320_000n]);
    expect((await batchState(service.db, requestId)).items).toEqual({ PROCESSING: 2000 });
    const stories = await itemStories(service.db, requestId);
    expect(stories.size).toBe(2000);
    for (const [code, story] of stories) expect(movesOf(story), code).toEqual(['INIT→PROCESSING']);
    // The 2,000 moves are one set-level event: the audit rows of auth do not grow with the batch.
    const setEvents = await service.db.query<{ n: number }>(`select count(*)::int as n from audit_events where request_id = $1 and action = 'items.status'`, [requestId]);
    expect(setEvents.rows[0].n).toBe(1);
    expect(await verifyAudit(service.db)).toMatchObject({ ok: true });
    await expectBooksBalanced(service.db);
  });

  it('succeeds again on a retry without reserving or recording anything twice', async () => {
    const merchant = await service.createMerchant(commission);
    await service.deposit(merchant, '1000');
    const requestId = await initBatch(service, merchant, mixedItems);
    expect((await auth(merchant, requestId)).status).toBe(200);
    const events = await auditCount(service.db, requestId);

    const retry = await auth(merchant, requestId);
    expect(retry.status, retry.text).toBe(200);
    expect(retry.json.status).toBe('success');
    expect(await reservesOf(service.db, requestId)).toEqual([mixedReserveMinor]);
    expect(await heldBy(service.db, merchant)).toEqual({ available: 100_000n - mixedReserveMinor, reserved: mixedReserveMinor });
    expect(await auditCount(service.db, requestId)).toBe(events);
    expect((await batchState(service.db, requestId)).status).toBe('PUBLISHED_TO_QUEUE');
    await expectBooksBalanced(service.db);
  });

  it('refuses with 6003 when the balance is short, leaves items and books untouched, and works after a deposit', async () => {
    const merchant = await service.createMerchant(commission);
    await service.deposit(merchant, '368.65'); // one kuruş short of 368.66
    const requestId = await initBatch(service, merchant, mixedItems);

    const refused = await auth(merchant, requestId, '?locale=en');
    expect(refused.status, refused.text).toBe(409);
    expect(refused.json).toMatchObject({ status: 'failure', errorCode: '6003', errorMessage: 'Insufficient balance', locale: 'en' });
    let state = await batchState(service.db, requestId);
    expect(state.status).toBe('INSUFFICIENT_BALANCE');
    expect(state.authorizedAt).toBeNull();
    expect(state.items).toEqual({ INIT: 3, INVALID: 2 });
    expect(await reservesOf(service.db, requestId)).toEqual([]);
    expect(await heldBy(service.db, merchant)).toEqual({ available: 36_865n, reserved: 0n });
    await expectBooksBalanced(service.db);

    const again = await auth(merchant, requestId);
    expect(again.status).toBe(409);
    expect(again.json.errorCode).toBe('6003');
    expect((await batchState(service.db, requestId)).status).toBe('INSUFFICIENT_BALANCE');

    await service.deposit(merchant, '0.01');
    const accepted = await auth(merchant, requestId);
    expect(accepted.status, accepted.text).toBe(200);
    state = await batchState(service.db, requestId);
    expect(state.status).toBe('PUBLISHED_TO_QUEUE');
    expect(state.items).toEqual({ PROCESSING: 3, INVALID: 2 });
    expect(await reservesOf(service.db, requestId)).toEqual([mixedReserveMinor]);
    expect(await heldBy(service.db, merchant)).toEqual({ available: 0n, reserved: mixedReserveMinor });
    expect(await verifyAudit(service.db)).toMatchObject({ ok: true });
    await expectBooksBalanced(service.db);
  });

  it('checks the balance in the batch currency only', async () => {
    const merchant = await service.createMerchant();
    await service.deposit(merchant, '1000', 'EUR');
    const requestId = await initBatch(service, merchant, [ibanItem('usd', '5', 'USD')]);
    const refused = await auth(merchant, requestId);
    expect(refused.status).toBe(409);
    expect(refused.json.errorCode).toBe('6003');
    await service.deposit(merchant, '5', 'USD');
    expect((await auth(merchant, requestId)).status).toBe(200);
    expect(await heldBy(service.db, merchant, 'USD')).toEqual({ available: 0n, reserved: 500n });
    expect(await heldBy(service.db, merchant, 'EUR')).toEqual({ available: 100_000n, reserved: 0n });
    await expectBooksBalanced(service.db);
  });

  it('refuses a canceled batch with 6004 and reserves nothing', async () => {
    const merchant = await service.createMerchant(commission);
    await service.deposit(merchant, '1000');
    const requestId = await initBatch(service, merchant, mixedItems);
    expect((await service.signed(merchant, 'POST', `/v1/mass/payout/cancel/${requestId}`)).status).toBe(200);

    const refused = await auth(merchant, requestId);
    expect(refused.status, refused.text).toBe(409);
    expect(refused.json).toMatchObject({ status: 'failure', errorCode: '6004', errorGroup: 'CONFLICT' });
    expect((await batchState(service.db, requestId)).status).toBe('CANCELED');
    expect(await reservesOf(service.db, requestId)).toEqual([]);
    expect(await heldBy(service.db, merchant)).toEqual({ available: 100_000n, reserved: 0n });
    await expectBooksBalanced(service.db);
  });

  it('refuses a batch without a valid item with 6005', async () => {
    const merchant = await service.createMerchant(commission);
    await service.deposit(merchant, '1000');
    const requestId = await initBatch(service, merchant, [ibanItem('x', '-1'), ibanItem('y', '0')]);
    const refused = await auth(merchant, requestId);
    expect(refused.status, refused.text).toBe(409);
    expect(refused.json.errorCode).toBe('6005');
    const state = await batchState(service.db, requestId);
    expect(state.status).toBe('INIT');
    expect(state.items).toEqual({ INVALID: 2 });
    expect(await reservesOf(service.db, requestId)).toEqual([]);
    await expectBooksBalanced(service.db);
  });

  it("answers 404 for another merchant's batch and an unknown one, changing nothing", async () => {
    const owner = await service.createMerchant(commission);
    const other = await service.createMerchant(commission);
    await service.deposit(owner, '1000');
    await service.deposit(other, '1000');
    const requestId = await initBatch(service, owner, mixedItems);
    const events = await auditCount(service.db, requestId);

    for (const [merchant, id] of [[other, requestId], [owner, randomUUID()]] as const) {
      const response = await auth(merchant, id);
      expect(response.status, response.text).toBe(404);
      expect(response.json).toMatchObject({ status: 'failure', errorCode: '6001', errorGroup: 'NOT_FOUND' });
    }
    const state = await batchState(service.db, requestId);
    expect(state.status).toBe('INIT');
    expect(state.items).toEqual({ INIT: 3, INVALID: 2 });
    expect(await reservesOf(service.db, requestId)).toEqual([]);
    expect(await heldBy(service.db, owner)).toEqual({ available: 100_000n, reserved: 0n });
    expect(await heldBy(service.db, other)).toEqual({ available: 100_000n, reserved: 0n });
    expect(await auditCount(service.db, requestId)).toBe(events);
    await expectBooksBalanced(service.db);
  });

  it('reserves once when 20 auths of one batch race', async () => {
    const merchant = await service.createMerchant(commission);
    await service.deposit(merchant, '1000');
    const requestId = await initBatch(service, merchant, mixedItems);

    const responses = await Promise.all(Array.from({ length: 20 }, () => auth(merchant, requestId)));
    expect(responses.map((r) => r.status)).toEqual(Array(20).fill(200));
    expect(await reservesOf(service.db, requestId)).toEqual([mixedReserveMinor]);
    expect(await heldBy(service.db, merchant)).toEqual({ available: 100_000n - mixedReserveMinor, reserved: mixedReserveMinor });
    const state = await batchState(service.db, requestId);
    expect(state.status).toBe('PUBLISHED_TO_QUEUE');
    expect(state.items).toEqual({ PROCESSING: 3, INVALID: 2 });
    const moves = await service.db.query<{ n: number }>(`select count(*)::int as n from audit_events where request_id = $1 and action in ('item.status', 'items.status')`, [requestId]);
    expect(moves.rows[0].n).toBe(1);
    const stories = await itemStories(service.db, requestId);
    expect([...stories.values()].map(movesOf).sort()).toEqual([[], [], ['INIT→PROCESSING'], ['INIT→PROCESSING'], ['INIT→PROCESSING']]);
    expect(await verifyAudit(service.db)).toMatchObject({ ok: true });
    await expectBooksBalanced(service.db);
  });

  it('reserves each of two batches racing for a balance that covers only one exactly once', async () => {
    const merchant = await service.createMerchant(commission);
    await service.deposit(merchant, '500');
    const first = await initBatch(service, merchant, mixedItems);
    const second = await initBatch(service, merchant, mixedItems);
    const responses = await Promise.all([auth(merchant, first), auth(merchant, second)]);
    expect(responses.map((r) => r.status).sort()).toEqual([200, 409]);
    const states = [await batchState(service.db, first), await batchState(service.db, second)].map((s) => s.status).sort();
    expect(states).toEqual(['INSUFFICIENT_BALANCE', 'PUBLISHED_TO_QUEUE']);
    expect(await heldBy(service.db, merchant)).toEqual({ available: 50_000n - mixedReserveMinor, reserved: mixedReserveMinor });
    await expectBooksBalanced(service.db);
  });

  it('rejects a malformed requestId with 400 and an unsigned call with 401', async () => {
    const merchant = await service.createMerchant();
    const malformed = await service.signed(merchant, 'POST', '/v1/mass/payout/auth', { requestId: 'not-a-uuid' });
    expect(malformed.status).toBe(400);
    expect(malformed.json.errorCode).toBe('11');
    const unknownField = await service.signed(merchant, 'POST', '/v1/mass/payout/auth', { requestId: randomUUID(), extra: 1 });
    expect(unknownField.status).toBe(400);

    await service.deposit(merchant, '1000');
    const requestId = await initBatch(service, merchant, [ibanItem('a', '1')]);
    const unsigned = await httpRequest(`${service.url}/v1/mass/payout/auth`, 'POST', JSON.stringify({ requestId }), { 'content-type': 'application/json' });
    expect(unsigned.status).toBe(401);
    expect(unsigned.json.errorCode).toBe('1009');
    expect((await batchState(service.db, requestId)).status).toBe('INIT');
    await expectBooksBalanced(service.db);
  });
});

describe('auth, counted', () => {
  it('issues the same few statements whatever the batch size, three of them on the audit tables', async () => {
    const merchant = await service.createMerchant();
    await service.deposit(merchant, '10000');
    const counts: { all: number; audit: number }[] = [];
    // The first auth of a merchant also creates its reserved account: the two after it are compared.
    for (const size of [2, 2, 200]) {
      const requestId = await initBatch(service, merchant, Array.from({ length: size }, (_, i) => ibanItem(`item-${i}`, '1.00')));
      const recording = recordingDb(service.db);
      const policy = { thresholdMinor: null, apiBatchesNeedApproval: false };
      expect(await authorizeFromApi(recording.db, tableQueue(1000), { merchantId: BigInt(merchant.merchantId), batchId: requestId, actor: `merchant:${merchant.apiKey}`, policy })).toEqual({ ok: true, authorizedNow: true });
      counts.push({ all: recording.statements.length, audit: onAuditTables(recording.statements).length });
    }
    expect(counts[2]).toEqual(counts[1]);
    expect(counts[0].all - counts[1].all).toBe(2);
    // Auth took 31 statements, 16 on the audit tables, before its events were written once, last; 17 and 5 with one group of events
    // per kind; now its events are one group (one read and one lock of the head, one insert), and a batch without invalid items reads none of them.
    expect(counts[1].audit).toBeLessThanOrEqual(3);
    expect(counts[1].all).toBeLessThanOrEqual(14);
    console.log(`auth: ${counts[1].all} statements (${counts[0].all} for a merchant's first), ${counts[1].audit} on the audit tables`);
    expect(await verifyAudit(service.db)).toMatchObject({ ok: true });
  });
});

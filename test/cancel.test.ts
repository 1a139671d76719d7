import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { verifyAudit } from '../src/audit/verify.ts';
import { httpRequest } from './support/http.ts';
import { itemStories } from './support/item-stories.ts';
import { auditCount, batchState, heldBy, ibanItem, initBatch, reservesOf } from './support/payout-fixtures.ts';
import { expectBooksBalanced, startTestService, type SignedOptions, type TestMerchant, type TestService } from './support/service.ts';

let service: TestService;
beforeAll(async () => {
  service = await startTestService();
});
afterAll(async () => {
  await service?.close();
});

const items = [ibanItem('a', '10'), ibanItem('b', '20.5'), ibanItem('bad', '0.001')];
const cancelPath = (requestId: string) => `/v1/mass/payout/cancel/${requestId}`;
/** Java and PHP clients send no body at all; the Node client sends `{}`. */
const cancel = (merchant: TestMerchant, requestId: string, body?: unknown, options?: SignedOptions) =>
  service.signed(merchant, 'POST', cancelPath(requestId), body, options);

describe('POST /v1/mass/payout/cancel/{requestId}', () => {
  it('cancels a batch before auth: batch CANCELED, INIT items MASS_PAYOUT_CANCELED, INVALID items kept, audited', async () => {
    const merchant = await service.createMerchant();
    await service.deposit(merchant, '100');
    const requestId = await initBatch(service, merchant, items);

    const response = await cancel(merchant, requestId);
    expect(response.status, response.text).toBe(200);
    expect(response.json).toMatchObject({ status: 'success', locale: 'tr' });

    const state = await batchState(service.db, requestId);
    expect(state.status).toBe('CANCELED');
    expect(state.canceledAt).not.toBeNull();
    expect(state.openCount).toBe(0);
    expect(state.items).toEqual({ MASS_PAYOUT_CANCELED: 2, INVALID: 1 });

    const codes = await service.db.query<{ reference_code: string; status: string }>(`select reference_code, status from items where batch_id = $1`, [requestId]);
    const events = await service.db.query<{ action: string; entity: string; before: unknown; after: unknown }>(
      `select action, entity, before, after from audit_events where request_id = $1 and action in ('batch.status', 'item.status', 'items.status') order by seq`,
      [requestId],
    );
    // The batch event, then one set-level event naming the two valid items (seqs 0 and 1), not the invalid one.
    expect(events.rows).toEqual([
      { action: 'batch.status', entity: `batch:${requestId}`, before: { status: 'INIT' }, after: { status: 'CANCELED' } },
      { action: 'items.status', entity: 'items:0-1', before: { status: 'INIT' }, after: { status: 'MASS_PAYOUT_CANCELED', items: { from: 0, to: 1, count: 2, seqs: '0-1' } } },
    ]);
    const stories = await itemStories(service.db, requestId);
    for (const row of codes.rows) {
      const expected = row.status === 'MASS_PAYOUT_CANCELED' ? [{ actor: `merchant:${merchant.apiKey}`, action: 'item.status', before: { status: 'INIT' }, after: { status: 'MASS_PAYOUT_CANCELED' } }] : [];
      expect(stories.get(row.reference_code), row.reference_code).toEqual(expected);
    }
    expect(await verifyAudit(service.db)).toMatchObject({ ok: true });
    expect(await heldBy(service.db, merchant)).toEqual({ available: 10_000n, reserved: 0n });
    await expectBooksBalanced(service.db);
  });

  it('accepts the bodies the official clients send: none, {} and one with locale and conversationId', async () => {
    const merchant = await service.createMerchant();
    const viaNode = await cancel(merchant, await initBatch(service, merchant, items), undefined, { rawBody: '{}' });
    expect(viaNode.status, viaNode.text).toBe(200);
    const viaPython = await cancel(merchant, await initBatch(service, merchant, items), undefined, { rawBody: 'null' });
    expect(viaPython.status, viaPython.text).toBe(200);
    const withFields = await cancel(merchant, await initBatch(service, merchant, items), { locale: 'EN', conversationId: 'conv-7' });
    expect(withFields.status, withFields.text).toBe(200);
    expect(withFields.json).toMatchObject({ status: 'success', locale: 'en', conversationId: 'conv-7' });
    const unknownField = await cancel(merchant, await initBatch(service, merchant, items), { reason: 'x' });
    expect(unknownField.status).toBe(400);
    expect(unknownField.json.errorCode).toBe('11');
    await expectBooksBalanced(service.db);
  });

  it('succeeds again on a canceled batch and changes nothing', async () => {
    const merchant = await service.createMerchant();
    const requestId = await initBatch(service, merchant, items);
    expect((await cancel(merchant, requestId)).status).toBe(200);
    const before = await batchState(service.db, requestId);
    const events = await auditCount(service.db, requestId);

    const again = await cancel(merchant, requestId, {});
    expect(again.status, again.text).toBe(200);
    expect(await batchState(service.db, requestId)).toEqual(before);
    expect(await auditCount(service.db, requestId)).toBe(events);
    await expectBooksBalanced(service.db);
  });

  it('cancels a batch refused for insufficient balance; no money was ever reserved', async () => {
    const merchant = await service.createMerchant();
    await service.deposit(merchant, '5');
    const requestId = await initBatch(service, merchant, items);
    expect((await service.signed(merchant, 'POST', '/v1/mass/payout/auth', { requestId })).json.errorCode).toBe('6003');

    expect((await cancel(merchant, requestId)).status).toBe(200);
    const state = await batchState(service.db, requestId);
    expect(state.status).toBe('CANCELED');
    expect(state.items).toEqual({ MASS_PAYOUT_CANCELED: 2, INVALID: 1 });
    expect(await heldBy(service.db, merchant)).toEqual({ available: 500n, reserved: 0n });
    // Topping up does not revive it.
    await service.deposit(merchant, '100');
    expect((await service.signed(merchant, 'POST', '/v1/mass/payout/auth', { requestId })).json.errorCode).toBe('6004');
    expect(await reservesOf(service.db, requestId)).toEqual([]);
    await expectBooksBalanced(service.db);
  });

  it('refuses after auth with 409 6006 and leaves the batch, items and reserve as they were', async () => {
    const merchant = await service.createMerchant();
    await service.deposit(merchant, '100');
    const requestId = await initBatch(service, merchant, items);
    expect((await service.signed(merchant, 'POST', '/v1/mass/payout/auth', { requestId })).status).toBe(200);
    const events = await auditCount(service.db, requestId);

    const refused = await cancel(merchant, requestId, undefined, { query: '?locale=en' });
    expect(refused.status, refused.text).toBe(409);
    expect(refused.json).toMatchObject({ status: 'failure', errorCode: '6006', errorGroup: 'CONFLICT', locale: 'en' });
    const state = await batchState(service.db, requestId);
    expect(state.status).toBe('PUBLISHED_TO_QUEUE');
    expect(state.canceledAt).toBeNull();
    expect(state.items).toEqual({ PROCESSING: 2, INVALID: 1 });
    expect(await reservesOf(service.db, requestId)).toEqual([3050n]);
    expect(await heldBy(service.db, merchant)).toEqual({ available: 6950n, reserved: 3050n });
    expect(await auditCount(service.db, requestId)).toBe(events);
    await expectBooksBalanced(service.db);
  });

  it('lets exactly one of a racing auth and cancel win', async () => {
    const merchant = await service.createMerchant();
    await service.deposit(merchant, '100');
    const requestId = await initBatch(service, merchant, items);
    const [authed, canceled] = await Promise.all([
      service.signed(merchant, 'POST', '/v1/mass/payout/auth', { requestId }),
      cancel(merchant, requestId),
    ]);
    const state = await batchState(service.db, requestId);
    if (state.status === 'CANCELED') {
      expect([canceled.status, authed.status, authed.json.errorCode]).toEqual([200, 409, '6004']);
      expect(await heldBy(service.db, merchant)).toEqual({ available: 10_000n, reserved: 0n });
    } else {
      expect(state.status).toBe('PUBLISHED_TO_QUEUE');
      expect([authed.status, canceled.status, canceled.json.errorCode]).toEqual([200, 409, '6006']);
      expect(await heldBy(service.db, merchant)).toEqual({ available: 6950n, reserved: 3050n });
    }
    await expectBooksBalanced(service.db);
  });

  it("answers 404 for another merchant's batch and an unknown one, changing nothing", async () => {
    const owner = await service.createMerchant();
    const other = await service.createMerchant();
    const requestId = await initBatch(service, owner, items);
    const events = await auditCount(service.db, requestId);
    for (const [merchant, id] of [[other, requestId], [owner, randomUUID()]] as const) {
      const response = await cancel(merchant, id);
      expect(response.status, response.text).toBe(404);
      expect(response.json).toMatchObject({ status: 'failure', errorCode: '6001' });
    }
    const state = await batchState(service.db, requestId);
    expect(state.status).toBe('INIT');
    expect(state.items).toEqual({ INIT: 2, INVALID: 1 });
    expect(await auditCount(service.db, requestId)).toBe(events);
    await expectBooksBalanced(service.db);
  });

  it('rejects a malformed requestId with 400 and an unsigned or badly signed call with 401', async () => {
    const merchant = await service.createMerchant();
    const malformed = await cancel(merchant, 'not-a-uuid');
    expect(malformed.status).toBe(400);
    expect(malformed.json.errorCode).toBe('11');

    const requestId = await initBatch(service, merchant, items);
    const unsigned = await httpRequest(service.url + cancelPath(requestId), 'POST');
    expect(unsigned.status).toBe(401);
    expect(unsigned.json.errorCode).toBe('1009');
    const wrongKey = await cancel({ ...merchant, secretKey: 'not-the-secret' }, requestId);
    expect(wrongKey.status).toBe(401);
    expect(wrongKey.json.errorCode).toBe('1000');
    expect((await batchState(service.db, requestId)).status).toBe('INIT');
    await expectBooksBalanced(service.db);
  });
});

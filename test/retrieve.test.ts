import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { startTestService, type TestMerchant, type TestService } from './support/service.ts';
import { ibanItem } from './support/items.ts';
import { pythonJson, sendRaw } from './support/wire-styles.ts';

const retrievePath = '/v1/mass/payout/retrieve';
const invalidAt = new Set([3, 7, 20]);

let service: TestService;
let merchant: TestMerchant;
let other: TestMerchant;
let requestId: string;
let otherRequestId: string;

/** 25 items, item i pays i + 1 lira; items 3, 7 and 20 have a zero amount (INVALID). */
function batchItems() {
  return Array.from({ length: 25 }, (_, i) => (invalidAt.has(i) ? ibanItem(i, 0) : ibanItem(i, `${i + 1}.00`)));
}

function retrieve(body: Record<string, unknown>, options: { query?: string; as?: TestMerchant } = {}) {
  return service.signed(options.as ?? merchant, 'POST', retrievePath, body, { query: options.query });
}

const externalIdsOf = (response: { json: { massPayoutItems: { items: { itemExternalId: string }[] } } }) =>
  response.json.massPayoutItems.items.map((item) => item.itemExternalId);

beforeAll(async () => {
  service = await startTestService();
  merchant = await service.createMerchant({ fixed: '1.50', rate: '0.01' });
  other = await service.createMerchant();
  const mine = await service.signed(merchant, 'POST', '/v1/mass/payout/init', { externalId: 'retrieve-1', items: batchItems() });
  expect(mine.status, mine.text).toBe(200);
  requestId = mine.json.requestId;
  const theirs = await service.signed(other, 'POST', '/v1/mass/payout/init', { externalId: 'theirs-1', items: [ibanItem(1)] });
  expect(theirs.status, theirs.text).toBe(200);
  otherRequestId = theirs.json.requestId;
});
afterAll(() => service?.close());

describe('POST /v1/mass/payout/retrieve', () => {
  test('answers the batch and the first page of its items in submission order', async () => {
    const response = await retrieve({ requestId, page: 0, size: 10, conversationId: 'c-9' });
    expect(response.status, response.text).toBe(200);
    expect(response.json).toMatchObject({ status: 'success', locale: 'tr', conversationId: 'c-9', page: 0, size: 10, total: 25 });
    expect(response.json.massPayoutItems).toMatchObject({ page: 0, size: 10, total: 25 });
    expect(externalIdsOf(response)).toEqual(Array.from({ length: 10 }, (_, i) => `item-${i}`));

    const batch = response.json.massPayout;
    // Σ of the valid items: (1 + … + 25) − (4 + 8 + 21) lira.
    expect(batch).toEqual({
      requestId,
      externalId: 'retrieve-1',
      merchantId: merchant.merchantId,
      massPayoutStatus: 'INIT',
      currency: 'TRY',
      totalAmount: 325 - 33,
      totalSuccessfulAmount: 0,
      totalCommissionAmount: 0,
      itemCount: 25,
      receivedDate: expect.stringMatching(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/),
      completedDate: null,
      canceledDate: null,
      itemStatusCounts: { INVALID: 3, INIT: 22, MASS_PAYOUT_CANCELED: 0, PROCESSING: 0, QUEUED: 0, SUCCESS: 0, FAILED: 0, DEPOSIT_SUCCESS: 0, DEPOSIT_FAIL: 0 },
    });
    expect(Math.abs(Date.parse(batch.receivedDate) - Date.now())).toBeLessThan(10 * 60_000);

    const [first] = response.json.massPayoutItems.items;
    expect(first).toEqual({
      itemExternalId: 'item-0',
      referenceCode: expect.stringMatching(/^[0-9a-f-]{36}$/),
      massPayoutRequestId: requestId,
      recipientType: 'IBAN',
      recipientInfo: ibanItem(0).recipientInfo,
      recipientName: 'Recipient 0',
      description: 'payout 0',
      itemStatus: 'INIT',
      errorMessages: [],
      errorMessage: null,
      totalAmount: 1,
      sentAmount: null,
      // 1.50 + 1 % of 1.00
      commissionAmount: 1.51,
      currencyCode: 'TRY',
      // Set by the ISO 20022 bank rail only: a bank's reason code, a return after success.
      bankReasonCode: null,
      returnedAmount: null,
      returnedDate: null,
      returnReason: null,
    });
  });

  test('pages through every item exactly once; beyond the last page is empty', async () => {
    const seen: string[] = [];
    for (let page = 0; page < 3; page++) {
      const response = await retrieve({ requestId, page, size: 10 });
      expect(response.json).toMatchObject({ page, size: 10, total: 25 });
      seen.push(...externalIdsOf(response));
    }
    expect(seen).toEqual(Array.from({ length: 25 }, (_, i) => `item-${i}`));
    const beyond = await retrieve({ requestId, page: 3, size: 10 });
    expect(beyond.status).toBe(200);
    expect(beyond.json.massPayoutItems).toEqual({ items: [], page: 3, size: 10, total: 25 });
    const all = await retrieve({ requestId, page: 0, size: 1000 });
    expect(externalIdsOf(all)).toEqual(seen);
  });

  test('itemType filters VALID or INVALID items, still in submission order', async () => {
    const valid = await retrieve({ requestId, page: 0, size: 5, itemType: 'VALID' });
    expect(valid.json).toMatchObject({ total: 22, massPayoutItems: { total: 22 } });
    expect(externalIdsOf(valid)).toEqual(['item-0', 'item-1', 'item-2', 'item-4', 'item-5']);
    const lastValid = await retrieve({ requestId, page: 4, size: 5, itemType: 'VALID' });
    expect(externalIdsOf(lastValid)).toEqual(['item-23', 'item-24']);

    const invalid = await retrieve({ requestId, page: 0, size: 10, itemType: 'INVALID' }, { query: '?locale=en' });
    expect(invalid.json).toMatchObject({ total: 3, massPayoutItems: { total: 3 } });
    expect(externalIdsOf(invalid)).toEqual(['item-3', 'item-7', 'item-20']);
    for (const item of invalid.json.massPayoutItems.items) {
      expect(item).toMatchObject({
        itemStatus: 'INVALID',
        errorMessages: ['The amount must be greater than zero with at most two fraction digits'],
        errorMessage: 'The amount must be greater than zero with at most two fraction digits',
        totalAmount: 0,
        commissionAmount: 0,
      });
    }
  });

  test('itemStatuses (a masspayout extension) selects by status on the service: pages and total count only what it selects', async () => {
    const invalid = await retrieve({ requestId, page: 0, size: 2, itemStatuses: ['INVALID'] });
    expect(invalid.status, invalid.text).toBe(200);
    expect(externalIdsOf(invalid)).toEqual(['item-3', 'item-7']);
    expect(invalid.json).toMatchObject({ page: 0, size: 2, total: 3 });
    const second = await retrieve({ requestId, page: 1, size: 2, itemStatuses: ['INVALID'] });
    expect(externalIdsOf(second)).toEqual(['item-20']);
    const both = await retrieve({ requestId, page: 0, size: 100, itemStatuses: ['INIT', 'INVALID'] });
    expect(both.json.total).toBe(25);
    // With itemType, an item must pass both.
    const none = await retrieve({ requestId, page: 0, size: 100, itemType: 'VALID', itemStatuses: ['INVALID'] });
    expect(none.json).toMatchObject({ total: 0, massPayoutItems: { items: [] } });
    const paid = await retrieve({ requestId, page: 0, size: 100, itemStatuses: ['SUCCESS', 'DEPOSIT_SUCCESS'] });
    expect(paid.json).toMatchObject({ total: 0, massPayoutItems: { items: [] } });
    // The batch itself is the same whatever the filter.
    expect(paid.json.massPayout).toEqual(invalid.json.massPayout);
  });

  test('finds the batch by externalMassPayoutId, or by both keys when they agree', async () => {
    const byExternal = await retrieve({ externalMassPayoutId: 'retrieve-1', page: 0, size: 1 });
    expect(byExternal.status, byExternal.text).toBe(200);
    expect(byExternal.json.massPayout.requestId).toBe(requestId);
    const byBoth = await retrieve({ requestId, externalMassPayoutId: 'retrieve-1', page: 0, size: 1 });
    expect(byBoth.json.massPayout.requestId).toBe(requestId);
  });

  test('two keys naming different batches find nothing', async () => {
    const second = await service.signed(merchant, 'POST', '/v1/mass/payout/init', { externalId: 'retrieve-2', items: [ibanItem(1)] });
    const response = await retrieve({ requestId, externalMassPayoutId: 'retrieve-2', page: 0, size: 1 });
    expect(response.status, response.text).toBe(404);
    expect(response.json).toMatchObject({ status: 'failure', errorCode: '6001' });
    const own = await retrieve({ requestId: second.json.requestId, externalMassPayoutId: 'retrieve-2', page: 0, size: 1 });
    expect(own.status).toBe(200);
  });

  test("another merchant's batch is not found, by requestId or by externalId", async () => {
    for (const body of [
      { requestId: otherRequestId, page: 0, size: 10 },
      { externalMassPayoutId: 'theirs-1', page: 0, size: 10 },
      { requestId: otherRequestId, externalMassPayoutId: 'theirs-1', page: 0, size: 10 },
    ]) {
      const response = await retrieve(body, { query: '?locale=en' });
      expect(response.status, response.text).toBe(404);
      expect(response.json).toMatchObject({ status: 'failure', errorCode: '6001', errorMessage: 'Mass payout not found' });
      expect(response.text).not.toContain('theirs-1');
      expect(response.json.massPayout).toBeUndefined();
    }
    // ...and the other merchant sees its own, never this merchant's.
    const theirs = await retrieve({ requestId: otherRequestId, page: 0, size: 10 }, { as: other });
    expect(theirs.json.massPayout.externalId).toBe('theirs-1');
    const mineForThem = await retrieve({ requestId, page: 0, size: 10 }, { as: other });
    expect(mineForThem.status).toBe(404);
  });

  test('an unknown requestId is not found', async () => {
    const response = await retrieve({ requestId: randomUUID(), page: 0, size: 10 });
    expect(response.status).toBe(404);
    expect(response.json.errorCode).toBe('6001');
  });

  test.each([
    ['neither key', { page: 0, size: 10 }],
    ['size 0', { requestId: 'REQ', page: 0, size: 0 }],
    ['size 1001', { requestId: 'REQ', page: 0, size: 1001 }],
    ['page -1', { requestId: 'REQ', page: -1, size: 10 }],
    ['size "0"', { requestId: 'REQ', page: '0', size: '0' }],
    ['size "1001"', { requestId: 'REQ', page: '0', size: '1001' }],
    ['page "-1"', { requestId: 'REQ', page: '-1', size: '10' }],
    ['page "1.5"', { requestId: 'REQ', page: '1.5', size: '10' }],
    ['page "1e3"', { requestId: 'REQ', page: '1e3', size: '10' }],
    ['page " 1"', { requestId: 'REQ', page: ' 1', size: '10' }],
    ['page ""', { requestId: 'REQ', page: '', size: '10' }],
    ['page null', { requestId: 'REQ', page: null, size: 10 }],
    ['page true', { requestId: 'REQ', page: true, size: 10 }],
    ['page 1.5', { requestId: 'REQ', page: 1.5, size: 10 }],
    ['itemType as a number', { requestId: 'REQ', page: 0, size: 10, itemType: 1 }],
    ['itemType unknown', { requestId: 'REQ', page: 0, size: 10, itemType: 'ALL' }],
    ['requestId not a UUID', { requestId: 'not-a-uuid', page: 0, size: 10 }],
    ['itemStatuses empty', { requestId: 'REQ', page: 0, size: 10, itemStatuses: [] }],
    ['itemStatuses not a list', { requestId: 'REQ', page: 0, size: 10, itemStatuses: 'INVALID' }],
    ['itemStatuses with an unknown status', { requestId: 'REQ', page: 0, size: 10, itemStatuses: ['PAID'] }],
    ['an unknown field', { requestId: 'REQ', page: 0, size: 10, sort: 'desc' }],
  ])('a bad request is a 400: %s', async (_name, body) => {
    const withId = Object.fromEntries(Object.entries(body).map(([k, v]) => [k, v === 'REQ' ? requestId : v]));
    const response = await retrieve(withId);
    expect(response.status, response.text).toBe(400);
    expect(response.json).toMatchObject({ status: 'failure', errorCode: '11' });
  });

  test('a NUL in externalMassPayoutId is a 400 with the invalid-characters code, before it reaches SQL', async () => {
    const response = await retrieve({ externalMassPayoutId: 'retrieve\u0000', page: 0, size: 10 });
    expect(response.status, response.text).toBe(400);
    expect(response.json).toMatchObject({ status: 'failure', errorCode: '21' });
  });

  test('page and size as digit strings, as the Python and PHP clients send them, are read as numbers', async () => {
    const python = await sendRaw(service.url, merchant, { method: 'POST', path: retrievePath, body: pythonJson({ requestId, page: '1', size: '10' }) });
    expect(python.status, python.text).toBe(200);
    expect(python.json).toMatchObject({ page: 1, size: 10, total: 25 });
    expect(externalIdsOf(python)).toEqual(Array.from({ length: 10 }, (_, i) => `item-${i + 10}`));
    // The PHP client's JSON of the same request: numbers as strings too, compact.
    const php = await sendRaw(service.url, merchant, { method: 'POST', path: retrievePath, body: JSON.stringify({ requestId, page: '2', size: '10', itemType: 'VALID' }) });
    expect(php.json).toMatchObject({ status: 'success', page: 2, size: 10, total: 22 });
  });

  test('page and size left out (a Java caller leaving them null): the first page of 100 items', async () => {
    const response = await retrieve({ requestId });
    expect(response.status, response.text).toBe(200);
    expect(response.json).toMatchObject({ page: 0, size: 100, total: 25 });
    expect(externalIdsOf(response)).toHaveLength(25);
    expect((await retrieve({ requestId, size: 5 })).json).toMatchObject({ page: 0, size: 5 });
    expect(externalIdsOf(await retrieve({ requestId, page: 4, size: 5 }))).toEqual(['item-20', 'item-21', 'item-22', 'item-23', 'item-24']);
  });

  test('a canceled batch shows its status and canceledDate', async () => {
    const created = await service.signed(merchant, 'POST', '/v1/mass/payout/init', { externalId: 'retrieve-cancel', items: [ibanItem(1), ibanItem(2, 0)] });
    const canceled = await service.signed(merchant, 'POST', `/v1/mass/payout/cancel/${created.json.requestId}`, {});
    expect(canceled.status, canceled.text).toBe(200);
    const response = await retrieve({ requestId: created.json.requestId, page: 0, size: 10 });
    expect(response.json.massPayout).toMatchObject({ massPayoutStatus: 'CANCELED', canceledDate: expect.stringMatching(/Z$/), completedDate: null });
    expect(response.json.massPayoutItems.items.map((item: { itemStatus: string }) => item.itemStatus)).toEqual(['MASS_PAYOUT_CANCELED', 'INVALID']);
  });
});

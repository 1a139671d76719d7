import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { startTestService, type TestMerchant, type TestService } from './support/service.ts';
import { ibanItem, phoneItem } from './support/items.ts';

const itemPath = (referenceCode: string) => `/v1/mass/payout/retrieve/items/${referenceCode}`;

let service: TestService;
let merchant: TestMerchant;
let other: TestMerchant;
let requestId: string;
let validCode: string;
let invalidCode: string;

beforeAll(async () => {
  service = await startTestService();
  merchant = await service.createMerchant({ fixed: '0.75', rate: '0.005' });
  other = await service.createMerchant();
  const items = [
    { ...phoneItem(1, '250.10'), recipientName: 'Mehmet Kaya', description: 'bonus' },
    // Invalid for two reasons: no recipientName for an IBAN, and three fraction digits.
    { ...ibanItem(2), recipientName: undefined, amount: { value: '1.001', currency: 'TRY' } },
  ];
  const created = await service.signed(merchant, 'POST', '/v1/mass/payout/init', { externalId: 'item-batch', items });
  expect(created.status, created.text).toBe(200);
  requestId = created.json.requestId;
  const listed = await service.signed(merchant, 'POST', '/v1/mass/payout/retrieve', { requestId, page: 0, size: 10 });
  [validCode, invalidCode] = listed.json.massPayoutItems.items.map((item: { referenceCode: string }) => item.referenceCode);
});
afterAll(() => service?.close());

describe('GET /v1/mass/payout/retrieve/items/{referenceCode}', () => {
  test('answers a valid item with its amount and commission', async () => {
    const response = await service.signed(merchant, 'GET', itemPath(validCode), {});
    expect(response.status, response.text).toBe(200);
    expect(response.json).toMatchObject({ status: 'success', locale: 'tr' });
    expect(response.json.item).toEqual({
      itemExternalId: 'item-1',
      referenceCode: validCode,
      massPayoutRequestId: requestId,
      recipientType: 'PHONE',
      recipientInfo: '+905550000001',
      recipientName: 'Mehmet Kaya',
      description: 'bonus',
      itemStatus: 'INIT',
      errorMessages: [],
      errorMessage: null,
      totalAmount: 250.1,
      sentAmount: null,
      // 0.75 + 0.5 % of 250.10 = 0.75 + 1.2505 → 0.75 + 1.25 = 2.00
      commissionAmount: 2,
      currencyCode: 'TRY',
      // Set by the ISO 20022 bank rail only: a bank's reason code, a return after success.
      bankReasonCode: null,
      returnedAmount: null,
      returnedDate: null,
      returnReason: null,
    });
  });

  test('answers an invalid item with every reason in the locale, the first as errorMessage', async () => {
    const tr = await service.signed(merchant, 'GET', itemPath(invalidCode), {});
    expect(tr.json.item).toMatchObject({
      itemExternalId: 'item-2',
      itemStatus: 'INVALID',
      recipientName: null,
      errorMessages: ['IBAN ödemelerinde alıcı adı zorunludur', 'Tutar sıfırdan büyük ve en fazla iki ondalık basamaklı olmalıdır'],
      errorMessage: 'IBAN ödemelerinde alıcı adı zorunludur',
      // The amount it was sent with, not 0: what to fix.
      totalAmount: 1.001,
      sentAmount: '1.001',
      commissionAmount: 0,
    });
    const en = await service.signed(merchant, 'GET', itemPath(invalidCode), {}, { query: '?locale=en' });
    expect(en.json.locale).toBe('en');
    expect(en.json.item.errorMessages).toEqual(['recipientName is required for IBAN payouts', 'The amount must be greater than zero with at most two fraction digits']);
    expect(en.json.item.errorMessage).toBe('recipientName is required for IBAN payouts');
  });

  test('an INVALID item keeps the amount it was sent with: a number as its JSON text, a string as is', async () => {
    const sent: Array<[unknown, number, string | null]> = [
      [1.234, 1.234, '1.234'],
      [-5, -5, '-5'],
      [0, 0, '0'],
      ['-0.5', -0.5, '-0.5'],
      ['abc', 0, 'abc'],
      ['1,5', 0, '1,5'],
      ['x'.repeat(100), 0, 'x'.repeat(64)],
      [null, 0, null],
      [{ n: 1 }, 0, null],
    ];
    const items = sent.map(([value], i) => ({ ...ibanItem(10 + i), amount: { value, currency: 'TRY' } }));
    const created = await service.signed(merchant, 'POST', '/v1/mass/payout/init', { externalId: 'item-amounts', items });
    expect(created.status, created.text).toBe(200);
    const listed = await service.signed(merchant, 'POST', '/v1/mass/payout/retrieve', { requestId: created.json.requestId, page: 0, size: 20 });
    const shown = listed.json.massPayoutItems.items.map((item: any) => [item.itemStatus, item.totalAmount, item.sentAmount]);
    expect(shown).toEqual(sent.map(([, total, text]) => ['INVALID', total, text]));
    const one = await service.signed(merchant, 'GET', itemPath(listed.json.massPayoutItems.items[1].referenceCode));
    expect(one.json.item).toMatchObject({ totalAmount: -5, sentAmount: '-5' });
    // Valid items keep none: their amount is totalAmount.
    expect((await service.db.query(`select count(*)::int as n from items where status <> 'INVALID' and amount_sent is not null`)).rows[0].n).toBe(0);
  });

  test('works whatever body the client sends with its GET: {}, null or none', async () => {
    for (const rawBody of ['{}', 'null', undefined]) {
      const response = await service.signed(merchant, 'GET', itemPath(validCode), undefined, { rawBody });
      expect(response.status, `${rawBody}: ${response.text}`).toBe(200);
      expect(response.json.item.referenceCode).toBe(validCode);
    }
  });

  test("another merchant's item is not found and nothing of it is shown", async () => {
    const response = await service.signed(other, 'GET', itemPath(validCode), {}, { query: '?locale=en' });
    expect(response.status, response.text).toBe(404);
    expect(response.json).toMatchObject({ status: 'failure', errorCode: '6007', errorMessage: 'Payout item not found' });
    expect(response.json.item).toBeUndefined();
    expect(response.text).not.toContain('+905550000001');
  });

  test('an unknown reference code is not found; a malformed one is a bad request', async () => {
    const unknown = await service.signed(merchant, 'GET', itemPath(randomUUID()), {});
    expect(unknown.status).toBe(404);
    expect(unknown.json.errorCode).toBe('6007');
    const malformed = await service.signed(merchant, 'GET', itemPath('not-a-uuid'), {});
    expect(malformed.status, malformed.text).toBe(400);
    expect(malformed.json.errorCode).toBe('11');
  });

  test('an unsigned request is refused', async () => {
    const response = await fetch(service.url + itemPath(validCode));
    expect(response.status).toBe(401);
    expect((await response.json()).errorCode).toBe('1009');
  });
});

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { iyzipayMassPayout, type MassPayoutClient } from './support/iyzipay-mass-payout.ts';
import { expectBooksBalanced, startTestService, type TestMerchant, type TestService } from './support/service.ts';

/**
 * The official `iyzipay` npm client, pointed at masspayout: init → retrieve → item → auth → balance,
 * and cancel, with nothing changed in the client's signing or transport.
 */
const iban = 'TR330006100519786457841326';

let service: TestService;
let merchant: TestMerchant;
let client: MassPayoutClient;

beforeAll(async () => {
  service = await startTestService();
  merchant = await service.createMerchant({ fixed: '1.00', rate: '0.01' });
  await service.deposit(merchant, '10000.00');
  client = iyzipayMassPayout({ uri: service.url, apiKey: merchant.apiKey, secretKey: merchant.secretKey });
});
afterAll(async () => {
  await service?.close();
});

const items = [
  { itemExternalId: 'salary-1', recipientType: 'IBAN', recipientInfo: iban, recipientName: 'Ayşe Yılmaz', description: 'June salary', amount: { value: 1500.5, currency: 'TRY' } },
  { itemExternalId: 'salary-2', recipientType: 'IBAN', recipientInfo: iban, recipientName: 'Mehmet Kaya', amount: { value: '250', currency: 'TRY' } },
  { itemExternalId: 'salary-3', recipientType: 'IBAN', recipientInfo: 'TR000000000000000000000000', recipientName: 'Wrong Iban', amount: { value: 10, currency: 'TRY' } },
];

describe('the official iyzipay client', () => {
  let requestId: string;

  it('init: creates the batch, reports the invalid item in the locale of ?locale=en', async () => {
    const result = await client.init({ locale: 'en', conversationId: 'conv-iyzipay-1', externalId: 'payroll-2024-06', purpose: 'SALARY', items });
    expect(result).toMatchObject({ status: 'success', locale: 'en', conversationId: 'conv-iyzipay-1' });
    expect(result.requestId).toMatch(/^[0-9a-f-]{36}$/);
    expect(result.invalidItems).toEqual([{ externalId: 'salary-3', errorCode: '6104', errorMessage: 'The IBAN is invalid' }]);
    requestId = result.requestId;

    // The same request again: the same requestId, nothing new.
    const again = await client.init({ locale: 'en', conversationId: 'conv-iyzipay-1', externalId: 'payroll-2024-06', purpose: 'SALARY', items });
    expect(again.requestId).toBe(requestId);
  });

  it('retrieve and retrieveItem: the batch, its items in order, one item by reference code', async () => {
    const result = await client.retrieve({ requestId, page: 0, size: 10 });
    expect(result).toMatchObject({ status: 'success', locale: 'tr', page: 0, size: 10, total: 3 });
    expect(result.massPayout).toMatchObject({ requestId, externalId: 'payroll-2024-06', massPayoutStatus: 'INIT', currency: 'TRY', totalAmount: 1750.5, itemCount: 3 });
    expect(result.massPayoutItems.items.map((i: any) => [i.itemExternalId, i.itemStatus])).toEqual([
      ['salary-1', 'INIT'],
      ['salary-2', 'INIT'],
      ['salary-3', 'INVALID'],
    ]);
    const invalidOnly = await client.retrieve({ locale: 'en', requestId, page: 0, size: 10, itemType: 'INVALID' });
    expect(invalidOnly.massPayoutItems.items.map((i: any) => i.errorMessage)).toEqual(['The IBAN is invalid']);

    const first = result.massPayoutItems.items[0];
    const item = await client.retrieveItem({ referenceCode: first.referenceCode });
    expect(item.item).toMatchObject({
      itemExternalId: 'salary-1',
      referenceCode: first.referenceCode,
      massPayoutRequestId: requestId,
      recipientName: 'Ayşe Yılmaz',
      totalAmount: 1500.5,
      // 1.00 + 1 % of 1500.50 = 16.005 → 16.01, half-up.
      commissionAmount: 16.01,
      currencyCode: 'TRY',
    });
  });

  it('auth: reserves the valid items with their commission; a retry succeeds and reserves nothing more', async () => {
    expect(await client.auth({ conversationId: 'conv-auth', requestId })).toMatchObject({ status: 'success', conversationId: 'conv-auth' });
    // 1500.50 + 16.01 + 250.00 + (1.00 + 2.50) = 1770.01 reserved; 10000 − 1770.01 available.
    const balance = await client.balance({});
    expect(balance).toMatchObject({ status: 'success', balance: '8229.99', balances: [{ currency: 'TRY', available: '8229.99', reserved: '1770.01' }] });
    expect(await client.auth({ requestId })).toMatchObject({ status: 'success' });
    expect((await client.balance({ locale: 'en' })).balance).toBe('8229.99');
    const after = await client.retrieve({ requestId, page: 0, size: 10, itemType: 'VALID' });
    expect(after.massPayout.massPayoutStatus).not.toBe('INIT');
    expect(after.massPayoutItems.items.every((i: any) => i.itemStatus !== 'INIT')).toBe(true);
    await expectBooksBalanced(service.db);
  });

  it('cancel: before auth it cancels; after auth it is refused in the asked language', async () => {
    const other = await client.init({ externalId: 'payroll-canceled', items: items.slice(0, 1) });
    expect(await client.cancel({ requestId: other.requestId })).toMatchObject({ status: 'success' });
    const canceled = await client.retrieve({ requestId: other.requestId, page: 0, size: 1 });
    expect(canceled.massPayout.massPayoutStatus).toBe('CANCELED');
    expect(canceled.massPayoutItems.items[0].itemStatus).toBe('MASS_PAYOUT_CANCELED');

    expect(await client.cancel({ locale: 'en', requestId })).toMatchObject({ status: 'failure', errorCode: '6006', errorGroup: 'CONFLICT', locale: 'en' });
    expect(await client.cancel({ requestId })).toMatchObject({ status: 'failure', errorCode: '6006', errorMessage: 'Toplu ödeme onaylanmış, iptal edilemez' });
  });

  it('failures come back as the iyzico failure envelope', async () => {
    const unknown = await client.auth({ locale: 'en', requestId: '00000000-0000-4000-8000-000000000000' });
    expect(unknown).toEqual({ status: 'failure', errorCode: '6001', errorGroup: 'NOT_FOUND', errorMessage: 'Mass payout not found', locale: 'en', systemTime: expect.any(Number) });
    const wrongKey = iyzipayMassPayout({ uri: service.url, apiKey: merchant.apiKey, secretKey: 'not-the-secret' });
    expect(await wrongKey.balance({})).toMatchObject({ status: 'failure', errorCode: '1000' });
  });
});

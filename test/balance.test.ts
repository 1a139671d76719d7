import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { httpRequest } from './support/http.ts';
import { ibanItem, initBatch } from './support/payout-fixtures.ts';
import { expectBooksBalanced, startTestService, type SignedOptions, type TestMerchant, type TestService } from './support/service.ts';

let service: TestService;
beforeAll(async () => {
  service = await startTestService();
});
afterAll(async () => {
  await service?.close();
});

const balancePath = '/v1/mass/payout/balance';
const balance = (merchant: TestMerchant, options?: SignedOptions) => service.signed(merchant, 'GET', balancePath, undefined, options);

describe('GET /v1/mass/payout/balance', () => {
  it('is "0" with no currency held for a new merchant', async () => {
    const merchant = await service.createMerchant();
    const response = await balance(merchant);
    expect(response.status, response.text).toBe(200);
    expect(response.json).toMatchObject({ status: 'success', locale: 'tr', balance: '0', balances: [] });
    expect(typeof response.json.systemTime).toBe('number');
    await expectBooksBalanced(service.db);
  });

  it('shows the available TRY as a decimal string without trailing zeros', async () => {
    const merchant = await service.createMerchant();
    await service.deposit(merchant, '25399393.50');
    const response = await balance(merchant);
    expect(response.status).toBe(200);
    expect(response.json.balance).toBe('25399393.5');
    expect(response.json.balances).toEqual([{ currency: 'TRY', available: '25399393.5', reserved: '0' }]);
    await expectBooksBalanced(service.db);
  });

  it('lists every currency held, with what auth reserved, while balance stays the TRY figure', async () => {
    const merchant = await service.createMerchant({ fixed: '1.50', rate: '0.01' });
    await service.deposit(merchant, '1000.00');
    await service.deposit(merchant, '12.34', 'USD');
    await service.deposit(merchant, '7', 'EUR');
    // 100.05 + 1.50 + 1.00 (1 % of 100.05, rounded half-up) = 102.55 reserved
    const requestId = await initBatch(service, merchant, [ibanItem('a', '100.05')]);
    expect((await service.signed(merchant, 'POST', '/v1/mass/payout/auth', { requestId })).status).toBe(200);

    const response = await balance(merchant);
    expect(response.status, response.text).toBe(200);
    expect(response.json.balance).toBe('897.45');
    expect(response.json.balances).toEqual([
      { currency: 'EUR', available: '7', reserved: '0' },
      { currency: 'TRY', available: '897.45', reserved: '102.55' },
      { currency: 'USD', available: '12.34', reserved: '0' },
    ]);
    await expectBooksBalanced(service.db);
  });

  it("is \"0\" for a merchant holding only other currencies", async () => {
    const merchant = await service.createMerchant();
    await service.deposit(merchant, '3', 'USD');
    const response = await balance(merchant);
    expect(response.json.balance).toBe('0');
    expect(response.json.balances).toEqual([{ currency: 'USD', available: '3', reserved: '0' }]);
    await expectBooksBalanced(service.db);
  });

  it("shows only the caller's own money", async () => {
    const rich = await service.createMerchant();
    const poor = await service.createMerchant();
    await service.deposit(rich, '5000');
    const response = await balance(poor);
    expect(response.json).toMatchObject({ balance: '0', balances: [] });
    expect((await balance(rich)).json.balance).toBe('5000');
    await expectBooksBalanced(service.db);
  });

  it('answers the GET bodies the official clients sign: none (Java, PHP, .NET), {} (Node), null (Python)', async () => {
    const merchant = await service.createMerchant();
    await service.deposit(merchant, '1.5');
    for (const rawBody of [undefined, '{}', 'null']) {
      const response = await balance(merchant, rawBody === undefined ? {} : { rawBody });
      expect(response.status, `${rawBody}: ${response.text}`).toBe(200);
      expect(response.json.balance).toBe('1.5');
    }
    await expectBooksBalanced(service.db);
  });

  it('speaks the locale asked for and refuses unsigned or badly signed calls', async () => {
    const merchant = await service.createMerchant();
    expect((await balance(merchant, { query: '?locale=en' })).json.locale).toBe('en');
    const unsigned = await httpRequest(service.url + balancePath, 'GET');
    expect(unsigned.status).toBe(401);
    expect(unsigned.json).toMatchObject({ status: 'failure', errorCode: '1009' });
    const wrongKey = await balance({ ...merchant, secretKey: 'wrong' }, { query: '?locale=en' });
    expect(wrongKey.status).toBe(401);
    expect(wrongKey.json).toMatchObject({ errorCode: '1000', errorMessage: 'Invalid signature', locale: 'en' });
    await expectBooksBalanced(service.db);
  });
});

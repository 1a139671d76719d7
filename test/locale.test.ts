import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { httpStatusOf, type ApiErrorName } from '../src/api/errors.ts';
import { errors, type ErrorName } from '../src/errors.ts';
import { httpRequest } from './support/http.ts';
import { startTestService, type TestMerchant, type TestService } from './support/service.ts';
import { sendRaw } from './support/wire-styles.ts';

/** The language of messages (the README's Errors section): `?locale=` or `"locale"` in the body, any case, default tr. */
describe('the error catalogue', () => {
  const entries = Object.entries(errors);

  it.each(entries)('%s has a Turkish and an English message', (_name, entry) => {
    expect(entry.tr.trim().length).toBeGreaterThan(0);
    expect(entry.en.trim().length).toBeGreaterThan(0);
    expect(entry.tr).toBe(entry.tr.trim());
    expect(entry.en).toBe(entry.en.trim());
    // A translation, not a copy.
    expect(entry.tr).not.toBe(entry.en);
  });

  it('has unique digit codes, statuses a client can act on, and a group for each', () => {
    const codes = entries.map(([, e]) => e.code);
    expect(new Set(codes).size).toBe(codes.length);
    for (const [name, entry] of entries) {
      expect(entry.code, name).toMatch(/^[0-9]+$/);
      expect(entry.group, name).toMatch(/^[A-Z_]+$/);
      const itemReason = entry.group === 'INVALID_ITEM' || entry.group === 'PAYOUT_FAILED';
      // Item reasons are stored with items (6[1-2]xx), never a request's answer.
      expect(itemReason, name).toBe(/^6[12]\d\d$/.test(entry.code));
      if (!itemReason) expect([400, 401, 403, 404, 405, 408, 409, 413, 414, 415, 423, 429, 431, 500, 503], name).toContain(httpStatusOf(name as ApiErrorName));
    }
  });

  it("keeps iyzico's own codes", () => {
    const expected: [ApiErrorName, string, number][] = [
      ['INVALID_SIGNATURE', '1000', 401],
      ['AUTHORIZATION_REQUIRED', '1009', 401],
      ['INVALID_REQUEST', '11', 400],
      ['SYSTEM_ERROR', '1', 500],
    ];
    for (const [name, code, status] of expected) {
      expect(errors[name satisfies ErrorName].code).toBe(code);
      expect(httpStatusOf(name)).toBe(status);
    }
  });
});

describe('locale on the wire', () => {
  let service: TestService;
  let merchant: TestMerchant;
  const unknownBatch = '00000000-0000-4000-8000-000000000000';
  const auth = (query: string, body: Record<string, unknown> = {}) =>
    sendRaw(service.url, merchant, { method: 'POST', path: '/v1/mass/payout/auth', query, body: JSON.stringify({ requestId: unknownBatch, ...body }) });

  beforeAll(async () => {
    service = await startTestService();
    merchant = await service.createMerchant();
  });
  afterAll(async () => {
    await service?.close();
  });

  it.each([
    ['', 'tr', errors.MASS_PAYOUT_NOT_FOUND.tr],
    ['?locale=tr', 'tr', errors.MASS_PAYOUT_NOT_FOUND.tr],
    ['?locale=en', 'en', errors.MASS_PAYOUT_NOT_FOUND.en],
    ['?locale=EN', 'en', errors.MASS_PAYOUT_NOT_FOUND.en],
    ['?locale=En', 'en', errors.MASS_PAYOUT_NOT_FOUND.en],
    ['?locale=TR', 'tr', errors.MASS_PAYOUT_NOT_FOUND.tr],
    ['?locale=de', 'tr', errors.MASS_PAYOUT_NOT_FOUND.tr],
  ])('query %j → %s', async (query, locale, message) => {
    const response = await auth(query);
    expect(response.status).toBe(404);
    expect(response.json).toMatchObject({ errorCode: '6001', locale, errorMessage: message });
  });

  it.each([
    ['EN', 'en'],
    ['en', 'en'],
    ['TR', 'tr'],
  ])('body "locale": %j (the Java client) → %s', async (value, locale) => {
    const response = await auth('', { locale: value });
    expect(response.json).toMatchObject({ errorCode: '6001', locale, errorMessage: errors.MASS_PAYOUT_NOT_FOUND[locale as 'tr' | 'en'] });
  });

  it('the query wins over the body', async () => {
    expect((await auth('?locale=tr', { locale: 'EN' })).json.locale).toBe('tr');
    expect((await auth('?locale=en', { locale: 'TR' })).json.locale).toBe('en');
  });

  it('success envelopes carry the locale too', async () => {
    const balance = await service.signed(merchant, 'GET', '/v1/mass/payout/balance', undefined, { query: '?locale=EN' });
    expect(balance.json).toMatchObject({ status: 'success', locale: 'en' });
    expect((await service.signed(merchant, 'GET', '/v1/mass/payout/balance')).json.locale).toBe('tr');
  });

  it('refusals once the body is read, but before it is parsed, still speak the body locale', async () => {
    const body = JSON.stringify({ locale: 'EN', requestId: unknownBatch });
    const forged = await sendRaw(service.url, merchant, { method: 'POST', path: '/v1/mass/payout/auth', body, secretKey: 'wrong' });
    expect(forged.json).toMatchObject({ errorCode: '1000', locale: 'en', errorMessage: 'Invalid signature' });
    // A request with no usable Authorization header waits for a small body before it is refused, so
    // the body's locale counts too; the query still wins.
    const unsigned = await httpRequest(`${service.url}/v1/mass/payout/auth`, 'POST', body, { 'content-type': 'application/json' });
    expect(unsigned.json).toMatchObject({ errorCode: '1009', locale: 'en', errorMessage: errors.AUTHORIZATION_REQUIRED.en });
    const unsignedTr = await httpRequest(`${service.url}/v1/mass/payout/auth?locale=tr`, 'POST', body, { 'content-type': 'application/json' });
    expect(unsignedTr.json).toMatchObject({ errorCode: '1009', locale: 'tr', errorMessage: errors.AUTHORIZATION_REQUIRED.tr });
    const malformed = await sendRaw(service.url, merchant, { method: 'POST', path: '/v1/mass/payout/auth', body: '{"locale":"EN", "requestId": ' });
    expect(malformed.json).toMatchObject({ errorCode: '12', locale: 'en', errorMessage: errors.MALFORMED_JSON.en });
  });

  it('item reasons follow the locale: invalidItems at init and errorMessages on retrieve', async () => {
    const items = [{ itemExternalId: 'bad-phone', recipientType: 'PHONE', recipientInfo: '05551112233', amount: { value: 10, currency: 'TRY' } }];
    const inEnglish = await service.signed(merchant, 'POST', '/v1/mass/payout/init', { locale: 'EN', externalId: 'locale-1', items });
    expect(inEnglish.json.invalidItems).toEqual([{ externalId: 'bad-phone', errorCode: errors.PHONE_INVALID.code, errorMessage: errors.PHONE_INVALID.en }]);
    const requestId = inEnglish.json.requestId;
    const tr = await service.signed(merchant, 'POST', '/v1/mass/payout/retrieve', { requestId, page: 0, size: 1 });
    expect(tr.json.massPayoutItems.items[0]).toMatchObject({ errorMessages: [errors.PHONE_INVALID.tr], errorMessage: errors.PHONE_INVALID.tr });
    const en = await service.signed(merchant, 'POST', '/v1/mass/payout/retrieve', { requestId, page: 0, size: 1 }, { query: '?locale=en' });
    expect(en.json.massPayoutItems.items[0]).toMatchObject({ errorMessages: [errors.PHONE_INVALID.en] });
  });

  it('unknown routes and admin routes follow ?locale= as well', async () => {
    const missing = await httpRequest(`${service.url}/v1/mass/payout/nothing-here?locale=en`, 'GET');
    expect(missing.json).toMatchObject({ status: 'failure', errorCode: '10', locale: 'en', errorMessage: errors.NOT_FOUND.en });
    const admin = await service.admin('POST', '/admin/v1/merchants?locale=EN', { name: '' });
    expect(admin.json).toMatchObject({ errorCode: '11', locale: 'en' });
    expect(admin.json.errorMessage.startsWith(errors.INVALID_REQUEST.en)).toBe(true);
  });
});

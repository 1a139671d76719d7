import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { errors } from '../src/errors.ts';
import { configFromEnv } from '../src/config.ts';
import { limits } from '../src/limits.ts';
import { formatDecimal } from '../src/money.ts';
import { authorizationHeader } from '../src/signing/iyzws.ts';
import { httpRequest } from './support/http.ts';
import { rawExchange } from './support/raw-http.ts';
import { rowCounts, storedTables } from './support/rows.ts';
import { expectBooksBalanced, startTestService, type TestMerchant, type TestService } from './support/service.ts';

/**
 * The edge against what no honest client sends: every refusal is the failure envelope with a
 * catalogue code and a 4xx (never fastify's own JSON, never a 500), and changes nothing stored.
 */
const iban = 'TR330006100519786457841326';
const domainTables = storedTables.filter((t) => t !== 'seen_random_keys');

let service: TestService;
let merchant: TestMerchant;

beforeAll(async () => {
  service = await startTestService();
  merchant = await service.createMerchant();
  await service.deposit(merchant, '1000');
});
afterAll(async () => {
  await service?.close();
});

function expectEnvelope(answer: { status: number; json: any; body?: string; text?: string }, status: number, code: string): void {
  expect(answer.status, answer.body ?? answer.text).toBe(status);
  expect(answer.json).toMatchObject({ status: 'failure', errorCode: code, errorMessage: expect.any(String), locale: expect.any(String) });
}

const item = (itemExternalId: string, extra: Record<string, unknown> = {}) => ({
  itemExternalId,
  recipientType: 'IBAN',
  recipientInfo: iban,
  recipientName: 'Ayşe Yılmaz',
  amount: { value: 10, currency: 'TRY' },
  ...extra,
});

describe('framework errors in the envelope', () => {
  it('a URL that does not decode → 400 code 18', async () => {
    const answer = await rawExchange(service.url, 'GET /v1/mass/payout/retrieve/items/%E0%A4%A HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n');
    expectEnvelope(answer, 400, errors.MALFORMED_URL.code);
  });

  it('a path parameter past its length → 414 code 19', async () => {
    const answer = await httpRequest(`${service.url}/v1/mass/payout/retrieve/items/${'a'.repeat(500)}`, 'GET');
    expectEnvelope(answer, 414, errors.URI_TOO_LONG.code);
  });

  it('headers past their size → 431 code 20, and the next request is served', async () => {
    const answer = await rawExchange(service.url, `GET /healthz HTTP/1.1\r\nHost: x\r\nX-Big: ${'a'.repeat(20_000)}\r\n\r\n`);
    expectEnvelope(answer, 431, errors.HEADERS_TOO_LARGE.code);
    expect(answer.headers['cache-control']).toBe('no-store');
    expect((await httpRequest(`${service.url}/healthz`, 'GET')).status).toBe(200);
  });

  it('garbage instead of HTTP → 400 code 11', async () => {
    const answer = await rawExchange(service.url, 'HELLO\x00WORLD\r\n\r\n');
    expectEnvelope(answer, 400, errors.INVALID_REQUEST.code);
  });

  it(`headers that never finish → 408 code 16 within ~${limits.headersTimeoutMs / 1000} s`, { timeout: 60_000 }, async () => {
    const answer = await rawExchange(service.url, 'GET /healthz HTTP/1.1\r\nHost: x\r\nX-Slow: ', limits.headersTimeoutMs + 20_000);
    expectEnvelope(answer, 408, errors.REQUEST_TIMEOUT.code);
  });

  it('answers carry Cache-Control: no-store and X-Content-Type-Options: nosniff', async () => {
    for (const path of ['/healthz', '/v1/mass/payout/balance', '/nowhere']) {
      const answer = await httpRequest(service.url + path, 'GET');
      expect(answer.headers['cache-control'], path).toBe('no-store');
      expect(answer.headers['x-content-type-options'], path).toBe('nosniff');
    }
  });
});

describe('NUL bytes and lone surrogates never reach SQL', () => {
  it('a NUL in the apiKey of the Authorization header → 401 code 1000', async () => {
    const before = await rowCounts(service.db, domainTables);
    const token = Buffer.from(`apiKey:${merchant.apiKey}\u0000x&randomKey:abc&signature:${'0'.repeat(64)}`).toString('base64');
    const answer = await httpRequest(`${service.url}/v1/mass/payout/balance`, 'GET', undefined, { authorization: `IYZWSv2 ${token}` });
    expectEnvelope(answer, 401, errors.INVALID_SIGNATURE.code);
    expect(await rowCounts(service.db, domainTables)).toEqual(before);
  });

  it('a NUL in a correctly signed randomKey → 401 code 1000', async () => {
    const randomKey = 'abc\u0000def';
    const path = '/v1/mass/payout/balance';
    const authorization = authorizationHeader(merchant.apiKey, merchant.secretKey, randomKey, path, '');
    const answer = await httpRequest(service.url + path, 'GET', undefined, { authorization });
    expectEnvelope(answer, 401, errors.INVALID_SIGNATURE.code);
  });

  it('a NUL or a lone surrogate in a request-level body string → 400 code 21; a valid pair is fine', async () => {
    const before = await rowCounts(service.db, domainTables);
    for (const externalId of ['a\\u0000b', '\\ud800', 'x\\udc00', '\\uD83D\\u0041']) {
      const rawBody = `{"externalId":"${externalId}","items":[${JSON.stringify(item('i1'))}]}`;
      const answer = await service.signed(merchant, 'POST', '/v1/mass/payout/init', undefined, { rawBody });
      expectEnvelope(answer, 400, errors.INVALID_CHARACTERS.code);
    }
    expect(await rowCounts(service.db, domainTables)).toEqual(before);
    const pair = await service.signed(merchant, 'POST', '/v1/mass/payout/init', undefined, {
      rawBody: `{"externalId":"emoji-\\ud83d\\ude00","items":[${JSON.stringify(item('i1', { description: 'a \\\\u0000 that is text' }))}]}`,
    });
    expect(pair.status, pair.text).toBe(200);
  });

  it('merchant and member names with NUL or a lone surrogate → 400 code 21', async () => {
    const before = await rowCounts(service.db, domainTables);
    for (const name of ['Bad\\u0000Name', 'Bad\\ud800']) {
      const merchantAnswer = await httpRequest(`${service.url}/admin/v1/merchants`, 'POST', `{"name":"${name}"}`, {
        authorization: `Bearer ${service.adminToken}`,
        'content-type': 'application/json',
      });
      expectEnvelope(merchantAnswer, 400, errors.INVALID_CHARACTERS.code);
      const memberAnswer = await httpRequest(`${service.url}/admin/v1/members`, 'POST', `{"memberId":"77","name":"${name}"}`, {
        authorization: `Bearer ${service.adminToken}`,
        'content-type': 'application/json',
      });
      expectEnvelope(memberAnswer, 400, errors.INVALID_CHARACTERS.code);
    }
    expect(await rowCounts(service.db, domainTables)).toEqual(before);
  });

  it('a NUL in a query or path parameter → 400 code 21', async () => {
    const bank = await service.admin('GET', '/admin/v1/rails/sandbox-bank/transfers?idempotencyKey=%00');
    expectEnvelope(bank, 400, errors.INVALID_CHARACTERS.code);
    const itemAnswer = await service.signed(merchant, 'GET', '/v1/mass/payout/retrieve/items/%00');
    expect(itemAnswer.status).toBeLessThan(500);
    expect(itemAnswer.json.status).toBe('failure');
  });

  it('items nested thousands of levels deep → 400 code 22', async () => {
    const deep = `${'['.repeat(4100)}${']'.repeat(4100)}`;
    const rawBody = `{"externalId":"deep","items":[{"itemExternalId":"x","extra":${deep}}]}`;
    const answer = await service.signed(merchant, 'POST', '/v1/mass/payout/init', undefined, { rawBody });
    expectEnvelope(answer, 400, errors.NESTING_TOO_DEEP.code);
  });
});

describe('upper bounds on money an operator enters', () => {
  it(`a deposit above ${formatDecimal(limits.depositAmountMinorMax)} → 400 code 7031, nothing moves`, async () => {
    const before = await rowCounts(service.db, domainTables);
    const answer = await service.admin('POST', `/admin/v1/merchants/${merchant.merchantId}/deposits`, { amount: '999999999999999.99', currency: 'TRY' });
    expectEnvelope(answer, 400, errors.DEPOSIT_TOO_LARGE.code);
    expect(await rowCounts(service.db, domainTables)).toEqual(before);
  });

  it(`deposits that would take a balance above ${formatDecimal(limits.balanceMinorMax)} → 409 code 7032; a retried key is still answered as a replay`, async () => {
    const rich = await service.createMerchant();
    const max = formatDecimal(limits.depositAmountMinorMax);
    const deposits = Number(limits.balanceMinorMax / limits.depositAmountMinorMax);
    // The balance goes up to its bound exactly, one deposit at a time, the last one with a key.
    for (let i = 0; i < deposits - 1; i++) expect((await service.admin('POST', `/admin/v1/merchants/${rich.merchantId}/deposits`, { amount: max, currency: 'USD' })).status).toBe(201);
    const keyed = (amount: string, key: string) =>
      httpRequest(`${service.url}/admin/v1/merchants/${rich.merchantId}/deposits`, 'POST', JSON.stringify({ amount, currency: 'USD' }), {
        authorization: `Bearer ${service.adminToken}`,
        'content-type': 'application/json',
        'idempotency-key': key,
      });
    expect((await keyed(max, 'last')).status).toBe(201);
    const before = await rowCounts(service.db, domainTables);
    expectEnvelope(await keyed('0.01', 'one-more'), 409, errors.BALANCE_LIMIT_EXCEEDED.code);
    expect(await rowCounts(service.db, domainTables)).toEqual(before);
    expect((await keyed(max, 'last')).status).toBe(201);
    expect(await rowCounts(service.db, domainTables)).toEqual(before);
    await expectBooksBalanced(service.db);
  });

  it(`a fixed commission above ${formatDecimal(limits.commissionFixedMinorMax)} → 400 code 7033; at the bound, init and retrieve work`, async () => {
    const refused = await service.admin('POST', '/admin/v1/merchants', { name: 'Greedy', commission: { fixed: '999999999999999.99' } });
    expectEnvelope(refused, 400, errors.COMMISSION_TOO_LARGE.code);
    const greedy = await service.createMerchant({ fixed: formatDecimal(limits.commissionFixedMinorMax), rate: '1' });
    const init = await service.signed(greedy, 'POST', '/v1/mass/payout/init', {
      externalId: 'greedy',
      items: Array.from({ length: 50 }, (_, i) => item(`g${i}`, { amount: { value: formatDecimal(limits.itemAmountMinorMax), currency: 'TRY' } })),
    });
    expect(init.status, init.text).toBe(200);
    const retrieve = await service.signed(greedy, 'POST', '/v1/mass/payout/retrieve', { requestId: init.json.requestId, page: 0, size: 10 });
    expect(retrieve.status, retrieve.text).toBe(200);
  });
});

describe('rate limit per merchant', () => {
  let limited: TestService;
  beforeAll(async () => {
    limited = await startTestService({ edge: { ...configFromEnv({}).edge, rateLimit: { perSecond: 1, burst: 3 } } });
  });
  afterAll(async () => {
    await limited?.close();
  });

  it('past its burst a merchant gets 429 code 15 with Retry-After; another merchant and admin are not limited', async () => {
    const first = await limited.createMerchant();
    const second = await limited.createMerchant();
    const answers = [];
    for (let i = 0; i < 6; i++) answers.push(await limited.signed(first, 'GET', '/v1/mass/payout/balance'));
    const refused = answers.filter((a) => a.status === 429);
    // A second may pass while the loop runs: at least two of the six are over a burst of three.
    expect(refused.length).toBeGreaterThanOrEqual(2);
    expectEnvelope(refused[0], 429, errors.RATE_LIMITED.code);
    expect(Number(refused[0].headers['retry-after'])).toBeGreaterThanOrEqual(1);
    expect((await limited.signed(second, 'GET', '/v1/mass/payout/balance')).status).toBe(200);
    for (let i = 0; i < 10; i++) expect((await limited.admin('GET', '/admin/v1/ledger/trial-balance')).status).toBe(200);
  });

  it('a wrong signature does not spend the merchant\'s allowance', async () => {
    const victim = await limited.createMerchant();
    for (let i = 0; i < 10; i++) {
      const answer = await limited.signed({ ...victim, secretKey: randomBytes(16).toString('hex') }, 'GET', '/v1/mass/payout/balance');
      expect(answer.status).toBe(401);
    }
    expect((await limited.signed(victim, 'GET', '/v1/mass/payout/balance')).status).toBe(200);
  });
});

import http from 'node:http';
import { Writable } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { errors } from '../src/errors.ts';
import { limits } from '../src/limits.ts';
import { authorizationHeader } from '../src/signing/iyzws.ts';
import { freshDb } from './support/db.ts';
import { httpRequest, type HttpResponse } from './support/http.ts';
import { rowCounts, storedTables } from './support/rows.ts';
import { startTestService, type TestMerchant, type TestService } from './support/service.ts';
import { sendRaw } from './support/wire-styles.ts';

/**
 * A client's mistake is a 4xx failure envelope, stores nothing and leaves the process serving; a
 * fault of ours is a 500 that says nothing about the inside, and is logged.
 */
const initBodyBytesMax = 200_000;
const itemsPerBatchMax = 20;
const iban = 'TR330006100519786457841326';
const uuid = '00000000-0000-4000-8000-000000000000';
// A signed request spends its random key before the body is looked at (replay protection), so
// seen_random_keys grows; every table that holds what a request asks for must not.
const domainTables = storedTables.filter((t) => t !== 'seen_random_keys');

let service: TestService;
let merchant: TestMerchant;
let requestId: string;
let referenceCode: string;

beforeAll(async () => {
  service = await startTestService({ requestBodyBytesMax: initBodyBytesMax, itemsPerBatchMax });
  merchant = await service.createMerchant();
  await service.deposit(merchant, '1000');
  const init = await service.signed(merchant, 'POST', '/v1/mass/payout/init', { externalId: 'existing', items: [item('a')] });
  requestId = init.json.requestId;
  referenceCode = (await service.signed(merchant, 'POST', '/v1/mass/payout/retrieve', { requestId, page: 0, size: 1 })).json.massPayoutItems.items[0].referenceCode;
});
afterAll(async () => {
  await service?.close();
});

function item(itemExternalId: string, extra: Record<string, unknown> = {}) {
  return { itemExternalId, recipientType: 'IBAN', recipientInfo: iban, recipientName: 'Ayşe Yılmaz', amount: { value: 10, currency: 'TRY' }, ...extra };
}

const signedRaw = (method: string, path: string, body: string | undefined, contentType?: string) =>
  sendRaw(service.url, merchant, { method, path, body, ...(contentType ? { contentType } : {}) });

/** A failure envelope with this status and code, nothing stored, and the process still serving. */
async function expectClientError(send: () => Promise<HttpResponse>, status: number, code: string): Promise<HttpResponse> {
  const before = await rowCounts(service.db, domainTables);
  const response = await send();
  expect(response.status, response.text).toBe(status);
  expect(response.json).toMatchObject({ status: 'failure', errorCode: code, locale: 'tr', systemTime: expect.any(Number) });
  expect(response.json.errorMessage.startsWith(Object.values(errors).find((e) => e.code === code)!.tr), response.text).toBe(true);
  expect(await rowCounts(service.db, domainTables)).toEqual(before);
  expect((await httpRequest(`${service.url}/healthz`, 'GET')).status).toBe(200);
  return response;
}

describe('malformed and mistyped bodies', () => {
  it.each([
    ['cut-off JSON', '{"externalId":"x","items":['],
    ['a trailing comma', '{"requestId":"' + uuid + '",}'],
    ['single quotes', "{'requestId':'" + uuid + "'}"],
    ['not JSON at all', 'requestId=' + uuid],
    ['a bare word', 'undefined'],
    ['bytes that are not UTF-8 JSON', '\u0000\u0001\u0002'],
  ])('%s → 400 code 12', async (_case, body) => {
    await expectClientError(() => signedRaw('POST', '/v1/mass/payout/auth', body), 400, '12');
  });

  it('a form content type carrying junk is malformed JSON, not a 415 or a 500', async () => {
    await expectClientError(() => signedRaw('POST', '/v1/mass/payout/auth', 'a=b&c=d', 'application/x-www-form-urlencoded'), 400, '12');
  });

  it.each([
    ['an array body', '/v1/mass/payout/init', '[]'],
    ['a string body', '/v1/mass/payout/init', '"init"'],
    ['a number body', '/v1/mass/payout/auth', '42'],
    ['a null body on init', '/v1/mass/payout/init', 'null'],
    ['no body on init', '/v1/mass/payout/init', undefined],
    ['externalId of the wrong type', '/v1/mass/payout/init', JSON.stringify({ externalId: 42, items: [item('a')] })],
    ['items that is not an array', '/v1/mass/payout/init', JSON.stringify({ externalId: 'x', items: { a: 1 } })],
    ['no externalId', '/v1/mass/payout/init', JSON.stringify({ items: [item('a')] })],
    ['an empty externalId', '/v1/mass/payout/init', JSON.stringify({ externalId: '', items: [item('a')] })],
    ['an unknown purpose', '/v1/mass/payout/init', JSON.stringify({ externalId: 'x', purpose: 'BRIBES', items: [item('a')] })],
    ['an unknown top-level field on init', '/v1/mass/payout/init', JSON.stringify({ externalId: 'x', items: [item('a')], callbackUrl: 'http://x' })],
    ['a __proto__ key', '/v1/mass/payout/auth', `{"requestId":"${uuid}","__proto__":{"admin":true}}`],
    ['an unknown field on auth', '/v1/mass/payout/auth', JSON.stringify({ requestId, force: true })],
    ['a requestId that is not a UUID', '/v1/mass/payout/auth', JSON.stringify({ requestId: 'abc' })],
    ['a requestId that is a number', '/v1/mass/payout/auth', JSON.stringify({ requestId: 12345 })],
    ['no requestId', '/v1/mass/payout/auth', JSON.stringify({})],
    ['a conversationId of the wrong type', '/v1/mass/payout/auth', JSON.stringify({ requestId, conversationId: { a: 1 } })],
    ['a page size over 1000', '/v1/mass/payout/retrieve', JSON.stringify({ requestId, page: 0, size: 1001 })],
    ['a page size of 0', '/v1/mass/payout/retrieve', JSON.stringify({ requestId, page: 0, size: 0 })],
    ['a negative page', '/v1/mass/payout/retrieve', JSON.stringify({ requestId, page: -1, size: 10 })],
    ['a fractional page', '/v1/mass/payout/retrieve', JSON.stringify({ requestId, page: 0.5, size: 10 })],
    ['a page given as a string', '/v1/mass/payout/retrieve', JSON.stringify({ requestId, page: '0', size: 10 })],
    ['no page', '/v1/mass/payout/retrieve', JSON.stringify({ requestId, size: 10 })],
    ['an unknown itemType', '/v1/mass/payout/retrieve', JSON.stringify({ requestId, page: 0, size: 10, itemType: 'ALL' })],
    ['neither requestId nor externalMassPayoutId', '/v1/mass/payout/retrieve', JSON.stringify({ page: 0, size: 10 })],
    ['a retrieve requestId that is not a UUID', '/v1/mass/payout/retrieve', JSON.stringify({ requestId: 'not-a-uuid', page: 0, size: 10 })],
  ])('%s → 400 code 11', async (_case, path, body) => {
    await expectClientError(() => signedRaw('POST', path, body), 400, '11');
  });

  it.each([
    ['cancel', 'POST', '/v1/mass/payout/cancel/not-a-uuid'],
    ['cancel with an SQL-looking id', 'POST', "/v1/mass/payout/cancel/1'%20or%20'1'='1"],
    ['item detail', 'GET', '/v1/mass/payout/retrieve/items/12345'],
  ])('a %s path id that is not a UUID → 400 code 11', async (_case, method, path) => {
    await expectClientError(() => signedRaw(method, path, undefined), 400, '11');
  });

  it('a locale query value that is too long → 400', async () => {
    await expectClientError(() => sendRaw(service.url, merchant, { method: 'GET', path: '/v1/mass/payout/balance', query: `?locale=${'x'.repeat(100)}` }), 400, '11');
  });

  it('an unknown query parameter → 400', async () => {
    await expectClientError(() => sendRaw(service.url, merchant, { method: 'GET', path: '/v1/mass/payout/balance', query: '?debug=1' }), 400, '11');
  });

  it('an empty item list → 400 code 6009; more items than the limit → 400 code 6008', async () => {
    await expectClientError(() => signedRaw('POST', '/v1/mass/payout/init', JSON.stringify({ externalId: 'empty', items: [] })), 400, errors.NO_ITEMS.code);
    const tooMany = Array.from({ length: itemsPerBatchMax + 1 }, (_, i) => item(`i-${i}`));
    await expectClientError(() => signedRaw('POST', '/v1/mass/payout/init', JSON.stringify({ externalId: 'too-many', items: tooMany })), 400, errors.TOO_MANY_ITEMS.code);
  });

  it('a JSON nesting bomb → 400 code 22, and the process keeps serving', async () => {
    const depth = 20_000;
    const body = `{"requestId":${'['.repeat(depth)}${']'.repeat(depth)}}`;
    await expectClientError(() => signedRaw('POST', '/v1/mass/payout/auth', body), 400, errors.NESTING_TOO_DEEP.code);
  });
});

describe('huge strings', () => {
  it.each([
    ['externalId', { externalId: 'x'.repeat(10_000), items: [item('a')] }],
    ['conversationId', { externalId: 'huge-conv', conversationId: 'c'.repeat(10_000), items: [item('a')] }],
    ['locale', { externalId: 'huge-locale', locale: 'e'.repeat(10_000), items: [item('a')] }],
  ])('a 10,000-character %s on init → 400', async (_case, body) => {
    await expectClientError(() => signedRaw('POST', '/v1/mass/payout/init', JSON.stringify(body)), 400, '11');
  });

  it('huge strings inside an item make that item INVALID, and are never stored whole', async () => {
    const huge = 'y'.repeat(20_000);
    const response = await service.signed(merchant, 'POST', '/v1/mass/payout/init', {
      externalId: 'huge-item-fields',
      items: [item('ok'), item(huge), item('long-name', { recipientName: huge }), item('long-description', { description: huge }), item('long-info', { recipientInfo: huge })],
    });
    expect(response.status, response.text).toBe(200);
    expect(response.json.invalidItems.map((i: any) => i.errorCode)).toEqual([errors.ITEM_EXTERNAL_ID_INVALID.code, errors.RECIPIENT_NAME_TOO_LONG.code, errors.DESCRIPTION_TOO_LONG.code, errors.IBAN_INVALID.code]);
    const longest = await service.db.query<{ n: number }>(
      `select max(greatest(length(item_external_id), length(recipient_info), coalesce(length(recipient_name), 0), coalesce(length(description), 0)))::int as n
       from items where batch_id = $1`,
      [response.json.requestId],
    );
    expect(longest.rows[0].n).toBeLessThanOrEqual(limits.descriptionCharsMax);
  });
});

describe('oversize bodies', () => {
  it('init over its own limit → 413, nothing stored', async () => {
    const items = Array.from({ length: itemsPerBatchMax }, (_, i) => item(`big-${i}`, { description: 'd'.repeat(250) }));
    const body = JSON.stringify({ externalId: 'oversize', conversationId: 'p'.repeat(100), items, padding: 'x'.repeat(initBodyBytesMax) });
    expect(Buffer.byteLength(body)).toBeGreaterThan(initBodyBytesMax);
    await expectClientError(() => signedRaw('POST', '/v1/mass/payout/init', body), 413, '13');
  });

  it('init under its limit but over 64 KiB is accepted: the large limit is init’s alone', async () => {
    const items = Array.from({ length: itemsPerBatchMax }, (_, i) => item(`large-${i}`, { description: 'd'.repeat(250), recipientName: 'n'.repeat(120) }));
    const body = JSON.stringify({ externalId: 'large-but-fine', items }) + ' '.repeat(70_000);
    expect(Buffer.byteLength(body)).toBeGreaterThan(limits.smallBodyBytesMax);
    expect(Buffer.byteLength(body)).toBeLessThan(initBodyBytesMax);
    const response = await signedRaw('POST', '/v1/mass/payout/init', body);
    expect(response.status, response.text).toBe(200);
  });

  it.each([
    ['auth', 'POST', '/v1/mass/payout/auth'],
    ['retrieve', 'POST', '/v1/mass/payout/retrieve'],
    ['cancel', 'POST', `/v1/mass/payout/cancel/${uuid}`],
    ['balance', 'GET', '/v1/mass/payout/balance'],
  ])('%s over 64 KiB → 413', async (_case, method, path) => {
    const body = JSON.stringify({ requestId: uuid, conversationId: 'x'.repeat(limits.smallBodyBytesMax) });
    await expectClientError(() => signedRaw(method, path, body), 413, '13');
  });

  it('an admin route over 64 KiB → 413 (and without the token, 401 before the body is read)', async () => {
    const body = { name: 'x'.repeat(limits.smallBodyBytesMax) };
    await expectClientError(() => service.admin('POST', '/admin/v1/merchants', body), 413, '13');
    await expectClientError(() => httpRequest(`${service.url}/admin/v1/merchants`, 'POST', JSON.stringify(body), { 'content-type': 'application/json' }), 401, '1010');
  });

  it('a chunked body with no Content-Length is cut off at the limit too', async () => {
    const before = await rowCounts(service.db, domainTables);
    // Signed, so that it gets past the check on arrival to the reading of the body.
    const chunk = 'x'.repeat(1024);
    const authorization = authorizationHeader(merchant.apiKey, merchant.secretKey, `rk-chunked-${Date.now()}`, '/v1/mass/payout/auth', chunk.repeat(100));
    const response = await chunkedPost(`${service.url}/v1/mass/payout/auth`, chunk, 100, { authorization });
    expect(response.status, response.text).toBe(413);
    expect(response.json).toMatchObject({ status: 'failure', errorCode: '13' });
    expect(await rowCounts(service.db, domainTables)).toEqual(before);
    expect((await httpRequest(`${service.url}/healthz`, 'GET')).status).toBe(200);
  });
});

describe('routes and methods that do not exist', () => {
  it.each([
    ['an unknown route', 'GET', '/v1/mass/payout/nothing'],
    ['an unknown top-level path', 'POST', '/wp-login.php'],
    ['an unknown path below a known one', 'GET', '/v1/mass/payout/retrieve/items/a/b'],
  ])('%s → 404 code 10', async (_case, method, path) => {
    await expectClientError(() => httpRequest(service.url + path, method, undefined, {}), 404, '10');
  });

  it.each([
    ['GET on a POST route', 'GET', '/v1/mass/payout/init', 'POST'],
    ['DELETE on a POST route', 'DELETE', '/v1/mass/payout/auth', 'POST'],
    ['POST on a GET route', 'POST', '/v1/mass/payout/balance', 'GET, HEAD'],
    ['PUT on an admin route', 'PUT', '/admin/v1/merchants', 'POST'],
    ['GET on a route with a parameter', 'GET', '/v1/mass/payout/cancel/00000000-0000-4000-8000-000000000000', 'POST'],
  ])('%s → 405 code 17, with the methods it takes in Allow', async (_case, method, path, allow) => {
    const response = await expectClientError(() => httpRequest(service.url + path, method, undefined, {}), 405, '17');
    expect(response.headers.allow).toBe(allow);
  });
});

describe('a fault of ours', () => {
  it('is a 500 with code 1 that says nothing inside, and is logged', { timeout: 180_000 }, async () => {
    const logs: string[] = [];
    const stream = new Writable({
      write(chunk, _encoding, done) {
        logs.push(String(chunk));
        done();
      },
    });
    let failing = false;
    const faulty = await startTestService(
      {},
      {
        logger: { level: 'error', stream },
        // The real database, with a fault injected into one query: the kind of message a driver gives.
        wrapDb: (db) => ({
          ...db,
          kind: db.kind,
          transaction: db.transaction.bind(db),
          close: db.close.bind(db),
          query: async (sql: string, params?: readonly unknown[]) => {
            if (failing && /from accounts/i.test(sql)) throw new Error('relation "accounts" is locked: select secret_key_sealed from merchants at pg/lib/client.js:526');
            return db.query(sql, params) as never;
          },
        }),
      },
    );
    try {
      const someone = await faulty.createMerchant();
      failing = true;
      const response = await faulty.signed(someone, 'GET', '/v1/mass/payout/balance', undefined, { query: '?locale=en' });
      expect(response.status).toBe(500);
      expect(response.json).toEqual({ status: 'failure', errorCode: '1', errorGroup: 'SYSTEM_ERROR', errorMessage: 'System error', locale: 'en', systemTime: expect.any(Number) });
      for (const leak of ['relation', 'select', 'secret', 'pg/lib', '.ts', '.js', ' at ']) expect(response.text.toLowerCase()).not.toContain(leak);
      expect(logs.join('\n')).toContain('relation \\"accounts\\" is locked');
      expect(logs.join('\n')).toContain('request failed');
      failing = false;
      expect((await faulty.signed(someone, 'GET', '/v1/mass/payout/balance')).status).toBe(200);
    } finally {
      await faulty.close();
    }
  });

  it('a database closed under the server: /healthz still live, /readyz 503, a route 500 code 1, no internals', { timeout: 180_000 }, async () => {
    const victim = await freshDb();
    const logs: string[] = [];
    const stream = new Writable({
      write(chunk, _encoding, done) {
        logs.push(String(chunk));
        done();
      },
    });
    const orphan = await startTestService({}, { logger: { level: 'error', stream }, wrapDb: () => victim.db });
    try {
      const someone = await orphan.createMerchant();
      await victim.db.close();
      expect((await httpRequest(`${orphan.url}/healthz`, 'GET')).status).toBe(200);
      const ready = await httpRequest(`${orphan.url}/readyz`, 'GET');
      expect(ready.status).toBe(503);
      expect(ready.json).toMatchObject({ status: 'unavailable', database: 'unavailable' });
      const balance = await orphan.signed(someone, 'GET', '/v1/mass/payout/balance');
      expect(balance.status).toBe(500);
      expect(balance.json).toMatchObject({ status: 'failure', errorCode: '1', errorMessage: errors.SYSTEM_ERROR.tr });
      expect(Object.keys(balance.json).sort()).toEqual(['errorCode', 'errorGroup', 'errorMessage', 'locale', 'status', 'systemTime']);
      expect(logs.length).toBeGreaterThanOrEqual(1);
    } finally {
      await orphan.close();
      await victim.drop();
    }
  });
});

/** POSTs `chunk` `times` times with Transfer-Encoding: chunked (no Content-Length), as a stream would. */
function chunkedPost(url: string, chunk: string, times: number, headers: Record<string, string>): Promise<HttpResponse> {
  return new Promise((resolve, reject) => {
    const request = http.request(url, { method: 'POST', headers: { 'content-type': 'application/json', ...headers } }, (response) => {
      const parts: Buffer[] = [];
      response.on('data', (part) => parts.push(part));
      response.on('end', () => {
        const text = Buffer.concat(parts).toString('utf8');
        resolve({ status: response.statusCode ?? 0, headers: response.headers, text, json: JSON.parse(text) });
      });
    });
    // The server may answer and close before every chunk is written: that is the point.
    request.on('error', (error: NodeJS.ErrnoException) => (error.code === 'EPIPE' || error.code === 'ECONNRESET' ? undefined : reject(error)));
    let sent = 0;
    const writeMore = () => {
      while (sent < times) {
        sent += 1;
        if (!request.write(chunk)) return void request.once('drain', writeMore);
      }
      request.end();
    };
    writeMore();
  });
}

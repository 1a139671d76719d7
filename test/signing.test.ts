import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import http from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SecretBox } from '../src/merchants/secret-box.ts';
import { authorizationHeader } from '../src/signing/iyzws.ts';
import { httpRequest, type HttpResponse } from './support/http.ts';
import { rowCounts } from './support/rows.ts';
import { expectBooksBalanced, startTestService, type TestMerchant, type TestService } from './support/service.ts';
import { phpSigned, pythonJson, type RawCall, sendRaw } from './support/wire-styles.ts';
import { waitFor } from './support/wait.ts';

/**
 * IYZWSv2 through the real server (the README's Signing section): every way the official clients sign is accepted,
 * every forgery is refused with one code and one message, and a replay changes nothing.
 */
const vectors = JSON.parse(readFileSync(new URL('./fixtures/signing-vectors.json', import.meta.url), 'utf8'));
const iban = 'TR330006100519786457841326';
const paths = {
  init: '/v1/mass/payout/init',
  auth: '/v1/mass/payout/auth',
  retrieve: '/v1/mass/payout/retrieve',
  balance: '/v1/mass/payout/balance',
  cancel: (id: string) => `/v1/mass/payout/cancel/${id}`,
  item: (ref: string) => `/v1/mass/payout/retrieve/items/${ref}`,
};

let service: TestService;
let merchant: TestMerchant;
const box = new SecretBox(randomBytes(32));
const send = (call: RawCall, who: TestMerchant = merchant) => sendRaw(service.url, who, call);

beforeAll(async () => {
  service = await startTestService({}, { box });
  merchant = await service.createMerchant();
  await service.deposit(merchant, '1000000.00');
});
afterAll(async () => {
  await service?.close();
});

let batchNumber = 0;
function initBody(name = 'Ayşe Yılmaz') {
  batchNumber += 1;
  return {
    externalId: `signing-${batchNumber}`,
    conversationId: `conv-${batchNumber}`,
    items: [{ itemExternalId: 'line-1', recipientType: 'IBAN', recipientInfo: iban, recipientName: name, amount: { value: 125.5, currency: 'TRY' } }],
  };
}

function expectOk(response: HttpResponse): void {
  expect(response.status, response.text).toBe(200);
  expect(response.json.status).toBe('success');
}

async function batchCount(): Promise<number> {
  return (await service.db.query<{ n: number }>('select count(*)::int as n from batches where merchant_id = $1', [merchant.merchantId])).rows[0].n;
}

describe('the fixture vectors, byte for byte, against the real server', () => {
  let sandbox: TestMerchant;
  beforeAll(async () => {
    // The vectors' own credentials: a merchant whose keys are the sandbox test keys.
    const created = await service.createMerchant();
    await service.db.query('update merchants set api_key = $1, secret_key_sealed = $2 where id = $3', [vectors.apiKey, box.seal(vectors.secretKey), created.merchantId]);
    sandbox = { merchantId: created.merchantId, apiKey: vectors.apiKey, secretKey: vectors.secretKey };
  });

  // The vectors name requestId 79cdefc1-…, which this merchant does not have: signed right, then not found.
  const expected: Record<string, number> = { [paths.init]: 200, [paths.balance]: 200, [paths.auth]: 404, [paths.retrieve]: 404 };
  for (const vector of vectors.vectors) {
    it(`${vector.note}: ${vector.method} ${vector.path}${vector.query}`, async () => {
      // Every vector uses randomKey 123456789: forget it between vectors, as the replay window would.
      await service.db.query('delete from seen_random_keys where merchant_id = $1', [sandbox.merchantId]);
      const body = vector.body === '' ? undefined : vector.body;
      const headers: Record<string, string> = { authorization: vector.authorization, 'x-iyzi-rnd': vectors.randomKey, ...(body ? { 'content-type': 'application/json' } : {}) };
      const response = await httpRequest(service.url + vector.path + vector.query, vector.method, body, headers);
      expect(response.status, response.text).toBe(expected[vector.path] ?? 404);
      expect(response.json.errorGroup).not.toBe('AUTHENTICATION');

      // The same header over one more byte of body is a forgery.
      await service.db.query('delete from seen_random_keys where merchant_id = $1', [sandbox.merchantId]);
      const altered = await httpRequest(service.url + vector.path + vector.query, vector.method, (body ?? '') + ' ', { ...headers, 'content-type': 'application/json' });
      expect(altered.status).toBe(401);
      expect(altered.json.errorCode).toBe('1000');
    });
  }
});

describe('every client style, end to end with a real merchant', () => {
  it('Node client: compact JSON on POST, `{}` sent and signed on GET', async () => {
    const before = await batchCount();
    const init = await send({ method: 'POST', path: paths.init, body: JSON.stringify(initBody()) });
    expectOk(init);
    expect(init.json.invalidItems).toEqual([]);
    const requestId = init.json.requestId;
    const retrieve = await send({ method: 'POST', path: paths.retrieve, body: JSON.stringify({ requestId, page: 0, size: 10 }) });
    expectOk(retrieve);
    const referenceCode = retrieve.json.massPayoutItems.items[0].referenceCode;
    expectOk(await send({ method: 'GET', path: paths.item(referenceCode), body: '{}' }));
    expectOk(await send({ method: 'POST', path: paths.auth, body: JSON.stringify({ requestId }) }));
    const balance = await send({ method: 'GET', path: paths.balance, body: '{}' });
    expectOk(balance);
    expect(balance.json.balances[0]).toMatchObject({ currency: 'TRY', reserved: '125.5' });
    const other = await send({ method: 'POST', path: paths.init, body: JSON.stringify(initBody()) });
    expectOk(await send({ method: 'POST', path: paths.cancel(other.json.requestId), body: '{}' }));
    expect(await batchCount()).toBe(before + 2);
  });

  it('Python client: spaced JSON with \\u escapes on POST, `null` sent and signed on GET', async () => {
    const body = pythonJson(initBody('Ayşe Yılmaz'));
    expect(body).toContain('"recipientName": "Ay\\u015fe Y\\u0131lmaz"');
    const init = await send({ method: 'POST', path: paths.init, body, query: '?locale=en' });
    expectOk(init);
    const requestId = init.json.requestId;
    const retrieve = await send({ method: 'POST', path: paths.retrieve, body: pythonJson({ requestId, page: 0, size: 10 }) });
    expectOk(retrieve);
    const item = retrieve.json.massPayoutItems.items[0];
    // Signed over the escaped bytes, stored as the text they mean.
    expect(item.recipientName).toBe('Ayşe Yılmaz');
    expectOk(await send({ method: 'GET', path: paths.item(item.referenceCode), body: 'null' }));
    expectOk(await send({ method: 'GET', path: paths.balance, body: 'null' }));
    expectOk(await send({ method: 'POST', path: paths.auth, body: pythonJson({ locale: 'tr', requestId }) }));
    const other = await send({ method: 'POST', path: paths.init, body: pythonJson(initBody()) });
    expectOk(await send({ method: 'POST', path: paths.cancel(other.json.requestId), body: 'null' }));
  });

  it('Java, PHP and .NET clients: no body on GET and on the cancel POST, the path alone signed', async () => {
    const init = await send({ method: 'POST', path: paths.init, body: JSON.stringify({ locale: 'TR', ...initBody() }) });
    expectOk(init);
    const requestId = init.json.requestId;
    const retrieve = await send({ method: 'POST', path: paths.retrieve, body: JSON.stringify({ locale: 'TR', requestId, page: 0, size: 1 }) });
    expectOk(retrieve);
    expectOk(await send({ method: 'GET', path: paths.item(retrieve.json.massPayoutItems.items[0].referenceCode) }));
    expectOk(await send({ method: 'GET', path: paths.balance }));
    // Some of them send a content type with no body; the empty body is what was signed.
    expectOk(await send({ method: 'GET', path: paths.balance, contentType: 'application/json' }));
    expectOk(await send({ method: 'POST', path: paths.cancel(requestId) }));
    const batch = await service.db.query('select status from batches where id = $1', [requestId]);
    expect(batch.rows).toEqual([{ status: 'CANCELED' }]);
  });

  it('?locale= is never signed: accepted when left out of the signature, refused when signed into it', async () => {
    const plain = await send({ method: 'GET', path: paths.balance, query: '?locale=en' });
    expectOk(plain);
    expect(plain.json.locale).toBe('en');
    const signedWithQuery = await send({ method: 'GET', path: paths.balance, query: '?locale=en', signedPath: `${paths.balance}?locale=en` });
    expect(signedWithQuery.status).toBe(401);
    expect(signedWithQuery.json).toMatchObject({ errorCode: '1000', locale: 'en', errorMessage: 'Invalid signature' });
  });

  it('x-iyzi-rnd is optional and never decides: the random key is the one inside Authorization', async () => {
    expectOk(await send({ method: 'GET', path: paths.balance, rndHeader: null }));
    const randomKey = `rk-${randomBytes(6).toString('hex')}`;
    expectOk(await send({ method: 'GET', path: paths.balance, randomKey, rndHeader: 'something-else' }));
    const seen = await service.db.query('select random_key from seen_random_keys where merchant_id = $1 and random_key = any($2::text[])', [
      merchant.merchantId,
      [randomKey, 'something-else'],
    ]);
    expect(seen.rows).toEqual([{ random_key: randomKey }]);
  });
});

describe('the PHP client: an empty request signed without its `[]`, a GET signed over its full URL', () => {
  it('a cancel whose `[]` body is left out of the signature is accepted (path alone signed)', async () => {
    const init = await send({ method: 'POST', path: paths.init, body: JSON.stringify(initBody()) });
    const requestId = init.json.requestId;
    const cancel = await send({ method: 'POST', path: paths.cancel(requestId), body: '[]', ...phpSigned(paths.cancel(requestId), '[]') });
    expectOk(cancel);
    expect((await service.db.query('select status from batches where id = $1', [requestId])).rows).toEqual([{ status: 'CANCELED' }]);
    // `{}` left out of the signature, the same way.
    expectOk(await send({ method: 'GET', path: paths.balance, body: '{}', signedBody: '' }));
  });

  it('a GET signed over scheme, host, port, path and query exactly as requested is accepted', async () => {
    const url = `${service.url}${paths.balance}?locale=en`;
    const balance = await send({ method: 'GET', path: paths.balance, query: '?locale=en', ...phpSigned(url) });
    expectOk(balance);
    expect(balance.json.locale).toBe('en');
    const init = await send({ method: 'POST', path: paths.init, body: JSON.stringify(initBody()) });
    const retrieve = await send({ method: 'POST', path: paths.retrieve, body: JSON.stringify({ requestId: init.json.requestId, page: 0, size: 1 }) });
    const itemPath = paths.item(retrieve.json.massPayoutItems.items[0].referenceCode);
    expectOk(await send({ method: 'GET', path: itemPath, ...phpSigned(`${service.url}${itemPath}`) }));
  });

  const port = () => new URL(service.url).port;
  const narrow: Array<[string, () => RawCall]> = [
    ['the full URL with another host', () => ({ method: 'GET', path: paths.balance, ...phpSigned(`http://localhost:${port()}${paths.balance}`) })],
    ['the full URL with https over a plain connection', () => ({ method: 'GET', path: paths.balance, ...phpSigned(`https://127.0.0.1:${port()}${paths.balance}`) })],
    ['the full URL without the query that was sent', () => ({ method: 'GET', path: paths.balance, query: '?locale=en', ...phpSigned(`${service.url}${paths.balance}`) })],
    ['the full URL with a query that was not sent', () => ({ method: 'GET', path: paths.balance, ...phpSigned(`${service.url}${paths.balance}?locale=en`) })],
    ['the full URL with the query reordered', () => ({ method: 'GET', path: paths.balance, query: '?locale=en&x=1', ...phpSigned(`${service.url}${paths.balance}?x=1&locale=en`) })],
    ['the full URL over a body that is not empty', () => ({ method: 'POST', path: paths.retrieve, body: '{"page":0}', signedPath: `${service.url}${paths.retrieve}`, signedBody: '{"page":0}' })],
    ['the full URL with a body left out', () => ({ method: 'POST', path: paths.retrieve, body: '{"page":0}', ...phpSigned(`${service.url}${paths.retrieve}`) })],
    ['the path alone over a body that is not `[]` or `{}`', () => ({ method: 'POST', path: paths.auth, body: '[1]', signedBody: '' })],
    ['the path alone over `[ ]`', () => ({ method: 'POST', path: paths.auth, body: '[ ]', signedBody: '' })],
    ['X-Forwarded-Proto when it is not trusted', () => ({ method: 'GET', path: paths.balance, headers: { 'x-forwarded-proto': 'https' }, ...phpSigned(`https://127.0.0.1:${port()}${paths.balance}`) })],
  ];
  it.each(narrow)('no wider than that: %s is refused with 1000', async (_case, call) => {
    const before = await rowCounts(service.db);
    const response = await send(call());
    expect(response.status, response.text).toBe(401);
    expect(response.json.errorCode).toBe('1000');
    expect(await rowCounts(service.db)).toEqual(before);
  });

  it('behind a load balancer that terminates TLS: a trusted X-Forwarded-Proto gives the scheme', async () => {
    const proxied = await startTestService({ tls: { trustForwardedProto: true } });
    try {
      const someone = await proxied.createMerchant();
      const host = new URL(proxied.url).host;
      const https = { method: 'GET', path: paths.balance, ...phpSigned(`https://${host}${paths.balance}`) };
      expectOk(await sendRaw(proxied.url, someone, { ...https, headers: { 'x-forwarded-proto': 'https' } }));
      // Without the header the connection's scheme (http) is what was requested.
      expect((await sendRaw(proxied.url, someone, https)).json.errorCode).toBe('1000');
      expectOk(await sendRaw(proxied.url, someone, { method: 'GET', path: paths.balance, ...phpSigned(`http://${host}${paths.balance}`) }));
    } finally {
      await proxied.close();
    }
  });
});

describe('refusals', () => {
  const b64 = (text: string) => Buffer.from(text).toString('base64');
  const fakeSignature = 'a'.repeat(64);

  /** Each forgery of a balance call or an init, as the raw Authorization value (or a RawCall). */
  const forgeries: Array<[string, () => Promise<HttpResponse>]> = [
    ['an unknown apiKey', () => send({ method: 'GET', path: paths.balance }, { ...merchant, apiKey: 'mp-api-nobody' })],
    ['a signature made with another secret', () => send({ method: 'GET', path: paths.balance, secretKey: 'not-the-secret' })],
    ['the body altered after signing', () => send({ method: 'POST', path: paths.init, body: JSON.stringify(initBody()), signedBody: JSON.stringify(initBody()) })],
    ['a `null` body added after signing an empty one', () => send({ method: 'GET', path: paths.balance, body: 'null', signedBody: '' })],
    ['another path signed', () => send({ method: 'GET', path: paths.balance, signedPath: paths.retrieve })],
    ['bad base64', () => headerOnly('IYZWSv2 !!!not-base64!!!')],
    ['base64 of garbage', () => headerOnly(`IYZWSv2 ${b64('garbage')}`)],
    ['no signature part', () => headerOnly(`IYZWSv2 ${b64(`apiKey:${merchant.apiKey}&randomKey:123`)}`)],
    ['a signature that is not hex', () => headerOnly(`IYZWSv2 ${b64(`apiKey:${merchant.apiKey}&randomKey:123&signature:${'z'.repeat(64)}`)}`)],
    ['a short signature', () => headerOnly(`IYZWSv2 ${b64(`apiKey:${merchant.apiKey}&randomKey:123&signature:abc`)}`)],
    ['a wrong signature of the right shape', () => headerOnly(`IYZWSv2 ${b64(`apiKey:${merchant.apiKey}&randomKey:123&signature:${fakeSignature}`)}`)],
    ['another scheme', () => headerOnly(`IYZWSv1 ${b64(`apiKey:${merchant.apiKey}&randomKey:123&signature:${fakeSignature}`)}`)],
    ['the scheme alone', () => headerOnly('IYZWSv2')],
    ['a bearer token', () => headerOnly(`Bearer ${service.adminToken}`)],
    ['a huge value', () => headerOnly(`IYZWSv2 ${'A'.repeat(6000)}`)],
  ];
  const headerOnly = (authorization: string) => httpRequest(service.url + paths.balance, 'GET', undefined, { authorization });

  it.each(forgeries)('%s: 401, code 1000, and nothing stored', async (_case, forge) => {
    const before = await rowCounts(service.db);
    const response = await forge();
    expect(response.status, response.text).toBe(401);
    expect(response.json).toMatchObject({ status: 'failure', errorCode: '1000', errorGroup: 'AUTHENTICATION', errorMessage: 'Geçersiz imza' });
    expect(await rowCounts(service.db)).toEqual(before);
  });

  it('every forgery gets the same message: nothing tells which part was wrong', async () => {
    const messages = new Set<string>();
    for (const [name, forge] of forgeries) {
      const response = await forge();
      expect(response.json, `${name}: ${response.text}`).toBeDefined();
      messages.add(response.json.errorMessage);
    }
    expect([...messages]).toEqual(['Geçersiz imza']);
  });

  it('a missing Authorization header is 401 with code 1009', async () => {
    for (const [method, path, body] of [
      ['GET', paths.balance, undefined],
      ['POST', paths.init, JSON.stringify(initBody())],
    ] as const) {
      const before = await rowCounts(service.db);
      const response = await httpRequest(service.url + path, method, body, body ? { 'content-type': 'application/json' } : {});
      expect(response.status).toBe(401);
      expect(response.json).toMatchObject({ errorCode: '1009', errorGroup: 'AUTHENTICATION' });
      expect(await rowCounts(service.db)).toEqual(before);
    }
  });

  it.each([
    ['no Authorization header', () => ({})],
    ['an unknown apiKey', () => ({ authorization: authorizationHeader('mp-api-nobody', 'x', 'rk', paths.init, '') })],
    ['a malformed value', () => ({ authorization: 'IYZWSv2 !!!' })],
  ])('%s on a 50 MB init: refused on arrival, before the body is read', async (_case, headers) => {
    // Only 1 KiB of the declared 50 MB is ever sent: an answer proves the server did not wait for it.
    const response = await partialUpload(`${service.url}${paths.init}`, { ...headers(), 'content-type': 'application/json', 'content-length': String(50_000_000) });
    expect(response.status).toBe(401);
    expect(['1009', '1000']).toContain(response.json.errorCode);
  });

  it('every refusal of a body that parses echoes its conversationId, whichever part was wrong', async () => {
    const body = JSON.stringify({ conversationId: 'conv-refused', requestId: '79cdefc1-51a6-4a4f-9b46-0e1f0f8a7d5c' });
    const call: RawCall = { method: 'POST', path: paths.auth, body, randomKey: `rk-${randomBytes(6).toString('hex')}` };
    const refusals = [
      await send({ ...call, secretKey: 'not-the-secret' }),
      await send(call, { ...merchant, apiKey: 'mp-api-nobody' }),
      await httpRequest(service.url + paths.auth, 'POST', body, { authorization: 'IYZWSv2 !!!', 'content-type': 'application/json' }),
      await httpRequest(service.url + paths.auth, 'POST', body, { 'content-type': 'application/json' }),
    ];
    expect(refusals.map((r) => [r.status, r.json.errorCode, r.json.conversationId])).toEqual([
      [401, '1000', 'conv-refused'],
      [401, '1000', 'conv-refused'],
      [401, '1000', 'conv-refused'],
      [401, '1009', 'conv-refused'],
    ]);
    expect((await send(call)).json).toMatchObject({ errorCode: '6001', conversationId: 'conv-refused' });
    expect((await send(call)).json).toMatchObject({ errorCode: '1001', conversationId: 'conv-refused' });
    // A body that does not parse has no id to echo.
    const broken = await send({ method: 'POST', path: paths.auth, body: '{"conversationId":"conv-x",', secretKey: 'wrong' });
    expect(broken.json.errorCode).toBe('1000');
    expect(broken.json).not.toHaveProperty('conversationId');
  });

  it('a refused init over 64 KiB echoes its conversationId too, wherever it stands; one refused before it is read cannot', { timeout: 120_000 }, async () => {
    // 600 items: ~110 KiB, past the 64 KiB under which a refused body is simply parsed.
    const items = Array.from({ length: 600 }, (_, i) => ({ itemExternalId: `big-${i}`, recipientType: 'IBAN', recipientInfo: iban, recipientName: 'Ayşe Yılmaz', description: 'x'.repeat(80), amount: { value: '1.00', currency: 'TRY' } }));
    const last = JSON.stringify({ externalId: `signing-big-${randomBytes(4).toString('hex')}`, items, conversationId: 'conv-big-last' });
    const first = JSON.stringify({ conversationId: 'conv-big-first', externalId: `signing-big-${randomBytes(4).toString('hex')}`, items });
    expect(Buffer.byteLength(last)).toBeGreaterThan(100 * 1024);
    const randomKey = `rk-${randomBytes(6).toString('hex')}`;
    const badSignature = await send({ method: 'POST', path: paths.init, body: last, randomKey, secretKey: 'not-the-secret' });
    expect([badSignature.status, badSignature.json.errorCode, badSignature.json.conversationId]).toEqual([401, '1000', 'conv-big-last']);
    expect((await send({ method: 'POST', path: paths.init, body: first, secretKey: 'not-the-secret' })).json).toMatchObject({ errorCode: '1000', conversationId: 'conv-big-first' });
    // Accepted, then replayed: the replay is refused after the signature, before parsing, and echoes.
    const accepted = await send({ method: 'POST', path: paths.init, body: last, randomKey });
    expect(accepted.json).toMatchObject({ status: 'success', conversationId: 'conv-big-last' });
    expect((await send({ method: 'POST', path: paths.init, body: last, randomKey })).json).toMatchObject({ errorCode: '1001', conversationId: 'conv-big-last' });
    // Too deep to parse, over 64 KiB: refused by the parser, the id still read from the top level.
    const deep = JSON.stringify({ conversationId: 'conv-big-deep', externalId: 'deep', items, extra: JSON.parse('['.repeat(40) + ']'.repeat(40)) });
    expect((await send({ method: 'POST', path: paths.init, body: deep })).json).toMatchObject({ errorCode: '22', conversationId: 'conv-big-deep' });
    // Not JSON past its top level's start: no id, as for a small body that does not parse.
    const broken = await send({ method: 'POST', path: paths.init, body: last.slice(0, -2) + '}' });
    expect(broken.json.errorCode).toBe('12');
    expect(broken.json).not.toHaveProperty('conversationId');
    // Refused on arrival (no merchant with this key), the body is never read: nothing to echo.
    const stranger = await send({ method: 'POST', path: paths.init, body: last }, { ...merchant, apiKey: 'mp-api-nobody' });
    expect([stranger.status, stranger.json.errorCode]).toEqual([401, '1000']);
    expect(stranger.json).not.toHaveProperty('conversationId');
    // Over a route's limit (auth takes 64 KiB): 413 on the declared length, unread, nothing to echo.
    const tooLarge = await send({ method: 'POST', path: paths.auth, body: JSON.stringify({ conversationId: 'conv-413', requestId: 'x', pad: 'x'.repeat(70 * 1024) }) });
    expect([tooLarge.status, tooLarge.json.errorCode]).toEqual([413, '13']);
    expect(tooLarge.json).not.toHaveProperty('conversationId');
  });

  it('a refused request does not use up its random key', async () => {
    const randomKey = `rk-${randomBytes(6).toString('hex')}`;
    expect((await send({ method: 'GET', path: paths.balance, randomKey, secretKey: 'wrong' })).status).toBe(401);
    expectOk(await send({ method: 'GET', path: paths.balance, randomKey }));
  });
});

describe('replays', () => {
  it('a replayed init is refused with 1001 and stores no second batch', async () => {
    const call: RawCall = { method: 'POST', path: paths.init, body: JSON.stringify(initBody()), randomKey: `rk-${randomBytes(6).toString('hex')}` };
    expectOk(await send(call));
    const before = await rowCounts(service.db);
    const batches = await batchCount();
    const replay = await send(call);
    expect(replay.status).toBe(401);
    expect(replay.json).toMatchObject({ status: 'failure', errorCode: '1001', errorGroup: 'AUTHENTICATION' });
    expect(await batchCount()).toBe(batches);
    expect(await rowCounts(service.db)).toEqual(before);
  });

  it('a random key is spent for every route of that merchant, but not for another merchant', async () => {
    const randomKey = `rk-${randomBytes(6).toString('hex')}`;
    expectOk(await send({ method: 'GET', path: paths.balance, randomKey }));
    const elsewhere = await send({ method: 'POST', path: paths.init, body: JSON.stringify(initBody()), randomKey });
    expect(elsewhere.json.errorCode).toBe('1001');
    const another = await service.createMerchant();
    expectOk(await send({ method: 'GET', path: paths.balance, randomKey }, another));
  });

  it('ten copies of one signed init sent at once: one accepted, nine refused, one batch', async () => {
    const call: RawCall = { method: 'POST', path: paths.init, body: JSON.stringify(initBody()), randomKey: `rk-${randomBytes(6).toString('hex')}` };
    const batches = await batchCount();
    const responses = await Promise.all(Array.from({ length: 10 }, () => send(call)));
    expect(responses.map((r) => r.status).sort()).toEqual([200, ...Array(9).fill(401)]);
    expect(responses.filter((r) => r.status === 401).every((r) => r.json.errorCode === '1001')).toBe(true);
    expect(await batchCount()).toBe(batches + 1);
    await expectBooksBalanced(service.db);
  });

  it('a replayed auth is refused and reserves nothing twice', async () => {
    const init = await send({ method: 'POST', path: paths.init, body: JSON.stringify(initBody()) });
    const call: RawCall = { method: 'POST', path: paths.auth, body: JSON.stringify({ requestId: init.json.requestId }), randomKey: `rk-${randomBytes(6).toString('hex')}` };
    expectOk(await send(call));
    const before = await rowCounts(service.db);
    expect((await send(call)).json.errorCode).toBe('1001');
    expect(await rowCounts(service.db)).toEqual(before);
    await expectBooksBalanced(service.db);
  });
});

describe('forgetting random keys', () => {
  it('the server purges keys older than the replay window on its own, and keeps fresh ones', { timeout: 180_000 }, async () => {
    const quick = await startTestService({}, { randomKeyPurgeIntervalMs: 50 });
    try {
      const someone = await quick.createMerchant();
      const fresh = `fresh-${randomBytes(4).toString('hex')}`;
      expectOk(await quick.signed(someone, 'GET', paths.balance, undefined, { randomKey: fresh }));
      // 15 minutes and one second ago: just past the window.
      await quick.db.query(`insert into seen_random_keys (merchant_id, random_key, seen_at) values ($1, 'old', now() - interval '15 minutes 1 second')`, [someone.merchantId]);
      let keys: string[] = [];
      await waitFor(
        async () => {
          keys = (await quick.db.query<{ random_key: string }>('select random_key from seen_random_keys order by random_key')).rows.map((r) => r.random_key);
          return keys.includes('old') ? undefined : keys;
        },
        10_000,
        () => `still kept: ${keys.join(', ')}`,
        20,
      );
      expect(keys).toEqual([fresh]);
    } finally {
      await quick.close();
    }
  });
});

/** Declares a large body, sends its first KiB only, and resolves with the answer (10 s at most). */
function partialUpload(url: string, headers: Record<string, string>): Promise<HttpResponse> {
  return new Promise((resolve, reject) => {
    const request = http.request(url, { method: 'POST', headers }, (response) => {
      const parts: Buffer[] = [];
      response.on('data', (part) => parts.push(part));
      response.on('end', () => {
        clearTimeout(timer);
        request.destroy();
        const text = Buffer.concat(parts).toString('utf8');
        resolve({ status: response.statusCode ?? 0, headers: response.headers, text, json: JSON.parse(text) });
      });
    });
    const timer = setTimeout(() => {
      request.destroy();
      reject(new Error('no answer within 10 s: the server waited for the body'));
    }, 10_000);
    request.on('error', (error: NodeJS.ErrnoException) => (error.code === 'ECONNRESET' || error.code === 'EPIPE' ? undefined : reject(error)));
    request.write('{"externalId":"x","items":[' + ' '.repeat(1000));
  });
}

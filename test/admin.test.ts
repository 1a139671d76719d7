import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { authorizationHeader } from '../src/signing/iyzws.ts';
import { httpRequest } from './support/http.ts';
import { identityNumber, rowCounts } from './support/rows.ts';
import { expectBooksBalanced, startTestService, type TestService } from './support/service.ts';

let service: TestService;
beforeAll(async () => {
  service = await startTestService();
});
afterAll(async () => {
  await service?.close();
});

const json = (value: unknown) => JSON.stringify(value, (_key, v) => (typeof v === 'bigint' ? v.toString() : v));

function expectFailure(response: { status: number; json: any; text: string }, status: number, code: string, group: string): void {
  expect(response.status, response.text).toBe(status);
  expect(response.json).toMatchObject({ status: 'failure', errorCode: code, errorGroup: group, locale: 'tr' });
  expect(typeof response.json.errorMessage).toBe('string');
  expect(typeof response.json.systemTime).toBe('number');
}

/** Sends `send`, expects the failure envelope, and checks that no table gained or lost a row. */
async function expectRefusedAndNothingStored(send: () => Promise<{ status: number; json: any; text: string }>, status: number, code: string, group = 'INVALID_REQUEST') {
  const before = await rowCounts(service.db);
  const response = await send();
  expectFailure(response, status, code, group);
  expect(await rowCounts(service.db)).toEqual(before);
  return response;
}

describe('POST /admin/v1/merchants', () => {
  it('creates a merchant with its commission terms and shows the keys once', async () => {
    const response = await service.admin('POST', '/admin/v1/merchants', { name: 'Acme Payroll', commission: { fixed: '1.50', rate: '0.01' } });
    expect(response.status, response.text).toBe(201);
    expect(response.json).toEqual({ merchantId: expect.any(Number), apiKey: expect.stringMatching(/^\S{16,128}$/), secretKey: expect.stringMatching(/^\S{16,128}$/), statusVocabulary: 'documented' });
    const stored = await service.db.query('select name, api_key, commission_fixed_minor, commission_rate_e8 from merchants where id = $1', [response.json.merchantId]);
    // 1.50 is 150 minor units; 0.01 is 1,000,000 × 10^-8.
    expect(stored.rows).toEqual([{ name: 'Acme Payroll', api_key: response.json.apiKey, commission_fixed_minor: 150n, commission_rate_e8: 1_000_000n }]);
  });

  it('defaults the commission to zero and accepts numbers as well as decimal strings', async () => {
    const plain = await service.admin('POST', '/admin/v1/merchants', { name: 'No Commission' });
    const numeric = await service.admin('POST', '/admin/v1/merchants', { name: 'Numeric', commission: { fixed: 2, rate: 0.5 } });
    expect([plain.status, numeric.status]).toEqual([201, 201]);
    const stored = await service.db.query('select commission_fixed_minor, commission_rate_e8 from merchants where id = any($1::int8[]) order by id', [
      [plain.json.merchantId, numeric.json.merchantId],
    ]);
    expect(stored.rows).toEqual([
      { commission_fixed_minor: 0n, commission_rate_e8: 0n },
      { commission_fixed_minor: 200n, commission_rate_e8: 50_000_000n },
    ]);
  });

  it.each([
    ['no name', {}],
    ['an empty name', { name: '' }],
    ['a name over 128 characters', { name: 'x'.repeat(129) }],
    ['a name of the wrong type', { name: 42 }],
    ['an unknown field', { name: 'A', owner: 'me' }],
    ['a negative fixed commission', { name: 'A', commission: { fixed: '-1' } }],
    ['three fraction digits', { name: 'A', commission: { fixed: '1.234' } }],
    ['a fixed commission that is not a number', { name: 'A', commission: { fixed: 'abc' } }],
    ['a rate above 1', { name: 'A', commission: { rate: '1.5' } }],
    ['a rate with nine fraction digits', { name: 'A', commission: { rate: '0.123456789' } }],
    ['a negative rate', { name: 'A', commission: { rate: -0.1 } }],
    ['an unknown commission field', { name: 'A', commission: { percent: 3 } }],
  ])('refuses %s with 400 and stores nothing', async (_case, body) => {
    const response = await expectRefusedAndNothingStored(() => service.admin('POST', '/admin/v1/merchants', body), 400, '11');
    expect(response.json.errorMessage).toMatch(/^Geçersiz istek/);
  });

  it('keeps no secret key readable in the database: sealed with AES-GCM, absent from a dump of every table', async () => {
    const created = await service.createMerchant();
    const row = await service.db.query<{ secret_key_sealed: string }>('select * from merchants where id = $1', [created.merchantId]);
    // v1:<iv>:<tag>:<ciphertext>, a 12-byte IV and a 16-byte GCM tag.
    const [version, iv, tag, data] = row.rows[0].secret_key_sealed.split(':');
    expect(version).toBe('v1');
    expect(Buffer.from(iv, 'base64')).toHaveLength(12);
    expect(Buffer.from(tag, 'base64')).toHaveLength(16);
    expect(Buffer.from(data, 'base64').length).toBe(Buffer.byteLength(created.secretKey));
    expect(json(row.rows)).not.toContain(created.secretKey);

    // What pg_dump would write: every row of every table of this database's schema.
    const tables = await service.db.query<{ table_name: string }>(
      `select table_name from information_schema.tables where table_schema = current_schema() and table_type = 'BASE TABLE'`,
    );
    expect(tables.rows.map((t) => t.table_name)).toContain('merchants');
    const secretHex = Buffer.from(created.secretKey).toString('hex');
    const secretBase64 = Buffer.from(created.secretKey).toString('base64');
    for (const { table_name } of tables.rows) {
      const dump = json((await service.db.query(`select * from "${table_name.replace(/"/g, '""')}"`)).rows);
      expect(dump, table_name).not.toContain(created.secretKey);
      expect(dump, table_name).not.toContain(secretHex);
      expect(dump, table_name).not.toContain(secretBase64);
    }

    // Yet the service can still verify the merchant's signatures with it.
    const balance = await service.signed(created, 'GET', '/v1/mass/payout/balance');
    expect(balance.status, balance.text).toBe(200);
  });
});

describe('POST /admin/v1/merchants/{merchantId}/deposits', () => {
  it('posts a ledger transfer deposits → available and answers with the new balance', async () => {
    const merchant = await service.createMerchant();
    const first = await service.admin('POST', `/admin/v1/merchants/${merchant.merchantId}/deposits`, { amount: '100000.00', currency: 'TRY' });
    expect(first.status, first.text).toBe(201);
    expect(first.json).toEqual({ merchantId: merchant.merchantId, currency: 'TRY', available: '100000', balances: [{ currency: 'TRY', available: '100000', reserved: '0' }] });

    const second = await service.admin('POST', `/admin/v1/merchants/${merchant.merchantId}/deposits`, { amount: 0.5, currency: 'TRY' });
    expect(second.json.available).toBe('100000.5');
    const usd = await service.admin('POST', `/admin/v1/merchants/${merchant.merchantId}/deposits`, { amount: '12.34', currency: 'USD' });
    expect(usd.json.balances).toEqual([
      { currency: 'TRY', available: '100000.5', reserved: '0' },
      { currency: 'USD', available: '12.34', reserved: '0' },
    ]);

    const transfers = await service.db.query(
      `select t.kind, t.amount, t.currency, d.kind as debit_kind, d.merchant_id as debit_merchant, c.kind as credit_kind, c.merchant_id as credit_merchant
       from ledger_transfers t join accounts d on d.id = t.debit_account_id join accounts c on c.id = t.credit_account_id
       where c.merchant_id = $1 order by t.id`,
      [merchant.merchantId],
    );
    const deposit = { kind: 'deposit', debit_kind: 'deposits', debit_merchant: null, credit_kind: 'available', credit_merchant: BigInt(merchant.merchantId) };
    expect(transfers.rows).toEqual([
      { ...deposit, amount: 10_000_000n, currency: 'TRY' },
      { ...deposit, amount: 50n, currency: 'TRY' },
      { ...deposit, amount: 1234n, currency: 'USD' },
    ]);
    // The merchant's balance as a merchant sees it agrees.
    const balance = await service.signed(merchant, 'GET', '/v1/mass/payout/balance');
    expect(balance.json.balance).toBe('100000.5');
    await expectBooksBalanced(service.db);
  });

  it('with an Idempotency-Key, makes the deposit once however often (and however concurrently) it is sent; the key with another amount is refused', async () => {
    const merchant = await service.createMerchant();
    const path = `/admin/v1/merchants/${merchant.merchantId}/deposits`;
    const send = (body: object, key: string) =>
      httpRequest(service.url + path, 'POST', JSON.stringify(body), { authorization: `Bearer ${service.adminToken}`, 'content-type': 'application/json', 'idempotency-key': key });
    const answers = await Promise.all(Array.from({ length: 10 }, () => send({ amount: '250.00', currency: 'TRY' }, 'payroll-2026-11')));
    for (const answer of answers) {
      expect(answer.status, answer.text).toBe(201);
      expect(answer.json.available).toBe('250');
    }
    // Another key is another deposit; the first key with another amount or currency changes nothing.
    expect((await send({ amount: '1.00', currency: 'TRY' }, 'payroll-2026-12')).json.available).toBe('251');
    for (const body of [{ amount: '999.00', currency: 'TRY' }, { amount: '250.00', currency: 'USD' }]) {
      const reused = await send(body, 'payroll-2026-11');
      expect(reused.status, reused.text).toBe(409);
      expect(reused.json).toMatchObject({ status: 'failure', errorCode: '7003' });
    }
    const tooLong = await send({ amount: '1.00', currency: 'TRY' }, 'k'.repeat(129));
    expect(tooLong.status).toBe(400);
    const transfers = await service.db.query<{ n: number }>(
      `select count(*)::int as n from ledger_transfers t join accounts c on c.id = t.credit_account_id where c.merchant_id = $1`,
      [merchant.merchantId],
    );
    expect(transfers.rows[0].n).toBe(2);
    // Another merchant may use the same key for its own deposit.
    const other = await service.createMerchant();
    const theirs = await httpRequest(service.url + `/admin/v1/merchants/${other.merchantId}/deposits`, 'POST', JSON.stringify({ amount: '5.00', currency: 'TRY' }), {
      authorization: `Bearer ${service.adminToken}`,
      'content-type': 'application/json',
      'idempotency-key': 'payroll-2026-11',
    });
    expect(theirs.json.available).toBe('5');
    await expectBooksBalanced(service.db);
  });

  it('answers 404 for an unknown merchant and stores nothing', async () => {
    await expectRefusedAndNothingStored(() => service.admin('POST', '/admin/v1/merchants/987654321/deposits', { amount: '10', currency: 'TRY' }), 404, '7001', 'NOT_FOUND');
  });

  it.each([
    ['a zero amount', { amount: '0', currency: 'TRY' }],
    ['a negative amount', { amount: '-5', currency: 'TRY' }],
    ['a negative number', { amount: -5, currency: 'TRY' }],
    ['three fraction digits', { amount: '1.001', currency: 'TRY' }],
    ['an amount that is not a number', { amount: 'ten', currency: 'TRY' }],
    ['an exponent', { amount: 1e21, currency: 'TRY' }],
    ['an empty amount', { amount: '', currency: 'TRY' }],
    ['an amount of the wrong type', { amount: true, currency: 'TRY' }],
    ['no amount', { currency: 'TRY' }],
    ['an unknown currency', { amount: '10', currency: 'GBP' }],
    ['a lower-case currency', { amount: '10', currency: 'try' }],
    ['no currency', { amount: '10' }],
    ['an unknown field', { amount: '10', currency: 'TRY', note: 'x' }],
  ])('refuses %s with 400 and stores nothing', async (_case, body) => {
    const merchant = await service.createMerchant();
    await expectRefusedAndNothingStored(() => service.admin('POST', `/admin/v1/merchants/${merchant.merchantId}/deposits`, body), 400, '11');
  });

  it('refuses a merchant id that is not a number with 400', async () => {
    await expectRefusedAndNothingStored(() => service.admin('POST', '/admin/v1/merchants/abc/deposits', { amount: '10', currency: 'TRY' }), 400, '11');
  });
});

describe('POST /admin/v1/members', () => {
  const identity = identityNumber('123456789');

  it('registers a wallet member', async () => {
    const body = { memberId: '5001', phone: '+905551112233', identityNumber: identity, name: 'Ayşe Yılmaz' };
    const response = await service.admin('POST', '/admin/v1/members', body);
    expect(response.status, response.text).toBe(201);
    expect(response.json).toEqual(body);
    const stored = await service.db.query('select member_id, phone, identity_number, name from members where member_id = $1', ['5001']);
    expect(stored.rows).toEqual([{ member_id: '5001', phone: '+905551112233', identity_number: identity, name: 'Ayşe Yılmaz' }]);

    const minimal = await service.admin('POST', '/admin/v1/members', { memberId: '5002', name: 'Only An Id' });
    expect(minimal.status).toBe(201);
    expect(minimal.json).toEqual({ memberId: '5002', phone: null, identityNumber: null, name: 'Only An Id' });
  });

  it.each([
    ['the same member id', { memberId: '5001', name: 'Again' }],
    ['the same phone', { memberId: '5101', phone: '+905551112233', name: 'Again' }],
    ['the same identity number', { memberId: '5102', identityNumber: identityNumber('123456789'), name: 'Again' }],
  ])('refuses %s with 409 and stores nothing', async (_case, body) => {
    await expectRefusedAndNothingStored(() => service.admin('POST', '/admin/v1/members', body), 409, '7002', 'CONFLICT');
  });

  it.each([
    ['a phone without the plus', { memberId: '5201', phone: '905551112233', name: 'A' }],
    ['a national phone number', { memberId: '5202', phone: '05551112233', name: 'A' }],
    ['a phone with letters', { memberId: '5203', phone: '+90555ABC233', name: 'A' }],
    ['a wrong identity check digit', { memberId: '5204', identityNumber: identity.slice(0, 10) + String((Number(identity[10]) + 1) % 10), name: 'A' }],
    ['an identity number starting with 0', { memberId: '5205', identityNumber: '01234567890', name: 'A' }],
    ['a short identity number', { memberId: '5206', identityNumber: '1234567890', name: 'A' }],
    ['a member id with letters', { memberId: 'm-1', name: 'A' }],
    ['no name', { memberId: '5207' }],
    ['an unknown field', { memberId: '5208', name: 'A', email: 'a@example.com' }],
  ])('refuses %s with 400 and stores nothing', async (_case, body) => {
    await expectRefusedAndNothingStored(() => service.admin('POST', '/admin/v1/members', body), 400, '11');
  });
});

describe('who may call what', () => {
  const adminCalls = [
    ['POST', '/admin/v1/merchants', { name: 'Intruder' }],
    ['POST', '/admin/v1/merchants/1/deposits', { amount: '1000000', currency: 'TRY' }],
    ['POST', '/admin/v1/members', { memberId: '9999', name: 'Intruder' }],
  ] as const;

  it.each(adminCalls)('admin %s %s: a missing or wrong bearer token is 401 (1010) and changes nothing', async (method, path, body) => {
    const raw = JSON.stringify(body);
    for (const authorization of [undefined, 'Bearer wrong-token', `Bearer ${service.adminToken}x`, `Basic ${service.adminToken}`, service.adminToken, `Bearer  ${service.adminToken}`]) {
      const headers: Record<string, string> = { 'content-type': 'application/json', ...(authorization ? { authorization } : {}) };
      await expectRefusedAndNothingStored(() => httpRequest(service.url + path, method, raw, headers), 401, '1010', 'AUTHENTICATION');
    }
  });

  it.each(adminCalls)('admin %s %s never accepts a valid merchant signature', async (method, path, body) => {
    const merchant = await service.createMerchant();
    const raw = JSON.stringify(body);
    const authorization = authorizationHeader(merchant.apiKey, merchant.secretKey, `rk-${Math.random()}`, path, raw);
    await expectRefusedAndNothingStored(() => httpRequest(service.url + path, method, raw, { authorization, 'content-type': 'application/json' }), 401, '1010', 'AUTHENTICATION');
  });

  it('merchant routes never accept the admin bearer token', async () => {
    const headers = { authorization: `Bearer ${service.adminToken}`, 'content-type': 'application/json' };
    const calls: Array<[string, string, string | undefined]> = [
      ['GET', '/v1/mass/payout/balance', undefined],
      ['POST', '/v1/mass/payout/init', JSON.stringify({ externalId: 'admin-try', items: [] })],
      ['POST', '/v1/mass/payout/auth', JSON.stringify({ requestId: '79cdefc1-3ce6-4f51-bdd9-c050274db664' })],
      ['POST', '/v1/mass/payout/retrieve', JSON.stringify({ requestId: '79cdefc1-3ce6-4f51-bdd9-c050274db664', page: 0, size: 10 })],
      ['POST', '/v1/mass/payout/cancel/79cdefc1-3ce6-4f51-bdd9-c050274db664', undefined],
      ['GET', '/v1/mass/payout/retrieve/items/79cdefc1-3ce6-4f51-bdd9-c050274db664', undefined],
    ];
    for (const [method, path, body] of calls) {
      await expectRefusedAndNothingStored(() => httpRequest(service.url + path, method, body, headers), 401, '1000', 'AUTHENTICATION');
    }
  });

  it('takes the bearer scheme name in any case', async () => {
    for (const [index, scheme] of ['bearer', 'BEARER'].entries()) {
      const response = await httpRequest(`${service.url}/admin/v1/members`, 'POST', JSON.stringify({ memberId: `770${index}`, name: 'Case' }), {
        authorization: `${scheme} ${service.adminToken}`,
        'content-type': 'application/json',
      });
      expect(response.status, response.text).toBe(201);
    }
  });

  it('speaks English on request', async () => {
    const response = await httpRequest(`${service.url}/admin/v1/members?locale=en`, 'POST', '{}', { 'content-type': 'application/json' });
    expect(response.json).toMatchObject({ errorCode: '1010', locale: 'en', errorMessage: 'Invalid admin token' });
  });
});

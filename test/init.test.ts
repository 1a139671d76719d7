import { createHash } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { limits } from '../src/limits.ts';
import { startTestService, type TestMerchant, type TestService } from './support/service.ts';
import { ibanItem, ibanItems, identityItem, memberItem, phoneItem, trIban } from './support/items.ts';

const initPath = '/v1/mass/payout/init';
const uuid = /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;

let service: TestService;
let merchant: TestMerchant;

beforeAll(async () => {
  service = await startTestService();
  // 1.50 + 1 % per item: commission is visible on every stored item.
  merchant = await service.createMerchant({ fixed: '1.50', rate: '0.01' });
});
afterAll(() => service?.close());

function init(body: unknown, options: { query?: string; rawBody?: string; as?: TestMerchant } = {}) {
  return service.signed(options.as ?? merchant, 'POST', initPath, body, { query: options.query, rawBody: options.rawBody });
}

async function counts() {
  const result = await service.db.query<{ batches: bigint; items: bigint; events: bigint }>(
    `select (select count(*) from batches) as batches, (select count(*) from items) as items,
            (select count(*) from audit_events where action = 'batch.created') as events`,
  );
  return result.rows[0];
}

async function storedItems(batchId: string) {
  const result = await service.db.query<{
    seq: number; status: string; error_codes: string[]; item_external_id: string; recipient_type: string; recipient_info: string;
    recipient_name: string | null; description: string | null; amount: bigint; commission: bigint; currency: string; reference_code: string;
  }>('select * from items where batch_id = $1 order by seq', [batchId]);
  return result.rows;
}

async function storedBatch(batchId: string) {
  const result = await service.db.query<Record<string, unknown>>('select * from batches where id = $1', [batchId]);
  return result.rows[0];
}

describe('POST /v1/mass/payout/init', () => {
  test('stores a batch of every recipient type: INIT, totals, commissions, one audit event', async () => {
    const items = [
      { ...ibanItem(1, '100.05'), recipientInfo: 'tr33 0006 1005 1978 6457 8413 26' },
      memberItem(2, '4711', 20),
      identityItem(3, '30.5'),
      phoneItem(4, 0.01),
    ];
    const response = await init({ externalId: 'happy-1', conversationId: 'conv-1', purpose: 'SALARY', locale: 'en', items });
    expect(response.status, response.text).toBe(200);
    expect(response.json).toMatchObject({ status: 'success', locale: 'en', conversationId: 'conv-1', invalidItems: [] });
    expect(response.json.requestId).toMatch(uuid);
    expect(typeof response.json.systemTime).toBe('number');

    const requestId = response.json.requestId;
    expect(await storedBatch(requestId)).toMatchObject({
      merchant_id: BigInt(merchant.merchantId),
      external_id: 'happy-1',
      conversation_id: 'conv-1',
      purpose: 'SALARY',
      currency: 'TRY',
      status: 'INIT',
      item_count: 4,
      valid_count: 4,
      open_count: 4,
      total_amount: 10005n + 2000n + 3050n + 1n,
      // 150 + round(100.05) = 250; 150 + 20 = 170; 150 + round(30.5) = 181 (half-up); 150 + round(0.0001) = 150
      total_commission_planned: 250n + 170n + 181n + 150n,
    });
    const stored = await storedItems(requestId);
    expect(stored.map((i) => [i.seq, i.status, i.item_external_id, i.recipient_type, i.amount, i.commission, i.currency])).toEqual([
      [0, 'INIT', 'item-1', 'IBAN', 10005n, 250n, 'TRY'],
      [1, 'INIT', 'item-2', 'MEMBER_ID', 2000n, 170n, 'TRY'],
      [2, 'INIT', 'item-3', 'IDENTITY_NUMBER', 3050n, 181n, 'TRY'],
      [3, 'INIT', 'item-4', 'PHONE', 1n, 150n, 'TRY'],
    ]);
    expect(stored[0].recipient_info).toBe('TR330006100519786457841326');
    expect(stored[0]).toMatchObject({ recipient_name: 'Recipient 1', description: 'payout 1', error_codes: [] });
    expect(stored[2].recipient_info).toBe(items[2].recipientInfo);
    for (const item of stored) expect(item.reference_code).toMatch(uuid);
    expect(new Set(stored.map((i) => i.reference_code)).size).toBe(4);

    const events = await service.db.query<{ chain_id: bigint; action: string; entity: string; actor: string; after: Record<string, unknown> }>(
      'select chain_id, action, entity, actor, after from audit_events where request_id = $1',
      [requestId],
    );
    expect(events.rows).toEqual([
      {
        chain_id: BigInt(merchant.merchantId),
        action: 'batch.created',
        entity: `batch:${requestId}`,
        actor: `merchant:${merchant.apiKey}`,
        after: expect.objectContaining({ status: 'INIT', itemCount: 4, validCount: 4, totalAmount: '15056', totalCommissionPlanned: '751' }),
      },
    ]);
  });

  const mixed = () => [
    ibanItem(10, '10.00'),
    { ...ibanItem(11), recipientInfo: 'TR330006100519786457841327' },
    { ...ibanItem(12), recipientName: undefined, amount: { value: '1.001', currency: 'TRY' } },
    7,
    { ...ibanItem(10), amount: { value: '5.00', currency: 'TRY' } },
    { ...phoneItem(13), amount: { value: 12, currency: 'USD' } },
    { ...identityItem(14), recipientInfo: '10000000147' },
    { ...memberItem(15, 'abc'), extra: true },
    { ...ibanItem(16, '10000000.01') },
    { ...ibanItem(17), itemExternalId: 'x'.repeat(65) },
  ];

  test('stores invalid items INVALID with their reasons and answers them in the request locale', async () => {
    const response = await init({ externalId: 'mixed-en', items: mixed() }, { query: '?locale=en' });
    expect(response.status, response.text).toBe(200);
    expect(response.json.locale).toBe('en');
    expect(response.json.invalidItems).toEqual([
      { externalId: 'item-11', errorCode: '6104', errorMessage: 'The IBAN is invalid' },
      { externalId: 'item-12', errorCode: '6108', errorMessage: 'recipientName is required for IBAN payouts; The amount must be greater than zero with at most two fraction digits' },
      { externalId: null, errorCode: '6100', errorMessage: 'The item is malformed' },
      { externalId: 'item-10', errorCode: '6102', errorMessage: 'itemExternalId is repeated within this mass payout' },
      { externalId: 'item-13', errorCode: '6114', errorMessage: 'All items of a mass payout must share one currency' },
      { externalId: 'item-14', errorCode: '6106', errorMessage: 'The identity number is invalid' },
      { externalId: 'item-15', errorCode: '6100', errorMessage: 'The item is malformed; The member id is invalid' },
      { externalId: 'item-16', errorCode: '6112', errorMessage: 'The amount exceeds the per-item maximum' },
      { externalId: 'x'.repeat(64), errorCode: '6101', errorMessage: 'itemExternalId is required and at most 64 characters' },
    ]);

    const requestId = response.json.requestId;
    expect(await storedBatch(requestId)).toMatchObject({ status: 'INIT', item_count: 10, valid_count: 1, open_count: 1, total_amount: 1000n, total_commission_planned: 160n });
    const stored = await storedItems(requestId);
    expect(stored.map((i) => [i.status, i.error_codes])).toEqual([
      ['INIT', []],
      ['INVALID', ['6104']],
      ['INVALID', ['6108', '6111']],
      ['INVALID', ['6100']],
      ['INVALID', ['6102']],
      ['INVALID', ['6114']],
      ['INVALID', ['6106']],
      ['INVALID', ['6100', '6105']],
      ['INVALID', ['6112']],
      ['INVALID', ['6101']],
    ]);
    // What could be read is kept; an invalid item carries no commission.
    expect(stored[1]).toMatchObject({ recipient_info: 'TR330006100519786457841327', amount: 10000n, commission: 0n });
    expect(stored[3]).toMatchObject({ item_external_id: '', recipient_type: '', recipient_info: '', amount: 0n, currency: 'TRY' });
    expect(stored[5]).toMatchObject({ amount: 1200n, currency: 'USD' });
    expect(stored[8]).toMatchObject({ amount: 1_000_000_001n });
  });

  test('messages are Turkish by default and follow "locale" in the body, any case', async () => {
    const tr = await init({ externalId: 'mixed-tr', items: mixed().slice(0, 4) });
    expect(tr.json.locale).toBe('tr');
    expect(tr.json.invalidItems.map((i: { errorMessage: string }) => i.errorMessage)).toEqual([
      'IBAN geçersiz',
      'IBAN ödemelerinde alıcı adı zorunludur; Tutar sıfırdan büyük ve en fazla iki ondalık basamaklı olmalıdır',
      'Kalem biçimi hatalı',
    ]);
    const en = await init({ externalId: 'mixed-body-en', locale: 'EN', items: mixed().slice(0, 4) });
    expect(en.json.invalidItems[0].errorMessage).toBe('The IBAN is invalid');
  });

  test('a batch whose items are all invalid is still stored (INIT, no valid item)', async () => {
    const response = await init({ externalId: 'all-invalid', items: [5, { ...ibanItem(1), amount: { value: 0, currency: 'GBP' } }] });
    expect(response.status, response.text).toBe(200);
    expect(response.json.invalidItems).toHaveLength(2);
    expect(await storedBatch(response.json.requestId)).toMatchObject({ status: 'INIT', currency: 'TRY', item_count: 2, valid_count: 0, open_count: 0, total_amount: 0n });
  });

  test('the same request again returns the same requestId and invalid items and stores nothing new', async () => {
    const body = { externalId: 'replay-1', conversationId: 'first', items: [...ibanItems(3), 42] };
    const first = await init(body);
    expect(first.status, first.text).toBe(200);
    const before = await counts();
    // Another conversationId, another locale and other whitespace: still the same request.
    const again = await init(undefined, { rawBody: JSON.stringify({ ...body, conversationId: 'second', locale: 'en' }, null, 2) });
    expect(again.status, again.text).toBe(200);
    expect(again.json.requestId).toBe(first.json.requestId);
    expect(again.json.conversationId).toBe('second');
    expect(again.json.invalidItems).toEqual([{ externalId: null, errorCode: '6100', errorMessage: 'The item is malformed' }]);
    expect(await counts()).toEqual(before);
  });

  test('a different request under a used externalId is a 409 and stores nothing', async () => {
    const first = await init({ externalId: 'conflict-1', items: ibanItems(2) });
    expect(first.status).toBe(200);
    const before = await counts();
    for (const body of [
      { externalId: 'conflict-1', items: ibanItems(3) },
      { externalId: 'conflict-1', items: [ibanItems(2)[0], ibanItem(1, '2.01')] },
      { externalId: 'conflict-1', purpose: 'BONUS', items: ibanItems(2) },
    ]) {
      const response = await init(body, { query: '?locale=en' });
      expect(response.status, response.text).toBe(409);
      expect(response.json).toMatchObject({ status: 'failure', errorCode: '6002', errorGroup: 'CONFLICT', errorMessage: 'This externalId was used with a different request' });
    }
    expect(await counts()).toEqual(before);
  });

  test('externalId is per merchant: another merchant may use the same one', async () => {
    const other = await service.createMerchant();
    const mine = await init({ externalId: 'shared-ext', items: ibanItems(1) });
    const theirs = await init({ externalId: 'shared-ext', items: ibanItems(2) }, { as: other });
    expect(mine.status).toBe(200);
    expect(theirs.status, theirs.text).toBe(200);
    expect(theirs.json.requestId).not.toBe(mine.json.requestId);
    expect(await storedBatch(theirs.json.requestId)).toMatchObject({ merchant_id: BigInt(other.merchantId), item_count: 2 });
  });

  test.each([
    ['missing externalId', { items: ibanItems(1) }, 400, '11'],
    ['empty externalId', { externalId: '', items: ibanItems(1) }, 400, '11'],
    ['externalId too long', { externalId: 'e'.repeat(65), items: ibanItems(1) }, 400, '11'],
    ['externalId not a string', { externalId: 12, items: ibanItems(1) }, 400, '11'],
    ['missing items', { externalId: 'req-fail' }, 400, '11'],
    ['items not an array', { externalId: 'req-fail', items: { a: 1 } }, 400, '11'],
    ['empty items', { externalId: 'req-fail', items: [] }, 400, '6009'],
    ['unknown top-level field', { externalId: 'req-fail', items: ibanItems(1), extra: 1 }, 400, '11'],
    ['unknown purpose', { externalId: 'req-fail', purpose: 'GIFTS', items: ibanItems(1) }, 400, '11'],
    ['U+0000 in externalId', { externalId: 'req\u0000fail', items: ibanItems(1) }, 400, '21'],
    ['a lone surrogate in externalId', { externalId: 'req\ud800fail', items: ibanItems(1) }, 400, '21'],
    ['U+0000 in conversationId', { externalId: 'req-fail', conversationId: 'c\u0000', items: ibanItems(1) }, 400, '21'],
  ])('a request-level failure stores nothing: %s', async (_name, body, status, code) => {
    const before = await counts();
    const response = await init(body);
    expect(response.status, response.text).toBe(status);
    expect(response.json).toMatchObject({ status: 'failure', errorCode: code });
    expect(await counts()).toEqual(before);
  });

  test('malformed JSON is a 400 and stores nothing', async () => {
    const before = await counts();
    for (const rawBody of ['{"externalId": "bad-json", "items": [', 'not json', '']) {
      const response = await init(undefined, { rawBody });
      expect(response.status, response.text).toBe(400);
      expect(response.json.status).toBe('failure');
    }
    expect(await counts()).toEqual(before);
  });

  test('init takes bodies far beyond the 64 KiB of the other routes', async () => {
    const items = ibanItems(2000);
    const response = await init({ externalId: 'big-body', items });
    expect(JSON.stringify(items).length).toBeGreaterThan(300_000);
    expect(response.status, response.text).toBe(200);
    expect(await storedBatch(response.json.requestId)).toMatchObject({ item_count: 2000, valid_count: 2000, total_amount: 2000n * 2001n * 100n / 2n });
    const seqs = await service.db.query<{ min: number; max: number; distinct: bigint }>(
      'select min(seq) as min, max(seq) as max, count(distinct reference_code) as distinct from items where batch_id = $1',
      [response.json.requestId],
    );
    expect(seqs.rows[0]).toEqual({ min: 0, max: 1999, distinct: 2000n });
  });

  test('20 parallel inits with one externalId create exactly one batch', async () => {
    const body = { externalId: 'race-1', items: ibanItems(50) };
    const responses = await Promise.all(Array.from({ length: 20 }, () => init(body)));
    for (const response of responses) expect(response.status, response.text).toBe(200);
    const ids = new Set(responses.map((r) => r.json.requestId));
    expect(ids.size).toBe(1);
    const stored = await service.db.query<{ batches: bigint; items: bigint }>(
      `select count(*) as batches, (select count(*) from items i join batches b on b.id = i.batch_id where b.external_id = 'race-1') as items
       from batches where external_id = 'race-1'`,
    );
    expect(stored.rows[0]).toEqual({ batches: 1n, items: 50n });
  });

  test('20 parallel inits with one externalId and different bodies: one wins, the rest conflict', async () => {
    const responses = await Promise.all(Array.from({ length: 20 }, (_, i) => init({ externalId: 'race-2', items: [ibanItem(i)] })));
    const statuses = responses.map((r) => r.status).sort();
    expect(statuses.filter((s) => s === 200)).toHaveLength(1);
    expect(statuses.filter((s) => s === 409)).toHaveLength(19);
    const stored = await service.db.query<{ n: bigint }>(`select count(*) as n from batches where external_id = 'race-2'`);
    expect(stored.rows[0].n).toBe(1n);
  });

  test('an item with U+0000 or a lone surrogate in a field is INVALID, not a failed request', async () => {
    const response = await init({ externalId: 'nul-item', items: [{ ...ibanItem(1), description: 'a\u0000b' }, ibanItem(2), { ...ibanItem(3), description: 'x\ud800' }] });
    expect(response.status, response.text).toBe(200);
    expect(response.json.invalidItems).toEqual([
      { externalId: 'item-1', errorCode: '6100', errorMessage: 'Kalem biçimi hatalı' },
      { externalId: 'item-3', errorCode: '6100', errorMessage: 'Kalem biçimi hatalı' },
    ]);
    expect((await storedItems(response.json.requestId)).map((i) => [i.status, i.description])).toEqual([['INVALID', null], ['INIT', 'payout 2'], ['INVALID', null]]);
  });

  test('the IBAN of a stored item is in electronic format', async () => {
    const response = await init({ externalId: 'iban-format', items: [{ ...ibanItem(5), recipientInfo: trIban(5).toLowerCase().replace(/(.{4})/g, '$1 ') }] });
    expect(response.json.invalidItems).toEqual([]);
    expect((await storedItems(response.json.requestId))[0].recipient_info).toBe(trIban(5));
  });
});

describe('init limits', () => {
  let small: TestService;
  let smallMerchant: TestMerchant;

  beforeAll(async () => {
    small = await startTestService({ itemsPerBatchMax: 3, requestBodyBytesMax: 4096 });
    smallMerchant = await small.createMerchant();
  });
  afterAll(() => small?.close());

  async function smallCounts() {
    const result = await small.db.query<{ batches: bigint; items: bigint }>('select (select count(*) from batches) as batches, (select count(*) from items) as items');
    return result.rows[0];
  }

  test('more items than MASSPAYOUT_ITEMS_PER_BATCH_MAX is TOO_MANY_ITEMS and stores nothing', async () => {
    const over = await small.signed(smallMerchant, 'POST', initPath, { externalId: 'too-many', items: ibanItems(4) }, { query: '?locale=en' });
    expect(over.status, over.text).toBe(400);
    expect(over.json).toMatchObject({ errorCode: '6008', errorMessage: expect.stringContaining('Too many items') });
    expect(await smallCounts()).toEqual({ batches: 0n, items: 0n });
    const atLimit = await small.signed(smallMerchant, 'POST', initPath, { externalId: 'at-limit', items: ibanItems(3) });
    expect(atLimit.status, atLimit.text).toBe(200);
    expect(await smallCounts()).toEqual({ batches: 1n, items: 3n });
  });

  test('a body beyond MASSPAYOUT_BODY_BYTES_MAX is a 413 and stores nothing', async () => {
    const before = await smallCounts();
    const huge = await small.signed(smallMerchant, 'POST', initPath, { externalId: 'too-big', items: [{ ...ibanItem(1), description: 'd'.repeat(5000) }] });
    expect(huge.status, huge.text).toBe(413);
    expect(huge.json.errorCode).toBe('13');
    expect(await smallCounts()).toEqual(before);
  });
});

// Init writes items with COPY in its text format, where backslash, tab, newline and carriage return
// are escapes and `\N` is NULL: every one of them must come back exactly as sent.
describe('init storage', () => {
  const awkward = ['tab\there', 'line\nbreak', 'carriage\rreturn', 'back\\slash', '\\N', '\\', 'quote " and , and {braces}', 'Ayşe Yılmaz 🎉', ' '];

  test('text with COPY escapes, NULL markers and non-ASCII is stored exactly as sent, valid or not', async () => {
    const items = awkward.map((text, i) => ({ ...ibanItem(i + 1), itemExternalId: `ext ${text} ${i}`, recipientName: `name ${text}`, description: text }));
    // Invalid ones keep what could be read: a recipient type that is not one, and a missing name.
    items.push({ ...ibanItem(90), itemExternalId: 'bad\ttype', recipientType: 'IB\tAN\\N', description: null } as never);
    items.push({ ...ibanItem(91), itemExternalId: 'no name', recipientName: undefined, description: '\\N' } as never);
    const response = await service.signed(merchant, 'POST', '/v1/mass/payout/init', { externalId: 'copy-escapes', items });
    expect(response.status, response.text).toBe(200);
    const rows = await service.db.query<{ seq: number; item_external_id: string; recipient_type: string; recipient_name: string | null; description: string | null; status: string; error_codes: string[] }>(
      'select seq, item_external_id, recipient_type, recipient_name, description, status, error_codes from items where batch_id = $1 order by seq',
      [response.json.requestId],
    );
    expect(rows.rows).toHaveLength(items.length);
    awkward.forEach((text, i) => {
      expect(rows.rows[i]).toEqual({ seq: i, item_external_id: `ext ${text} ${i}`, recipient_type: 'IBAN', recipient_name: `name ${text}`, description: text, status: 'INIT', error_codes: [] });
    });
    expect(rows.rows[awkward.length]).toMatchObject({ item_external_id: 'bad\ttype', recipient_type: 'IB\tAN\\N', description: null, status: 'INVALID', error_codes: ['6103'] });
    expect(rows.rows[awkward.length + 1]).toMatchObject({ item_external_id: 'no name', recipient_name: null, description: '\\N', status: 'INVALID' });
    expect(rows.rows[awkward.length + 1].error_codes).toHaveLength(1);
  });
});

// The body is read as it arrives: members in any order, items written before the signature is
// known, and nothing committed unless it is right.
describe('init streamed', () => {
  /** More items than one COPY chunk, so the items are written while the body still arrives. */
  const beyondOneChunk = limits.insertChunkRows + 500;

  test('externalId, purpose and conversationId after the items: stored the same; the same request in another member order is a replay', async () => {
    const items = [...ibanItems(3), { ...ibanItem(9), amount: { value: 0, currency: 'TRY' } }];
    const last = `{"items":${JSON.stringify(items)},"purpose":"BONUS","conversationId":"conv-after","externalId":"members-after"}`;
    const response = await init(undefined, { rawBody: last, query: '?locale=en' });
    expect(response.status, response.text).toBe(200);
    expect(response.json).toMatchObject({ conversationId: 'conv-after', invalidItems: [{ externalId: 'item-9', errorCode: '6111' }] });
    expect(await storedBatch(response.json.requestId)).toMatchObject({ external_id: 'members-after', purpose: 'BONUS', conversation_id: 'conv-after', item_count: 4, valid_count: 3 });
    const before = await counts();
    const again = await init({ externalId: 'members-after', purpose: 'BONUS', items });
    expect(again.json.requestId).toBe(response.json.requestId);
    expect(await counts()).toEqual(before);
  });

  test('a batch stored under the fingerprint of before streaming is still recognised as its request', async () => {
    const items = ibanItems(2);
    const first = await init({ externalId: 'legacy-fingerprint', purpose: 'SALARY', items });
    expect(first.status, first.text).toBe(200);
    const legacy = createHash('sha256').update(JSON.stringify(['legacy-fingerprint', 'SALARY', items])).digest('hex');
    await service.db.query('update batches set fingerprint = $2 where id = $1', [first.json.requestId, legacy]);
    const again = await init({ locale: 'en', externalId: 'legacy-fingerprint', purpose: 'SALARY', items });
    expect(again.status, again.text).toBe(200);
    expect(again.json.requestId).toBe(first.json.requestId);
    const other = await init({ externalId: 'legacy-fingerprint', purpose: 'SALARY', items: items.slice(1) });
    expect(other.status).toBe(409);
  });

  test('invalid items without a currency before the first item that names one get the batch currency', async () => {
    const noCurrency = { ...ibanItem(1), amount: { value: '5.00' } };
    const response = await init({ externalId: 'currency-later', items: [noCurrency, ibanItem(2, '1.00', 'EUR'), { ...noCurrency, itemExternalId: 'item-3' }] });
    expect(response.status, response.text).toBe(200);
    expect((await storedItems(response.json.requestId)).map((row) => [row.status, row.currency])).toEqual([['INVALID', 'EUR'], ['INIT', 'EUR'], ['INVALID', 'EUR']]);
    expect(await storedBatch(response.json.requestId)).toMatchObject({ currency: 'EUR', valid_count: 1 });
  });

  test(`${beyondOneChunk} items: stored in order with their totals; the same body with a wrong signature, broken at its end or a member too many stores nothing`, { timeout: 120_000 }, async () => {
    const items = ibanItems(beyondOneChunk);
    const body = JSON.stringify({ items, externalId: 'streamed-many' });
    const before = await counts();
    const wrong = await service.signed({ ...merchant, secretKey: 'not-the-secret' }, 'POST', initPath, undefined, { rawBody: body });
    expect([wrong.status, wrong.json.errorCode]).toEqual([401, '1000']);
    const broken = await init(undefined, { rawBody: body.slice(0, -1) });
    expect([broken.status, broken.json.errorCode]).toEqual([400, '12']);
    const extra = await init(undefined, { rawBody: body.slice(0, -1) + ',"callbackUrl":"http://x"}' });
    expect([extra.status, extra.json.errorCode]).toEqual([400, '11']);
    expect(await counts()).toEqual(before);

    const response = await init(undefined, { rawBody: body });
    expect(response.status, response.text).toBe(200);
    const stored = await service.db.query<{ n: bigint; seqs: bigint; first: string; last: string; total: bigint }>(
      `select count(*) as n, count(distinct seq) as seqs, min(item_external_id) filter (where seq = 0) as first,
              min(item_external_id) filter (where seq = $2) as last, sum(amount)::int8 as total from items where batch_id = $1`,
      [response.json.requestId, beyondOneChunk - 1],
    );
    const expectedTotal = items.reduce((sum, item) => sum + BigInt(Math.round(Number((item.amount as { value: string }).value) * 100)), 0n);
    expect(stored.rows[0]).toEqual({ n: BigInt(beyondOneChunk), seqs: BigInt(beyondOneChunk), first: 'item-0', last: `item-${beyondOneChunk - 1}`, total: expectedTotal });
    expect(await storedBatch(response.json.requestId)).toMatchObject({ item_count: beyondOneChunk, valid_count: beyondOneChunk, total_amount: expectedTotal });
  });
});

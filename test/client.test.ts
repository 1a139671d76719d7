import { randomUUID } from 'node:crypto';
import { createServer, type Server } from 'node:net';
import { composeIBAN } from 'ibantools';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { AdminClient, MassPayoutClient, MassPayoutError, type BatchProgress, type InitItemInput, type RetryNotice } from '../src/client/index.ts';
import { createRails } from '../src/rails/index.ts';
import { defaultSandboxConfig } from '../src/rails/sandbox-config.ts';
import { startWorkers, type Workers } from '../src/workers/start-workers.ts';
import { type FlakyProxy, type ProxyMode, startFlakyProxy } from './support/flaky-proxy.ts';
import { expectBooksBalanced, startTestService, type TestMerchant, type TestService } from './support/service.ts';

/**
 * The SDK against the real service on a real database: every method, every kind of failure as a
 * MassPayoutError, and the retry rules — against a proxy that drops connections before the request
 * reaches the service, or after the service has acted on it (the case where a careless retry would
 * make a second batch).
 */
let service: TestService;
const cleanups: Array<() => Promise<void>> = [];
beforeAll(async () => {
  service = await startTestService();
});
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});
afterAll(async () => {
  await service?.close();
});

const iban = (n: number) => composeIBAN({ countryCode: 'TR', bban: `000620${String(n).padStart(16, '0')}` })!;
const ibanItem = (n: number, value = '100.00'): InitItemInput => ({
  itemExternalId: `pay-${n}`,
  recipientType: 'IBAN',
  recipientInfo: iban(n),
  recipientName: `Alıcı ${n} Çağrı Öztürk`,
  description: `Ödeme ${n}`,
  amount: { value, currency: 'TRY' },
});
const badIbanItem: InitItemInput = { ...ibanItem(900), itemExternalId: 'bad-iban', recipientInfo: 'TR330006100519786457841327' };

function clientFor(merchant: TestMerchant, baseUrl = service.url, extra: Partial<ConstructorParameters<typeof MassPayoutClient>[0]> = {}) {
  return new MassPayoutClient({ baseUrl, apiKey: merchant.apiKey, secretKey: merchant.secretKey, locale: 'en', retry: { backoffBaseMs: 20 }, ...extra });
}

async function proxy(plan: (connection: number) => ProxyMode): Promise<FlakyProxy> {
  const started = await startFlakyProxy(service.url, plan);
  cleanups.push(() => started.close());
  return started;
}

async function failureOf(promise: Promise<unknown>): Promise<MassPayoutError> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(MassPayoutError);
  return error as MassPayoutError;
}

async function batchesOf(merchant: TestMerchant): Promise<number> {
  const result = await service.db.query<{ n: bigint }>('select count(*)::int8 as n from batches where merchant_id = $1', [merchant.merchantId]);
  return Number(result.rows[0].n);
}

async function merchantWithMoney(amount = '100000.00'): Promise<TestMerchant> {
  const merchant = await service.createMerchant();
  await service.deposit(merchant, amount);
  return merchant;
}

describe('MassPayoutClient: happy paths', () => {
  it('init, retrieve, items (page by page), item, auth, balance — typed from the contract', async () => {
    const merchant = await merchantWithMoney('1000.00');
    const client = clientFor(merchant);
    const items = [ibanItem(1, '10.50'), ibanItem(2, '20'), badIbanItem, ibanItem(3, '30.25'), ibanItem(4, '1')];

    const init = await client.init({ externalId: 'sdk-happy', conversationId: 'conv-1', purpose: 'SALARY', items });
    expect(init).toMatchObject({ status: 'success', locale: 'en', conversationId: 'conv-1' });
    expect(init.invalidItems).toEqual([{ externalId: 'bad-iban', errorCode: '6104', errorMessage: 'The IBAN is invalid' }]);

    const page = await client.retrieve({ requestId: init.requestId, page: 0, size: 2 });
    expect(page.massPayout).toMatchObject({ requestId: init.requestId, externalId: 'sdk-happy', massPayoutStatus: 'INIT', totalAmount: 61.75, itemCount: 5 });
    expect(page.massPayoutItems.items.map((i) => i.itemExternalId)).toEqual(['pay-1', 'pay-2']);

    const all: string[] = [];
    for await (const item of client.items(init.requestId, { pageSize: 2 })) all.push(`${item.itemExternalId}:${item.itemStatus}`);
    expect(all).toEqual(['pay-1:INIT', 'pay-2:INIT', 'bad-iban:INVALID', 'pay-3:INIT', 'pay-4:INIT']);
    const invalid: string[] = [];
    for await (const item of client.items(init.requestId, { itemType: 'INVALID', pageSize: 1 })) invalid.push(item.errorMessage ?? '');
    expect(invalid).toEqual(['The IBAN is invalid']);

    const detail = await client.item(page.massPayoutItems.items[0].referenceCode);
    expect(detail.item).toMatchObject({ itemExternalId: 'pay-1', recipientName: 'Alıcı 1 Çağrı Öztürk', totalAmount: 10.5, currencyCode: 'TRY' });

    expect(await client.auth(init.requestId)).toMatchObject({ status: 'success' });
    const balance = await client.balance();
    expect(balance.balances).toEqual([{ currency: 'TRY', available: '938.25', reserved: '61.75' }]);
    await expectBooksBalanced(service.db);
  });

  it('cancel sends no body and signs the path alone; GETs send no body; ?locale= is never signed', async () => {
    const merchant = await service.createMerchant();
    const seen = await proxy(() => 'pass');
    const client = clientFor(merchant, seen.url);
    const init = await client.init({ externalId: 'sdk-cancel', items: [ibanItem(1)] });
    expect(await client.cancel(init.requestId)).toMatchObject({ status: 'success' });
    await client.balance();
    const heads = seen.received().join('').split(/(?=(?:GET|POST) \/)/);
    const cancel = heads.find((h) => h.startsWith(`POST /v1/mass/payout/cancel/${init.requestId}?locale=en `))!;
    const balance = heads.find((h) => h.startsWith('GET /v1/mass/payout/balance?locale=en '))!;
    for (const request of [cancel, balance]) {
      expect(request).toBeDefined();
      expect(request).not.toMatch(/content-type/i);
      expect(request).not.toMatch(/content-length: [1-9]/i);
      expect(request.endsWith('\r\n\r\n')).toBe(true);
    }
    expect((await client.retrieve({ requestId: init.requestId, page: 0, size: 1 })).massPayout.massPayoutStatus).toBe('CANCELED');
    expect(await client.cancel(init.requestId, { conversationId: 'again' })).toMatchObject({ status: 'success', conversationId: 'again' });
  });

  it('waitUntilFinal follows a batch through the workers to COMPLETED, reporting progress on the way', async () => {
    const rails = createRails(service.db, { ...defaultSandboxConfig, settleMs: 200 });
    const workers: Workers = startWorkers({ db: service.db, rails, concurrency: 1, pollMs: 20, log: () => {} });
    cleanups.push(() => workers.stop());
    const merchant = await merchantWithMoney('1000.00');
    const client = clientFor(merchant);
    const closed = { ...ibanItem(5), recipientInfo: composeIBAN({ countryCode: 'TR', bban: '0006200000000000000099' })!, itemExternalId: 'closed-99' };
    const init = await client.init({ externalId: 'sdk-wait', items: [ibanItem(1, '100'), ibanItem(2, '50'), closed, badIbanItem] });
    await client.auth(init.requestId);

    const seen: BatchProgress[] = [];
    const final = await client.waitUntilFinal(init.requestId, { intervalMs: 50, timeoutMs: 30_000, onProgress: (p) => seen.push(p) });
    expect(final).toMatchObject({ status: 'COMPLETED', isFinal: true, itemCount: 4, totalAmount: 250, totalSuccessfulAmount: 150 });
    expect(final.counts).toEqual({ final: 4, paid: 2, failed: 1, invalid: 1, canceled: 0 });
    expect(seen.at(-1)).toEqual(final);
    expect(seen.slice(0, -1).every((p) => !p.isFinal)).toBe(true);
    await expectBooksBalanced(service.db);
  });

  it('waitUntilFinal returns once a waiting batch is canceled, and gives up with WAIT_TIMEOUT', async () => {
    const merchant = await service.createMerchant();
    const client = clientFor(merchant);
    const init = await client.init({ externalId: 'sdk-wait-cancel', items: [ibanItem(1)] });

    const timedOut = await failureOf(client.waitUntilFinal(init.requestId, { intervalMs: 20, timeoutMs: 100 }));
    expect(timedOut).toMatchObject({ errorCode: 'WAIT_TIMEOUT', httpStatus: 0, retryable: true });

    const statuses: string[] = [];
    const waiting = client.waitUntilFinal(init.requestId, {
      intervalMs: 20,
      timeoutMs: 10_000,
      onProgress: (p) => {
        statuses.push(p.status);
        // Cancel once the wait has seen the batch waiting: the next look must find it final.
        if (statuses.length === 1) void client.cancel(init.requestId);
      },
    });
    expect((await waiting).status).toBe('CANCELED');
    expect(statuses[0]).toBe('INIT');
    expect(statuses.at(-1)).toBe('CANCELED');
  });
});

describe('MassPayoutClient: every failure is a MassPayoutError', () => {
  it('maps the service’s failure envelopes: code, message in the locale, HTTP status, retryable', async () => {
    const merchant = await merchantWithMoney('10.00');
    const client = clientFor(merchant);
    const tr = clientFor(merchant, service.url, { locale: 'tr' });

    const notFound = await failureOf(client.retrieve({ requestId: randomUUID(), page: 0, size: 1 }));
    expect(notFound).toMatchObject({ errorCode: '6001', errorMessage: 'Mass payout not found', httpStatus: 404, retryable: false, errorGroup: 'NOT_FOUND' });
    expect(notFound.message).toBe('6001: Mass payout not found');
    expect(await failureOf(tr.retrieve({ requestId: randomUUID(), page: 0, size: 1 }))).toMatchObject({ errorMessage: 'Toplu ödeme bulunamadı' });
    expect(await failureOf(client.item(randomUUID()))).toMatchObject({ errorCode: '6007', httpStatus: 404 });

    const init = await client.init({ externalId: 'sdk-fail', items: [ibanItem(1, '100.00')] });
    expect(await failureOf(client.auth(init.requestId))).toMatchObject({ errorCode: '6003', httpStatus: 409, retryable: false });
    expect(await failureOf(client.init({ externalId: 'sdk-fail', items: [ibanItem(1, '99.00')] }))).toMatchObject({ errorCode: '6002', httpStatus: 409 });
    expect(await failureOf(client.init({ externalId: 'sdk-empty', items: [] }))).toMatchObject({ errorCode: '6009', httpStatus: 400 });
    expect(await failureOf(client.retrieve({ requestId: init.requestId, page: 0, size: 5000 }))).toMatchObject({ errorCode: '11', httpStatus: 400 });

    await service.deposit(merchant, '200.00');
    await client.auth(init.requestId);
    expect(await failureOf(client.cancel(init.requestId))).toMatchObject({ errorCode: '6006', httpStatus: 409 });

    const other = await client.init({ externalId: 'sdk-fail-2', items: [ibanItem(2)] });
    await client.cancel(other.requestId);
    expect(await failureOf(client.auth(other.requestId))).toMatchObject({ errorCode: '6004', httpStatus: 409 });
    const allInvalid = await client.init({ externalId: 'sdk-fail-3', items: [badIbanItem] });
    expect(await failureOf(client.auth(allInvalid.requestId))).toMatchObject({ errorCode: '6005', httpStatus: 409 });
    await expectBooksBalanced(service.db);
  });

  it('a wrong secret key or an unknown API key is 1000, never retried', async () => {
    const merchant = await service.createMerchant();
    const attempts: RetryNotice[] = [];
    const wrongSecret = clientFor({ ...merchant, secretKey: merchant.secretKey + 'x' }, service.url, { onRetry: (n) => attempts.push(n) });
    expect(await failureOf(wrongSecret.balance())).toMatchObject({ errorCode: '1000', httpStatus: 401, retryable: false, errorGroup: 'AUTHENTICATION' });
    const unknown = clientFor({ ...merchant, apiKey: 'no-such-key' });
    expect(await failureOf(unknown.balance())).toMatchObject({ errorCode: '1000', httpStatus: 401 });
    expect(attempts).toEqual([]);
  });

  it('413 for a body over the service’s limit', async () => {
    const small = await startTestService({ requestBodyBytesMax: 2048 });
    cleanups.push(() => small.close());
    const merchant = await small.createMerchant();
    const client = clientFor(merchant, small.url);
    const items = Array.from({ length: 40 }, (_, i) => ibanItem(i));
    expect(await failureOf(client.init({ externalId: 'too-big', items }))).toMatchObject({ errorCode: '13', httpStatus: 413, retryable: false });
  });

  it('no service at all: NETWORK_ERROR after the bounded attempts', async () => {
    const closed = await closedPort();
    const merchant = await service.createMerchant();
    const notices: RetryNotice[] = [];
    const client = clientFor(merchant, `http://127.0.0.1:${closed}`, { onRetry: (n) => notices.push(n) });
    const error = await failureOf(client.balance());
    expect(error).toMatchObject({ errorCode: 'NETWORK_ERROR', httpStatus: 0, retryable: true });
    expect(error.errorMessage).toContain('ECONNREFUSED');
    expect(notices.map((n) => n.attempt)).toEqual([1, 2]);
  });

  it('a service that never answers: TIMEOUT at the call’s deadline', async () => {
    const merchant = await service.createMerchant();
    const silent = await proxy(() => 'hang');
    const client = clientFor(merchant, silent.url, { timeoutMs: 300 });
    const started = Date.now();
    expect(await failureOf(client.balance())).toMatchObject({ errorCode: 'TIMEOUT', httpStatus: 0, retryable: true });
    expect(Date.now() - started).toBeLessThan(5_000);
    expect(silent.connections()).toBe(1);
  });

  it('an answer that is not the API’s envelope: BAD_RESPONSE (a 502 page is retried, then reported)', async () => {
    const merchant = await service.createMerchant();
    const gateway = await proxy(() => 'bad-gateway');
    const error = await failureOf(clientFor(merchant, gateway.url).balance());
    expect(error).toMatchObject({ errorCode: 'BAD_RESPONSE', httpStatus: 502, retryable: true });
    expect(gateway.connections()).toBe(3);

    const notJson = await plainHttpServer('HTTP/1.1 200 OK\r\ncontent-type: text/plain\r\ncontent-length: 5\r\nconnection: close\r\n\r\nhello');
    expect(await failureOf(clientFor(merchant, notJson).balance())).toMatchObject({ errorCode: 'BAD_RESPONSE', httpStatus: 200, retryable: false });
  });
});

describe('MassPayoutClient: retries', () => {
  it('retries a connection dropped before the request arrived, signing each attempt with a fresh random key', async () => {
    const merchant = await merchantWithMoney();
    const flaky = await proxy((n) => (n < 2 ? 'refuse' : 'pass'));
    const notices: RetryNotice[] = [];
    const client = clientFor(merchant, flaky.url, { onRetry: (n) => notices.push(n) });
    const balance = await client.balance();
    expect(balance.balance).toBe('100000');
    expect(notices.map((n) => [n.attempt, n.error.errorCode, n.operation])).toEqual([
      [1, 'NETWORK_ERROR', 'GET /v1/mass/payout/balance'],
      [2, 'NETWORK_ERROR', 'GET /v1/mass/payout/balance'],
    ]);
  });

  it('init whose answer is lost after the service stored the batch: the retry gets the same batch, never a second', async () => {
    const merchant = await merchantWithMoney();
    const lossy = await proxy((n) => (n === 0 ? 'drop-response' : 'pass'));
    const notices: RetryNotice[] = [];
    const client = clientFor(merchant, lossy.url, { onRetry: (n) => notices.push(n) });
    const init = await client.init({ externalId: 'lost-answer', items: [ibanItem(1), ibanItem(2), badIbanItem] });
    expect(notices).toHaveLength(1);
    expect(init.invalidItems).toHaveLength(1);
    expect(await batchesOf(merchant)).toBe(1);
    // The first attempt's random key reached the service; a retry with the same key would be a 1001.
    const keys = lossy.received().map((text) => /x-iyzi-rnd: (\S+)/i.exec(text)?.[1]);
    expect(new Set(keys).size).toBe(2);

    // auth whose answer is lost: the retry finds the batch authorised and succeeds, reserving once.
    const lossyAuth = await proxy((n) => (n === 0 ? 'drop-response' : 'pass'));
    await clientFor(merchant, lossyAuth.url).auth(init.requestId);
    const balance = await clientFor(merchant).balance();
    expect(balance.balances).toEqual([{ currency: 'TRY', available: '99800', reserved: '200' }]);
    await expectBooksBalanced(service.db);
  });

  it('retries a 5xx, a bounded number of times', async () => {
    const merchant = await service.createMerchant();
    const busy = await proxy((n) => (n < 2 ? 'error-503' : 'pass'));
    expect((await clientFor(merchant, busy.url).balance()).status).toBe('success');
    expect(busy.connections()).toBe(3);

    const down = await proxy(() => 'error-503');
    const error = await failureOf(clientFor(merchant, down.url).balance());
    expect(error).toMatchObject({ errorCode: '1', httpStatus: 503, retryable: true });
    expect(down.connections()).toBe(3);
  });

  it('never retries an init without externalId', async () => {
    const merchant = await service.createMerchant();
    const lossy = await proxy(() => 'drop-response');
    const client = clientFor(merchant, lossy.url);
    const error = await failureOf(client.init({ items: [ibanItem(1)] } as never));
    expect(error).toMatchObject({ errorCode: 'NETWORK_ERROR', retryable: true });
    expect(lossy.connections()).toBe(1);
    const busy = await proxy(() => 'error-503');
    expect(await failureOf(clientFor(merchant, busy.url).init({ items: [ibanItem(1)] } as never))).toMatchObject({ httpStatus: 503 });
    expect(busy.connections()).toBe(1);
  });

  it('never retries a 4xx', async () => {
    const merchant = await service.createMerchant();
    const counting = await proxy(() => 'pass');
    const notices: RetryNotice[] = [];
    await failureOf(clientFor(merchant, counting.url, { onRetry: (n) => notices.push(n) }).retrieve({ requestId: randomUUID(), page: 0, size: 1 }));
    expect(notices).toEqual([]);
    expect(counting.received().join('').match(/POST \/v1\/mass\/payout\/retrieve/g)).toHaveLength(1);
  });
});

describe('AdminClient', () => {
  it('creates a merchant, deposits, adds a member, checks the ledger and the audit trail', async () => {
    const admin = new AdminClient({ baseUrl: service.url, token: service.adminToken });
    const created = await admin.createMerchant({ name: 'Anadolu Lojistik A.Ş.', commission: { fixed: '1.00' } });
    expect(created).toMatchObject({ merchantId: expect.any(Number), apiKey: expect.any(String), secretKey: expect.any(String) });
    const deposit = await admin.deposit(created.merchantId, { amount: '500.00', currency: 'TRY' });
    expect(deposit).toMatchObject({ merchantId: created.merchantId, currency: 'TRY', available: '500' });
    expect(await admin.addMember({ memberId: '777001', name: 'Barış Polat', phone: '+905321230001' })).toMatchObject({ memberId: '777001' });
    expect(await failureOf(admin.addMember({ memberId: '777001', name: 'Barış Polat' }))).toMatchObject({ errorCode: '7002', httpStatus: 409 });
    expect(await admin.trialBalance()).toMatchObject({ balanced: true });
    expect(await admin.verifyAudit()).toMatchObject({ ok: true });
    const wrong = new AdminClient({ baseUrl: service.url, token: 'wrong' });
    expect(await failureOf(wrong.trialBalance())).toMatchObject({ errorCode: '1010', httpStatus: 401 });
  });

  it('never retries a POST (a deposit has no idempotency key)', async () => {
    const created = await service.createMerchant();
    const lossy = await proxy((n) => (n === 0 ? 'drop-response' : 'pass'));
    const admin = new AdminClient({ baseUrl: lossy.url, token: service.adminToken });
    expect(await failureOf(admin.deposit(created.merchantId, { amount: '5.00', currency: 'TRY' }))).toMatchObject({ errorCode: 'NETWORK_ERROR' });
    expect(lossy.connections()).toBe(1);
    // The deposit the lost answer was for did happen — once.
    expect((await clientFor(created).balance()).balance).toBe('5');
  });
});

/** A port with nothing listening (bound, then closed). */
async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

/** A server that answers every connection with the given raw HTTP response. */
async function plainHttpServer(response: string): Promise<string> {
  const server: Server = createServer((socket) => {
    socket.on('error', () => {});
    socket.once('data', () => socket.end(response));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  cleanups.push(() => new Promise<void>((resolve) => server.close(() => resolve())));
  return `http://127.0.0.1:${(server.address() as { port: number }).port}`;
}

import { randomBytes } from 'node:crypto';
import { Webhook } from 'standardwebhooks';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { verifyWebhook } from '../src/client/webhooks.ts';
import { SecretBox } from '../src/merchants/secret-box.ts';
import { returnPaidItems } from '../src/payouts/return-items.ts';
import { claimChunkAt } from '../src/queue/claim.ts';
import { createRails } from '../src/rails/index.ts';
import { startWebhookDispatcher, type Dispatcher } from '../src/webhooks/dispatcher.ts';
import { webhookEventTypes } from '../src/webhooks/event-types.ts';
import { sendWebhook } from '../src/webhooks/send.ts';
import { checkWebhookUrl } from '../src/webhooks/url-safety.ts';
import { askRails } from '../src/workers/ask-rails.ts';
import { loadBatchRefs } from '../src/workers/batch-refs.ts';
import { handOver } from '../src/workers/hand-over.ts';
import { settleBatch } from '../src/workers/settle-batch.ts';
import { operatorSession } from './support/console-http.ts';
import { ibanItem } from './support/items.ts';
import { startTestWorkers, submitBatch, testSandbox, waitUntilFinal, type TestWorkers } from './support/processing.ts';
import { expectBooksBalanced, startTestService, type TestMerchant, type TestService } from './support/service.ts';
import { startReceiver, type Received, type Receiver } from './support/webhook-receiver.ts';
import { waitFor, waitUntil } from './support/wait.ts';
import { toJsonAmount } from '../src/money.ts';

/**
 * Outcome webhooks end to end: the real service, workers and delivery loop on a real database, a
 * real HTTP receiver on loopback (hence MASSPAYOUT_WEBHOOK_ALLOW_PRIVATE's opt-in here), and the
 * standardwebhooks package verifying every request as a merchant's receiver would.
 */
const retryScheduleMs = [0, 200, 200, 200, 200];
const box = new SecretBox(randomBytes(32));
let service: TestService;
let workers: TestWorkers;
let dispatcher: Dispatcher;
let receiver: Receiver;
const logs: string[] = [];

beforeAll(async () => {
  service = await startTestService({ webhooks: { allowPrivate: true, retryScheduleMs } }, { box });
  workers = startTestWorkers(service);
  dispatcher = startWebhookDispatcher({ db: service.db, box, config: { allowPrivate: true, retryScheduleMs }, claimer: 'test/webhooks', log: (line) => logs.push(line), pollMs: 25 });
  receiver = await startReceiver();
});
afterAll(async () => {
  await dispatcher?.stop();
  await workers?.stop();
  await receiver?.close();
  await service?.close();
});

interface Registered {
  id: string;
  secret: string;
}

async function register(merchant: TestMerchant, path: string, body: Record<string, unknown> = {}): Promise<Registered> {
  const response = await service.admin('POST', `/admin/v1/merchants/${merchant.merchantId}/webhooks`, { url: receiver.url + path, ...body });
  expect(response.status, response.text).toBe(201);
  expect(response.json.secret).toMatch(/^whsec_[A-Za-z0-9+/]+=*$/);
  return { id: response.json.id, secret: response.json.secret };
}

async function funded(amount = '10000'): Promise<TestMerchant> {
  const merchant = await service.createMerchant({ fixed: '1.00' });
  await service.deposit(merchant, amount);
  return merchant;
}

function at(path: string): Received[] {
  return receiver.received.filter((r) => r.path === path);
}

function eventsAt(path: string): any[] {
  return at(path).map((r) => JSON.parse(r.body));
}

function verified(r: Received, secret: string): any {
  return new Webhook(secret).verify(r.body, r.headers as Record<string, string>);
}

describe('outcome webhooks', () => {
  it('a paid batch: authorized, its paid and refunded items grouped in one items.settled, completed; each signed as Standard Webhooks says', async () => {
    const merchant = await funded();
    const endpoint = await register(merchant, '/paid');
    const items = [ibanItem(1, '100.00'), ibanItem(2, '50.00'), { ...ibanItem(3, '25.00'), recipientInfo: ibanItem(99, '1').recipientInfo }];
    const requestId = await submitBatch(service, merchant, items);
    await waitUntilFinal(service, merchant, requestId);
    await receiver.waitFor(() => eventsAt('/paid').some((e) => e.type === 'mass_payout.completed'));

    const events = at('/paid').map((r) => verified(r, endpoint.secret) as any);
    // One settlement: all of its items' outcomes in one event, written before it takes the merchant's shared locks.
    expect(events.map((e) => e.type)).toEqual(['mass_payout.authorized', 'mass_payout.items.settled', 'mass_payout.completed']);
    const [authorized, settled, completed] = events;
    expect(authorized.data).toMatchObject({ requestId, massPayoutStatus: 'IN_PROGRESS', currency: 'TRY', totalAmount: 175, itemCount: 3 });
    expect(completed.data).toMatchObject({ requestId, massPayoutStatus: 'COMPLETED', totalSuccessfulAmount: 150, totalCommissionAmount: 2 });
    expect(settled.data.items.map((i: any) => [i.type, i.itemStatus, i.totalAmount]).sort()).toEqual([
      ['mass_payout.item.refunded', 'DEPOSIT_SUCCESS', 25],
      ['mass_payout.item.succeeded', 'SUCCESS', 100],
      ['mass_payout.item.succeeded', 'SUCCESS', 50],
    ]);
    const refunded = settled.data.items.find((i: any) => i.itemStatus === 'DEPOSIT_SUCCESS');
    expect(refunded).toMatchObject({ errorCodes: ['6201'], errorMessage: 'The recipient account is closed' });
    // The batch's sequence numbers increase in the order the changes committed.
    expect(events.map((e) => e.data.sequence)).toEqual([1, 2, 3]);
    for (const r of at('/paid')) {
      expect(r.headers['webhook-id']).toMatch(/^msg_[0-9a-f]{32}$/);
      expect(Number(r.headers['webhook-timestamp'])).toBeGreaterThan(Date.now() / 1000 - 60);
      expect(r.headers['webhook-signature']).toMatch(/^v1,[A-Za-z0-9+/]+=*$/);
      expect(() => verified({ ...r, body: r.body.replace('TRY', 'USD') }, endpoint.secret)).toThrow(/signature/i);
    }
    await expectBooksBalanced(service.db);
  });

  it('a delivery is not committed unnumbered: a settlement numbers the ones it wrote before its locks, or the commit fails', async () => {
    const merchant = await funded();
    const endpoint = await register(merchant, '/unnumbered');
    const insert = `insert into webhook_deliveries (message_id, endpoint_id, batch_id, event_type, sequence, body_head)
                    values ($1, $2, gen_random_uuid(), 'mass_payout.completed', 0, '{}')`;
    await expect(service.db.transaction((tx) => tx.query(insert, ['msg_unnumbered', endpoint.id]))).rejects.toThrow(/without its sequence number/);
    await service.db.transaction(async (tx) => {
      await tx.query(insert, ['msg_numbered', endpoint.id]);
      await tx.query(`update webhook_deliveries set sequence = 1, status = 'failed' where message_id = 'msg_numbered'`);
    });
    const stored = await service.db.query<{ message_id: string }>(`select message_id from webhook_deliveries where message_id in ('msg_unnumbered', 'msg_numbered')`);
    expect(stored.rows.map((r) => r.message_id)).toEqual(['msg_numbered']);
  });

  it('a receiver failing the first attempts gets the same webhook-id again and succeeds later; every attempt is listed', async () => {
    const merchant = await funded();
    receiver.answer('/flaky', (count) => (count <= 2 ? { status: 500 } : { status: 204 }));
    const endpoint = await register(merchant, '/flaky', { events: ['mass_payout.authorized'] });
    const requestId = await submitBatch(service, merchant, [ibanItem(4, '10.00')]);
    await receiver.waitFor(() => at('/flaky').length >= 3);
    const ids = at('/flaky').map((r) => r.headers['webhook-id']);
    expect(new Set(ids).size).toBe(1);
    expect(at('/flaky').map((r) => r.answered)).toEqual([500, 500, 204]);
    expect(verified(at('/flaky')[2], endpoint.secret)).toMatchObject({ type: 'mass_payout.authorized', data: { requestId } });

    let delivery: any;
    await waitFor(
      async () => {
        const page = await service.admin('GET', `/admin/v1/merchants/${merchant.merchantId}/webhooks/${endpoint.id}/deliveries`);
        expect(page.status, page.text).toBe(200);
        delivery = page.json.deliveries[0];
        return delivery.status === 'succeeded' || undefined;
      },
      10_000,
      () => JSON.stringify(delivery),
      25,
    );
    expect(delivery).toMatchObject({ messageId: ids[0], eventType: 'mass_payout.authorized', requestId, status: 'succeeded', attempts: 3, nextAttemptAt: null });
    expect(delivery.attemptLog.map((a: any) => a.httpStatus)).toEqual([500, 500, 204]);
    expect(at('/flaky').length).toBe(3);
    // The success ended the endpoint's streak of two failures.
    const listed = (await service.admin('GET', `/admin/v1/merchants/${merchant.merchantId}/webhooks`)).json.endpoints.find((w: any) => w.id === endpoint.id);
    expect(listed).toMatchObject({ status: 'active', consecutiveFailures: 0, lastSuccessAt: expect.any(String) });

    // The console shows the operator the same: the merchant's endpoint, its delivery, every attempt.
    const operator = await operatorSession(service.url, service.adminToken);
    const endpoints = await operator.get(`/console/webhooks?merchant=${merchant.merchantId}`);
    expect(endpoints.status).toBe(200);
    expect(endpoints.text).toContain(`<tr data-endpoint="${endpoint.id}">`);
    expect(endpoints.text).toContain(`<code>${receiver.url}/flaky</code>`);
    const deliveries = await operator.get(`/console/webhooks/${merchant.merchantId}/${endpoint.id}`);
    expect(deliveries.status).toBe(200);
    const row = /<tr data-delivery="\d+">(.*?)<\/tr>/s.exec(deliveries.text)?.[1] ?? '';
    expect(row).toContain(`<code>${ids[0]}</code>`);
    expect(row).toContain('<span class="badge">succeeded</span>');
    expect([...row.matchAll(/<li data-attempt>[^·]+· (\d+) ·/g)].map((m) => Number(m[1]))).toEqual([500, 500, 204]);
    expect((await operator.get(`/console/webhooks/${merchant.merchantId}/999999`)).status).toBe(404);
  });

  it('410 Gone disables the endpoint: nothing is written or sent to it until it is enabled again', async () => {
    const merchant = await funded();
    receiver.answer('/gone', (count) => (count === 1 ? { status: 410 } : { status: 200 }));
    const endpoint = await register(merchant, '/gone', { events: ['mass_payout.authorized'] });
    const first = await submitBatch(service, merchant, [ibanItem(5, '10.00')]);
    await receiver.waitFor(() => at('/gone').length >= 1);
    const list = async () => (await service.admin('GET', `/admin/v1/merchants/${merchant.merchantId}/webhooks`)).json.endpoints[0];
    await waitFor(async () => ((await list()).status === 'disabled' ? true : undefined), 5_000, async () => JSON.stringify(await list()), 25);
    expect(await list()).toMatchObject({ id: endpoint.id, status: 'disabled', disabledReason: 'the receiver answered 410 Gone' });
    expect(logs.join('\n')).toMatch(new RegExp(`ALERT operator: webhook endpoint ${endpoint.id} .* disabled: the receiver answered 410 Gone`));
    expect(JSON.parse(at('/gone')[0].body).data.requestId).toBe(first);

    const second = await submitBatch(service, merchant, [ibanItem(6, '10.00')]);
    await waitUntilFinal(service, merchant, second);
    const rows = await service.db.query<{ batch_id: string; status: string }>(`select batch_id, status from webhook_deliveries where endpoint_id = $1`, [endpoint.id]);
    expect(rows.rows).toEqual([{ batch_id: first, status: 'failed' }]);

    const enabled = await service.admin('POST', `/admin/v1/merchants/${merchant.merchantId}/webhooks/${endpoint.id}/enable`);
    expect(enabled.json).toMatchObject({ status: 'active', disabledReason: null, consecutiveFailures: 0 });
    const third = await submitBatch(service, merchant, [ibanItem(7, '10.00')]);
    await receiver.waitFor(() => at('/gone').length === 2);
    expect(verified(at('/gone')[1], endpoint.secret)).toMatchObject({ type: 'mass_payout.authorized', data: { requestId: third } });
  });

  it('one event per item when the endpoint asks for it, each verifying with the SDK helper', async () => {
    const merchant = await funded();
    const endpoint = await register(merchant, '/each', { itemEvents: 'each', events: ['mass_payout.item.succeeded', 'mass_payout.item.refunded'] });
    const requestId = await submitBatch(service, merchant, [ibanItem(11, '10.00'), ibanItem(12, '20.00'), { ...ibanItem(13, '5.00'), recipientInfo: ibanItem(99, '1').recipientInfo }]);
    await waitUntilFinal(service, merchant, requestId);
    await receiver.waitFor(() => at('/each').length === 3);
    const events = at('/each').map((r) => verifyWebhook(r.body, r.headers, endpoint.secret) as any);
    expect(events.map((e) => [e.type, e.data.item.itemStatus, e.data.requestId]).sort()).toEqual([
      ['mass_payout.item.refunded', 'DEPOSIT_SUCCESS', requestId],
      ['mass_payout.item.succeeded', 'SUCCESS', requestId],
      ['mass_payout.item.succeeded', 'SUCCESS', requestId],
    ]);
    // One settlement's three deliveries, numbered by the statement that reserves their numbers: 1, 2 and 3.
    expect(events.map((e) => e.data.sequence).sort()).toEqual([1, 2, 3]);
  });

  it('insufficient_balance, then canceled; failed when every item is refunded', async () => {
    const merchant = await funded('5');
    const endpoint = await register(merchant, '/states');
    const init = await service.signed(merchant, 'POST', '/v1/mass/payout/init', { externalId: `wh-poor-${Date.now()}`, items: [ibanItem(21, '100.00')] });
    const poor = init.json.requestId as string;
    const auth = await service.signed(merchant, 'POST', '/v1/mass/payout/auth', { requestId: poor }, { query: '?locale=en' });
    expect(auth.json.errorCode).toBe('6003');
    const cancel = await service.signed(merchant, 'POST', `/v1/mass/payout/cancel/${poor}`, {});
    expect(cancel.status, cancel.text).toBe(200);
    await service.deposit(merchant, '100');
    const rejected = await submitBatch(service, merchant, [{ ...ibanItem(22, '10.00'), recipientInfo: ibanItem(99, '1').recipientInfo }]);
    await waitUntilFinal(service, merchant, rejected);
    await receiver.waitFor(() => eventsAt('/states').some((e) => e.type === 'mass_payout.failed'));
    const events = at('/states').map((r) => verified(r, endpoint.secret) as any);
    expect(events.filter((e) => e.data.requestId === poor).map((e) => [e.type, e.data.massPayoutStatus, e.data.sequence])).toEqual([
      ['mass_payout.insufficient_balance', 'INSUFFICIENT_BALANCE', 1],
      ['mass_payout.canceled', 'CANCELED', 2],
    ]);
    expect(events.filter((e) => e.data.requestId === rejected).map((e) => e.type)).toEqual(['mass_payout.authorized', 'mass_payout.items.settled', 'mass_payout.failed']);
    expect(events.find((e) => e.type === 'mass_payout.failed').data).toMatchObject({ massPayoutStatus: 'FAIL', totalSuccessfulAmount: 0 });
  });

  it('item.returned when a bank returns a paid item, written with the return itself', async () => {
    const merchant = await funded();
    const endpoint = await register(merchant, '/returned', { events: ['mass_payout.item.returned'] });
    const requestId = await submitBatch(service, merchant, [ibanItem(31, '40.00')]);
    await waitUntilFinal(service, merchant, requestId);
    const [item] = (await service.db.query<{ reference_code: string }>('select reference_code from items where batch_id = $1', [requestId])).rows;
    const returned = await returnPaidItems(service.db, BigInt(merchant.merchantId), [{ referenceCode: item.reference_code, amount: 4000n, returnedOn: '2026-01-05', reason: 'AC06' }], 'system', async () => undefined);
    expect(returned).toEqual([item.reference_code]);
    await receiver.waitFor(() => at('/returned').length === 1);
    const event = verified(at('/returned')[0], endpoint.secret) as any;
    expect(event).toMatchObject({ type: 'mass_payout.item.returned', data: { requestId, item: { referenceCode: item.reference_code, itemStatus: 'SUCCESS', returnedAmount: 40, bankReasonCode: 'AC06' } } });
    // The item's JSON is written by the database: the exact bytes, keys in order, as the API shows them.
    const row = (await service.db.query<{ item_external_id: string; commission: bigint; returned_at: Date }>('select item_external_id, commission, returned_at from items where reference_code = $1', [item.reference_code])).rows[0];
    const body = at('/returned')[0].body;
    expect(body.slice(body.indexOf('"item":'))).toBe(
      `"item":{"type":"mass_payout.item.returned","referenceCode":"${item.reference_code}","itemExternalId":"${row.item_external_id}","itemStatus":"SUCCESS",` +
        `"totalAmount":40,"commissionAmount":${toJsonAmount(row.commission)},"currencyCode":"TRY","errorCodes":[],"errorMessage":null,` +
        `"bankReasonCode":"AC06","returnedAmount":40,"returnedDate":"${row.returned_at.toISOString()}"},"sequence":${event.data.sequence}}}`,
    );
    await expectBooksBalanced(service.db);
  });

  it('after a rotation both secrets sign: the next event verifies with either one alone', async () => {
    const merchant = await funded();
    const endpoint = await register(merchant, '/rotated', { events: ['mass_payout.authorized'] });
    const rotated = await service.admin('POST', `/admin/v1/merchants/${merchant.merchantId}/webhooks/${endpoint.id}/rotate`);
    expect(rotated.status, rotated.text).toBe(200);
    expect(rotated.json.secret).not.toBe(endpoint.secret);
    expect(Date.parse(rotated.json.previousSecretExpiresAt)).toBeGreaterThan(Date.now() + 23 * 3_600_000);
    const requestId = await submitBatch(service, merchant, [ibanItem(41, '10.00')]);
    await receiver.waitFor(() => at('/rotated').length === 1);
    const [r] = at('/rotated');
    expect(String(r.headers['webhook-signature']).split(' ')).toHaveLength(2);
    expect(verified(r, endpoint.secret)).toMatchObject({ data: { requestId } });
    expect(verified(r, rotated.json.secret)).toMatchObject({ data: { requestId } });
    expect(() => verified(r, `whsec_${randomBytes(32).toString('base64')}`)).toThrow(/signature/i);
    const listed = await service.admin('GET', `/admin/v1/merchants/${merchant.merchantId}/webhooks`);
    expect(JSON.stringify(listed.json)).not.toContain('whsec_');
  });

  it('a redirect is a failure and is not followed; the operator can re-send a delivery now', async () => {
    const merchant = await funded();
    receiver.answer('/moved', () => ({ status: 302, headers: { location: `${receiver.url}/target` } }));
    const endpoint = await register(merchant, '/moved', { events: ['mass_payout.authorized'] });
    await submitBatch(service, merchant, [ibanItem(51, '10.00')]);
    await receiver.waitFor(() => at('/moved').length === retryScheduleMs.length, 20_000, 'every scheduled attempt');
    const page = async () => (await service.admin('GET', `/admin/v1/merchants/${merchant.merchantId}/webhooks/${endpoint.id}/deliveries`)).json.deliveries[0];
    await waitUntil('the delivery failed', async () => (await page()).status === 'failed', 5_000, 25);
    const delivery = await page();
    expect(delivery).toMatchObject({ status: 'failed', attempts: retryScheduleMs.length });
    expect(delivery.attemptLog[0]).toMatchObject({ httpStatus: 302, error: expect.stringMatching(/redirect to .*\/target not followed/) });
    expect(at('/target')).toEqual([]);

    receiver.answer('/moved', () => ({ status: 200 }));
    const retried = await service.admin('POST', `/admin/v1/merchants/${merchant.merchantId}/webhooks/${endpoint.id}/deliveries/${delivery.id}/retry`);
    expect(retried.status, retried.text).toBe(200);
    expect(retried.json).toMatchObject({ status: 'succeeded', messageId: delivery.messageId });
    expect(retried.json.attemptLog.at(-1)).toMatchObject({ httpStatus: 200, manual: true });
    expect(at('/moved').at(-1)!.headers['webhook-id']).toBe(delivery.messageId);
    const missing = await service.admin('POST', `/admin/v1/merchants/${merchant.merchantId}/webhooks/${endpoint.id}/deliveries/999999999/retry`);
    expect([missing.status, missing.json.errorCode]).toEqual([404, '7105']);
  });

  it('100 failed attempts in a row over 24 h disable the endpoint, with an ALERT for the operator', async () => {
    const merchant = await funded();
    receiver.answer('/down', () => ({ status: 503, headers: { 'retry-after': '0' } }));
    const endpoint = await register(merchant, '/down', { events: ['mass_payout.authorized'] });
    // The streak as 24 h of failures would have left it, one attempt short.
    await service.db.query(`update webhook_endpoints set consecutive_failures = 99, failing_since = now() - interval '25 hours' where id = $1`, [endpoint.id]);
    await submitBatch(service, merchant, [ibanItem(61, '10.00')]);
    await receiver.waitFor(() => at('/down').length >= 1);
    await waitUntil('the endpoint disabled', () => logs.some((l) => l.includes(`webhook endpoint ${endpoint.id} `)), 5_000, 25);
    expect(logs.join('\n')).toMatch(new RegExp(`ALERT operator: webhook endpoint ${endpoint.id} .* disabled: 100 failed attempts in a row and none successful for 24 h`));
    const [listed] = (await service.admin('GET', `/admin/v1/merchants/${merchant.merchantId}/webhooks`)).json.endpoints;
    expect(listed).toMatchObject({ status: 'disabled', consecutiveFailures: 100 });
    expect(at('/down')).toHaveLength(1);
  });

  it('Retry-After of a 429 is honoured: the next attempt waits at least that long', async () => {
    const merchant = await funded();
    receiver.answer('/busy', (count) => (count === 1 ? { status: 429, headers: { 'retry-after': '1' } } : { status: 200 }));
    await register(merchant, '/busy', { events: ['mass_payout.authorized'] });
    await submitBatch(service, merchant, [ibanItem(71, '10.00')]);
    await receiver.waitFor(() => at('/busy').length === 2);
    const attempts = () =>
      service.db.query<{ attempted_at: Date }>(
        `select a.attempted_at from webhook_attempts a join webhook_deliveries d on d.id = a.delivery_id join webhook_endpoints e on e.id = d.endpoint_id
         where e.merchant_id = $1 order by a.id`,
        [merchant.merchantId],
      );
    // The second attempt is recorded just after the receiver answered it.
    await waitUntil('the second attempt recorded', async () => (await attempts()).rows.length >= 2, 5_000, 25);
    const [first, second] = (await attempts()).rows;
    expect(second.attempted_at.getTime() - first.attempted_at.getTime()).toBeGreaterThanOrEqual(1000);
  });

  it('refuses unknown event types and bad URLs with their catalogue codes; other merchants see nothing', async () => {
    const merchant = await funded();
    const bad = await service.admin('POST', `/admin/v1/merchants/${merchant.merchantId}/webhooks`, { url: receiver.url, events: ['mass_payout.exploded'] });
    expect([bad.status, bad.json.errorCode]).toEqual([400, '7103']);
    const ftp = await service.admin('POST', `/admin/v1/merchants/${merchant.merchantId}/webhooks`, { url: 'ftp://example.com/hook' });
    expect([ftp.status, ftp.json.errorCode]).toEqual([400, '7101']);
    const noMerchant = await service.admin('POST', '/admin/v1/merchants/999999/webhooks', { url: receiver.url });
    expect([noMerchant.status, noMerchant.json.errorCode]).toEqual([404, '7001']);
    const endpoint = await register(merchant, '/mine');
    const other = await funded();
    const stranger = await service.admin('GET', `/admin/v1/merchants/${other.merchantId}/webhooks/${endpoint.id}/deliveries`);
    expect([stranger.status, stranger.json.errorCode]).toEqual([404, '7100']);
    const gone = await service.admin('DELETE', `/admin/v1/merchants/${other.merchantId}/webhooks/${endpoint.id}`);
    expect(gone.status).toBe(404);
    const deleted = await service.admin('DELETE', `/admin/v1/merchants/${merchant.merchantId}/webhooks/${endpoint.id}`);
    expect(deleted.json).toEqual({ id: endpoint.id, deleted: true });
    expect((await service.admin('GET', `/admin/v1/merchants/${merchant.merchantId}/webhooks`)).json.endpoints).toEqual([]);
  });

  it('refund_failed: an item whose refund cannot be posted is announced DEPOSIT_FAIL', async () => {
    // Settled by hand, step by step, with the books corrupted on purpose: the background workers stop first.
    await workers.stop();
    const merchant = await funded('100');
    const endpoint = await register(merchant, '/refund-failed', { events: ['mass_payout.item.refund_failed', 'mass_payout.completed'] });
    const requestId = await submitBatch(service, merchant, [{ ...ibanItem(81, '40.00'), recipientInfo: ibanItem(99, '1').recipientInfo }, ibanItem(82, '10.00')]);
    const chunk = (await claimChunkAt(service.db, { claimer: 'test/refund', batchId: requestId, seqFrom: 0 }))!;
    const [batch] = (await loadBatchRefs(service.db, [requestId])).values();
    const held = await handOver(service.db, 'worker:test/refund', batch, chunk);
    const results = await askRails(createRails(service.db, testSandbox), held, { timeoutMs: 5_000, inFlight: 10 });
    const reserved = await service.db.query<{ id: bigint }>(`select id from accounts where merchant_id = $1 and kind = 'reserved'`, [merchant.merchantId]);
    // The reserved account keeps the paid item's 11.00 but not the refused one's 41.00.
    await service.db.query('update accounts set balance = balance - 4100 where id = $1', [reserved.rows[0].id]);
    await settleBatch(service.db, 'worker:test/refund', batch, results, () => undefined);
    await service.db.query('update accounts set balance = balance + 4100 where id = $1', [reserved.rows[0].id]);
    await receiver.waitFor(() => at('/refund-failed').length === 2);
    const [settled, completed] = at('/refund-failed').map((r) => verified(r, endpoint.secret) as any);
    expect(settled.type).toBe('mass_payout.items.settled');
    expect(settled.data.items).toEqual([expect.objectContaining({ type: 'mass_payout.item.refund_failed', itemStatus: 'DEPOSIT_FAIL', errorCodes: ['6201', '6204'] })]);
    expect(completed.type).toBe('mass_payout.completed');
  });

  it('every event type has been delivered and verified by this file', () => {
    const seen = new Set(receiver.received.flatMap((r) => {
      const event = JSON.parse(r.body);
      return event.type === 'mass_payout.items.settled' ? event.data.items.map((i: any) => i.type) : [event.type];
    }));
    expect([...webhookEventTypes].filter((type) => !seen.has(type))).toEqual([]);
  });
});

describe('safe by default: https and public addresses only', () => {
  it('refuses loopback, private and link-local addresses (and http) at registration without the opt-in', async () => {
    const strict = await startTestService({}, { box });
    try {
      const merchant = await strict.createMerchant();
      for (const [url, code] of [
        ['https://127.0.0.1/hook', '7102'],
        ['https://localhost:8443/hook', '7102'],
        ['https://10.1.2.3/hook', '7102'],
        ['https://[::1]/hook', '7102'],
        ['https://169.254.169.254/latest', '7102'],
        ['https://[::ffff:192.168.1.1]/hook', '7102'],
        [`${receiver.url}/hook`, '7101'],
      ]) {
        const refused = await strict.admin('POST', `/admin/v1/merchants/${merchant.merchantId}/webhooks`, { url });
        expect([url, refused.status, refused.json.errorCode]).toEqual([url, 400, code]);
      }
      expect(await checkWebhookUrl('https://93.184.215.14/hook', false)).toMatchObject({ ok: true });
    } finally {
      await strict.close();
    }
  });

  it('checks the address again when it connects: a name resolving to loopback is refused then (DNS rebinding)', async () => {
    const port = new URL(receiver.url).port;
    const before = receiver.received.length;
    const byName = await sendWebhook(`https://localhost:${port}/rebind`, {}, '{}', { allowPrivate: false });
    expect(byName).toMatchObject({ httpStatus: null, error: expect.stringMatching(/EADDRNOTPUBLIC: localhost resolves to .*not a public address/) });
    const literal = await sendWebhook(`https://127.0.0.1:${port}/rebind`, {}, '{}', { allowPrivate: false });
    expect(literal).toMatchObject({ httpStatus: null, error: expect.stringMatching(/not a public address/) });
    expect(receiver.received.length).toBe(before);
  });

  it('a receiver that hangs costs its attempt the timeout, nothing more', async () => {
    receiver.answer('/hang', () => 'hang');
    const result = await sendWebhook(`${receiver.url}/hang`, {}, '{}', { allowPrivate: true, timeoutMs: 300 });
    expect(result).toMatchObject({ httpStatus: null, error: 'timeout after 300 ms' });
    expect(result.durationMs).toBeLessThan(2_000);
  });
});

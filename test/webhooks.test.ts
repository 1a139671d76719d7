import { randomBytes } from 'node:crypto';
import { Webhook } from 'standardwebhooks';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SecretBox } from '../src/merchants/secret-box.ts';
import { startWebhookDispatcher, type Dispatcher } from '../src/webhooks/dispatcher.ts';
import { ibanItem } from './support/items.ts';
import { startTestWorkers, submitBatch, waitUntilFinal, type TestWorkers } from './support/processing.ts';
import { expectBooksBalanced, startTestService, type TestMerchant, type TestService } from './support/service.ts';
import { startReceiver, type Received, type Receiver } from './support/webhook-receiver.ts';

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
  it('a paid batch: authorized, its items grouped in one items.settled, completed; each signed as Standard Webhooks says', async () => {
    const merchant = await funded();
    const endpoint = await register(merchant, '/paid');
    const items = [ibanItem(1, '100.00'), ibanItem(2, '50.00'), { ...ibanItem(3, '25.00'), recipientInfo: ibanItem(99, '1').recipientInfo }];
    const requestId = await submitBatch(service, merchant, items);
    await waitUntilFinal(service, merchant, requestId);
    await receiver.waitFor(() => eventsAt('/paid').some((e) => e.type === 'mass_payout.completed'));

    const events = at('/paid').map((r) => verified(r, endpoint.secret) as any);
    expect(events.map((e) => e.type)).toEqual(['mass_payout.authorized', 'mass_payout.items.settled', 'mass_payout.completed']);
    const [authorized, settled, completed] = events;
    expect(authorized.data).toMatchObject({ requestId, massPayoutStatus: 'IN_PROGRESS', currency: 'TRY', totalAmount: 175, itemCount: 3 });
    expect(completed.data).toMatchObject({ requestId, massPayoutStatus: 'COMPLETED', totalSuccessfulAmount: 150, totalCommissionAmount: 2 });
    expect(settled.data.items.map((i: any) => [i.type, i.itemStatus, i.totalAmount]).sort()).toEqual([
      ['mass_payout.item.refunded', 'DEPOSIT_SUCCESS', 25],
      ['mass_payout.item.succeeded', 'SUCCESS', 100],
      ['mass_payout.item.succeeded', 'SUCCESS', 50],
    ]);
    expect(settled.data.items.find((i: any) => i.itemStatus === 'DEPOSIT_SUCCESS')).toMatchObject({ errorCodes: ['6201'], errorMessage: 'The recipient account is closed' });
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

    const deadline = Date.now() + 10_000;
    let delivery: any;
    do {
      const page = await service.admin('GET', `/admin/v1/merchants/${merchant.merchantId}/webhooks/${endpoint.id}/deliveries`);
      expect(page.status, page.text).toBe(200);
      delivery = page.json.deliveries[0];
    } while (delivery.status !== 'succeeded' && Date.now() < deadline);
    expect(delivery).toMatchObject({ messageId: ids[0], eventType: 'mass_payout.authorized', requestId, status: 'succeeded', attempts: 3, nextAttemptAt: null });
    expect(delivery.attemptLog.map((a: any) => a.httpStatus)).toEqual([500, 500, 204]);
    expect(at('/flaky').length).toBe(3);
  });

  it('410 Gone disables the endpoint: nothing is written or sent to it until it is enabled again', async () => {
    const merchant = await funded();
    receiver.answer('/gone', (count) => (count === 1 ? { status: 410 } : { status: 200 }));
    const endpoint = await register(merchant, '/gone', { events: ['mass_payout.authorized'] });
    const first = await submitBatch(service, merchant, [ibanItem(5, '10.00')]);
    await receiver.waitFor(() => at('/gone').length >= 1);
    const list = async () => (await service.admin('GET', `/admin/v1/merchants/${merchant.merchantId}/webhooks`)).json.endpoints[0];
    const deadline = Date.now() + 5_000;
    while ((await list()).status !== 'disabled' && Date.now() < deadline) await new Promise((r) => setTimeout(r, 25));
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
});

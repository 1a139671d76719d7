import { Writable } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { configFromEnv } from '../src/config.ts';
import { createLogger } from '../src/observability/logger.ts';
import { ibanItem } from './support/items.ts';
import { startTestWorkers, submitBatch, waitUntilFinal, type TestWorkers } from './support/processing.ts';
import { httpRequest } from './support/http.ts';
import { startTestService, type TestService } from './support/service.ts';

/** Every JSON line the service logged. */
const lines: Record<string, any>[] = [];
const stream = new Writable({
  write(chunk, _encoding, done) {
    for (const line of String(chunk).split('\n')) if (line) lines.push(JSON.parse(line));
    done();
  },
});
const logger = createLogger('info', stream);

let service: TestService;
let workers: TestWorkers | undefined;
beforeAll(async () => {
  service = await startTestService({}, { loggerInstance: logger });
}, 180_000);
afterAll(async () => {
  await workers?.stop();
  await service?.close();
});

async function scrape(url = service.url, headers: Record<string, string> = {}) {
  const response = await httpRequest(`${url}/metrics`, 'GET', undefined, headers);
  expect(response.status, response.text).toBe(200);
  expect(response.headers['content-type']).toMatch(/^text\/plain; version=0\.0\.4/);
  return response.text;
}

/** The value of one sample (`name{labels} value`), 0 when the series does not exist yet. */
function sample(text: string, name: string, labels: Record<string, string> = {}): number {
  for (const line of text.split('\n')) {
    if (!line.startsWith(`${name}{`) && !line.startsWith(`${name} `)) continue;
    const braces = /^[^{ ]+(?:\{(.*)\})? (\S+)$/.exec(line);
    if (!braces) continue;
    const found = Object.fromEntries([...(braces[1] ?? '').matchAll(/(\w+)="([^"]*)"/g)].map((m) => [m[1], m[2]]));
    if (Object.entries(labels).every(([k, v]) => found[k] === v)) return Number(braces[2]);
  }
  return 0;
}

describe('/metrics', () => {
  it('shows a batch moving: requests by route, the backlog while it waits, then items, rail calls and transitions', async () => {
    const merchant = await service.createMerchant({ fixed: '1.00' });
    await service.deposit(merchant, '1000');
    const before = await scrape();

    // Authorised with no worker running: the batch waits in the queue, where the gauges see it.
    const requestId = await submitBatch(service, merchant, [ibanItem(1, '10.00'), ibanItem(2, '20.00'), ibanItem(99, '30.00')]);
    const waiting = await scrape();
    expect(sample(waiting, 'masspayout_queue_due_chunks')).toBeGreaterThanOrEqual(1);
    const initRoute = { method: 'POST', route: '/v1/mass/payout/init', status: '200' };
    expect(sample(waiting, 'masspayout_http_requests_total', initRoute)).toBe(sample(before, 'masspayout_http_requests_total', initRoute) + 1);
    expect(sample(waiting, 'masspayout_http_request_duration_seconds_count', { method: 'POST', route: '/v1/mass/payout/auth' })).toBeGreaterThanOrEqual(1);
    expect(sample(waiting, 'masspayout_batch_transitions_total', { status: 'IN_PROGRESS' })).toBe(sample(before, 'masspayout_batch_transitions_total', { status: 'IN_PROGRESS' }) + 1);

    workers = startTestWorkers(service, { logger });
    expect((await waitUntilFinal(service, merchant, requestId)).massPayoutStatus).toBe('COMPLETED');
    const after = await scrape();
    const moved = (name: string, labels: Record<string, string>) => sample(after, name, labels) - sample(before, name, labels);
    expect(moved('masspayout_items_settled_total', { status: 'SUCCESS' })).toBe(2);
    expect(moved('masspayout_items_settled_total', { status: 'DEPOSIT_SUCCESS' })).toBe(1);
    expect(moved('masspayout_items_final', { status: 'SUCCESS' })).toBe(2);
    expect(moved('masspayout_items_final', { status: 'DEPOSIT_SUCCESS' })).toBe(1);
    expect(moved('masspayout_rail_calls_total', { rail: 'sandbox-bank', call: 'send', outcome: 'PAID' })).toBe(2);
    expect(moved('masspayout_rail_calls_total', { rail: 'sandbox-bank', call: 'send', outcome: 'REJECTED' })).toBe(1);
    expect(moved('masspayout_batch_transitions_total', { status: 'COMPLETED' })).toBe(1);
    expect(sample(after, 'masspayout_queue_due_chunks')).toBe(0);
    expect(sample(after, 'masspayout_queue_claimed_chunks')).toBe(0);
    expect(after).toContain('masspayout_outbox_lag_seconds 0');
    expect(after).toContain('masspayout_process_cpu_user_seconds_total');
    if (service.db.kind === 'postgres') expect(sample(after, 'masspayout_db_pool_connections', { state: 'max' })).toBe(10);
    // A route's pattern is the label, never an id from the URL.
    expect(after).not.toContain(requestId);

    const statuses = lines.filter((line) => line.msg === 'batch status' && line.batchId === requestId).map((line) => line.status);
    expect(statuses).toEqual(['INIT', 'IN_PROGRESS', 'COMPLETED']);
  });

  it('wants the metrics token when one is set, and answers a wrong one with the failure envelope', async () => {
    const guarded = await startTestService({ observability: { logLevel: 'silent', metricsToken: 'scrape-me' } });
    try {
      const refused = await httpRequest(`${guarded.url}/metrics?locale=en`, 'GET', undefined, { authorization: 'Bearer wrong' });
      expect(refused.status).toBe(401);
      expect(refused.json).toMatchObject({ status: 'failure', errorCode: '7200', errorMessage: 'Invalid metrics token' });
      expect((await httpRequest(`${guarded.url}/metrics`, 'GET')).status).toBe(401);
      expect(await scrape(guarded.url, { authorization: 'Bearer scrape-me' })).toContain('masspayout_http_requests_total');
    } finally {
      await guarded.close();
    }
  });
});

describe('the JSON log', () => {
  it('has one line per request with its request id, route and status, and never a credential', async () => {
    const merchant = await service.createMerchant();
    const from = lines.length;
    const balance = await service.signed(merchant, 'GET', '/v1/mass/payout/balance', undefined, { headers: { 'x-request-id': 'lb-1234' } });
    expect(balance.status).toBe(200);
    expect(balance.headers['x-request-id']).toBe('lb-1234');
    const unsigned = await httpRequest(`${service.url}/v1/mass/payout/balance`, 'GET', undefined, { authorization: 'IYZWSv2 stolen-looking-value', 'x-request-id': 'not a token!' });
    expect(unsigned.status).toBe(401);
    expect(unsigned.headers['x-request-id']).toMatch(/^[0-9a-f-]{36}$/);

    const requests = lines.slice(from).filter((line) => line.msg === 'request');
    expect(requests).toHaveLength(2);
    expect(requests[0]).toMatchObject({ level: 30, reqId: 'lb-1234', method: 'GET', route: '/v1/mass/payout/balance', status: 200, service: 'masspayout' });
    expect(requests[1]).toMatchObject({ reqId: unsigned.headers['x-request-id'], status: 401 });
    const everything = JSON.stringify(lines);
    expect(everything).not.toContain(merchant.secretKey);
    expect(everything).not.toContain(merchant.apiKey + ':');
    expect(everything).not.toContain('stolen-looking-value');
    expect(everything).not.toContain(service.adminToken);
  });

  it('redacts secrets in any logged object', () => {
    const captured: string[] = [];
    const sink = new Writable({
      write(chunk, _encoding, done) {
        captured.push(String(chunk));
        done();
      },
    });
    createLogger('info', sink).info({ merchant: { secretKey: 'mp-secret-x', name: 'ok' }, req: { headers: { authorization: 'Bearer t', cookie: 'mp_session=s' } }, user: { password: 'hunter2' } }, 'x');
    expect(captured.join('')).not.toMatch(/mp-secret-x|Bearer t|mp_session=s|hunter2/);
    expect(captured.join('')).toContain('"name":"ok"');
  });

  it('takes its level from LOG_LEVEL, info by default, and refuses a level it does not know', () => {
    expect(configFromEnv({}).observability.logLevel).toBe('info');
    expect(configFromEnv({ LOG_LEVEL: 'WARN' }).observability.logLevel).toBe('warn');
    expect(() => configFromEnv({ LOG_LEVEL: 'loud' })).toThrow(/LOG_LEVEL must be one of/);
  });
});

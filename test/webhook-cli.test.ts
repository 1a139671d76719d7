import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SecretBox } from '../src/merchants/secret-box.ts';
import { startWebhookDispatcher, type Dispatcher } from '../src/webhooks/dispatcher.ts';
import { httpRequest } from './support/http.ts';
import { ibanItem } from './support/items.ts';
import { freePort, runCli, type CliProcess } from './support/process.ts';
import { startTestWorkers, submitBatch, waitUntilFinal, type TestWorkers } from './support/processing.ts';
import { startTestService, type TestService } from './support/service.ts';

/**
 * The operator's `masspayout webhook …` commands and the developer's `webhook listen`, as real
 * processes against a real service: an endpoint registered from the command line receives a
 * payroll's events at the local receiver, which verifies and prints them, and refuses a forgery.
 */
const retryScheduleMs = [0, 200, 200];
const box = new SecretBox(randomBytes(32));
let service: TestService;
let workers: TestWorkers;
let dispatcher: Dispatcher;
let listener: CliProcess | undefined;

beforeAll(async () => {
  service = await startTestService({ webhooks: { allowPrivate: true, retryScheduleMs } }, { box });
  workers = startTestWorkers(service);
  dispatcher = startWebhookDispatcher({ db: service.db, box, config: { allowPrivate: true, retryScheduleMs }, claimer: 'test/webhook-cli', log: () => {}, pollMs: 25 });
});
afterAll(async () => {
  listener?.child.kill('SIGTERM');
  await dispatcher?.stop();
  await workers?.stop();
  await service?.close();
});

async function cli(args: string[]): Promise<{ code: number | null; output: string; json: any }> {
  const run = runCli([...args, '--url', service.url, '--token', service.adminToken], {});
  const code = await run.exited(120_000);
  const output = run.output();
  let json: any;
  try {
    json = JSON.parse(output);
  } catch {
    json = undefined;
  }
  return { code, output, json };
}

describe('masspayout webhook', () => {
  it('adds an endpoint whose events `webhook listen` verifies and prints; lists, shows deliveries, rotates, disables and deletes it', async () => {
    const merchant = await service.createMerchant({ fixed: '1.00' });
    await service.deposit(merchant, '1000.00');
    const port = await freePort();

    const added = await cli(['webhook', 'add', '--merchant', String(merchant.merchantId), '--endpoint', `http://127.0.0.1:${port}/`, '--json']);
    expect(added.code, added.output).toBe(0);
    expect(added.json).toMatchObject({ url: `http://127.0.0.1:${port}/`, secret: expect.stringMatching(/^whsec_/) });
    const { id, secret } = added.json as { id: string; secret: string };

    listener = runCli(['webhook', 'listen', '--port', String(port), '--secret', secret], {});
    await listener.waitFor(/listening for webhooks on http:\/\/127\.0\.0\.1:\d+/);

    const requestId = await submitBatch(service, merchant, [ibanItem(1, '10.00'), ibanItem(99, '5.00')]);
    await waitUntilFinal(service, merchant, requestId);
    await listener.waitFor(new RegExp(`mass_payout\\.completed ${requestId} #\\d+ COMPLETED`), 60_000);
    const printed = listener.output();
    expect(printed).toMatch(new RegExp(`mass_payout\\.authorized ${requestId} #1`));
    expect(printed).toMatch(new RegExp(`mass_payout\\.items\\.settled ${requestId} #\\d+ 2 item\\(s\\): 1 succeeded, 1 refunded`));

    // A request that is not signed with the secret is refused and said so, never printed as an event.
    const forged = await httpRequest(`http://127.0.0.1:${port}/`, 'POST', JSON.stringify({ type: 'mass_payout.completed', timestamp: new Date().toISOString(), data: {} }), {
      'content-type': 'application/json',
      'webhook-id': 'msg_forged',
      'webhook-timestamp': String(Math.floor(Date.now() / 1000)),
      'webhook-signature': 'v1,' + randomBytes(32).toString('base64'),
    });
    expect(forged.status).toBeGreaterThanOrEqual(400);
    expect(forged.status).toBeLessThan(500);
    await listener.waitFor(/refused \(\d+\)/);
    expect(listener.output()).not.toContain('msg_forged');

    const listed = await cli(['webhook', 'list', '--merchant', String(merchant.merchantId), '--json']);
    expect(listed.code, listed.output).toBe(0);
    expect(listed.json.endpoints).toEqual([expect.objectContaining({ id, url: `http://127.0.0.1:${port}/` })]);
    expect(JSON.stringify(listed.json)).not.toContain(secret);

    const deliveries = await cli(['webhook', 'deliveries', '--merchant', String(merchant.merchantId), '--id', id, '--json']);
    expect(deliveries.code, deliveries.output).toBe(0);
    expect(deliveries.json.deliveries.length).toBeGreaterThanOrEqual(3);
    for (const delivery of deliveries.json.deliveries) expect(delivery.attemptLog.at(-1)).toMatchObject({ httpStatus: expect.any(Number) });

    const rotated = await cli(['webhook', 'rotate', '--merchant', String(merchant.merchantId), '--id', id]);
    expect(rotated.code, rotated.output).toBe(0);
    expect(rotated.output).toMatch(/new secret: whsec_/);
    expect(rotated.output).not.toContain(secret);

    const disabled = await cli(['webhook', 'disable', '--merchant', String(merchant.merchantId), '--id', id, '--json']);
    expect(disabled.code, disabled.output).toBe(0);
    expect(JSON.stringify(disabled.json)).toMatch(/disabled/i);

    const deleted = await cli(['webhook', 'delete', '--merchant', String(merchant.merchantId), '--id', id]);
    expect(deleted.code, deleted.output).toBe(0);
    expect(deleted.output).toContain(`webhook ${id} deleted`);
    const again = await cli(['webhook', 'delete', '--merchant', String(merchant.merchantId), '--id', id]);
    expect(again.code).toBe(1);
    expect(again.output).toMatch(/7100/);
  });

  it('listen without a secret is a wrong command line (exit 2)', async () => {
    const run = runCli(['webhook', 'listen', '--port', '0'], {});
    expect(await run.exited(60_000)).toBe(2);
    expect(run.output()).toMatch(/--secret/);
  });
});

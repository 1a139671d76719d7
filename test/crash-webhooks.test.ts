import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { verifyWebhook } from '../src/client/webhooks.ts';
import { openDb } from '../src/db/open.ts';
import { ensureGone, expectKilledAt, newPayer, payerOn, sharedEnv, startServe, stopGracefully } from './support/deployment.ts';
import { mixedItems } from './support/mixed-items.ts';
import type { CliProcess } from './support/process.ts';
import { startReceiver, type Receiver } from './support/webhook-receiver.ts';

/**
 * A webhook survives the process: `masspayout serve` (embedded database, workers inside) is killed
 * with SIGKILL at `before-webhook` — the change committed, its delivery written with it, the
 * delivery's claim not committed, nothing sent — and started again on the same data dir. The
 * receiver then gets exactly the events of the committed changes (each at least once; repeats
 * carry the same webhook-id), and every valid item of the batch in exactly one items.settled.
 *
 * PostgreSQL runs of the suite skip this file (crash-embedded.test.ts does the same for chunks).
 */
const onServer = Boolean(process.env.DATABASE_URL);

describe.skipIf(onServer)('webhooks across a SIGKILL of serve (runs when DATABASE_URL is unset)', () => {
  const running: CliProcess[] = [];
  const cleanups: Array<() => Promise<void>> = [];
  afterEach(async () => {
    for (const cli of running.splice(0)) await ensureGone(cli);
    for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
  }, 60_000);

  it('SIGKILL after the change committed and before its delivery: delivered after the restart, every event once or more, nothing invented', async () => {
    const dataDir = await mkdtemp(path.join(tmpdir(), 'masspayout-crash-webhooks-'));
    cleanups.push(() => rm(dataDir, { recursive: true, force: true }));
    const receiver: Receiver = await startReceiver();
    cleanups.push(() => receiver.close());
    const env = sharedEnv({ MASSPAYOUT_DATA_DIR: dataDir, MASSPAYOUT_WEBHOOK_ALLOW_PRIVATE: '1', MASSPAYOUT_WEBHOOK_RETRY_MS: '0,200,200,200,200,200' });

    const first = await startServe({ ...env, MASSPAYOUT_FAILPOINT: 'before-webhook' });
    running.push(first.cli);
    await first.admin.addMember({ memberId: '9001', name: 'Wallet Member' });
    const payer = await newPayer(first);
    const endpoint = await first.admin.addWebhook(payer.merchantId, { url: `${receiver.url}/crash` });
    const init = await payer.client.init({ externalId: 'crash-webhooks', items: mixedItems(300, 50_000, '9001', '9999') as never });
    expect(init.invalidItems).toEqual([]);
    // The delivery loop claims authorized's delivery as soon as auth commits: the kill may cut auth's answer.
    await payer.client.auth(init.requestId).catch(async (error: unknown) => {
      await first.cli.exited(30_000).catch(() => undefined);
      if (first.cli.child.signalCode !== 'SIGKILL') throw error;
    });
    await expectKilledAt(first.cli, 'before-webhook');
    expect(receiver.received).toEqual([]);

    const second = await startServe(env);
    running.push(second.cli);
    const client = payerOn(second.url, payer);
    const final = await client.client.waitUntilFinal(init.requestId, { intervalMs: 200, timeoutMs: 120_000 });
    expect(final.status).toBe('COMPLETED');
    await receiver.waitFor((got) => got.some((r) => JSON.parse(r.body).type === 'mass_payout.completed'), 60_000, 'mass_payout.completed');
    await stopGracefully(second.cli);

    const db = await openDb({ dataDir });
    try {
      const deliveries = await db.query<{ message_id: string; event_type: string; status: string }>('select message_id, event_type, status from webhook_deliveries order by id');
      expect(deliveries.rows.every((d) => d.status === 'succeeded'), JSON.stringify(deliveries.rows)).toBe(true);
      // Each delivery arrived (at least once), and nothing arrived that no committed change wrote.
      const byId = new Map<string, any>();
      for (const r of receiver.received) {
        const event = verifyWebhook(r.body, r.headers, endpoint.secret);
        const id = String(r.headers['webhook-id']);
        if (byId.has(id)) expect(event).toEqual(byId.get(id));
        byId.set(id, event);
      }
      expect([...byId.keys()].sort()).toEqual(deliveries.rows.map((d) => d.message_id).sort());
      const events = [...byId.values()];
      const types = events.map((e) => e.type);
      expect(types.filter((t) => t !== 'mass_payout.items.settled')).toEqual(['mass_payout.authorized', 'mass_payout.completed']);
      expect(types.at(0)).toBe('mass_payout.authorized');
      // Every valid item in exactly one items.settled, with the final status it has.
      const items = await db.query<{ reference_code: string; status: string }>(`select reference_code, status from items where batch_id = $1 and status <> 'INVALID'`, [init.requestId]);
      const announced = events.filter((e) => e.type === 'mass_payout.items.settled').flatMap((e) => e.data.items.map((i: any) => [i.referenceCode, i.itemStatus]));
      expect(announced.sort()).toEqual(items.rows.map((i) => [i.reference_code, i.status]).sort());
      // Sequence numbers are one per event, increasing in commit order.
      const sequences = events.map((e) => e.data.sequence).sort((a, b) => a - b);
      expect(sequences).toEqual(sequences.map((_, i) => i + 1));
    } finally {
      await db.close();
    }
  }, 300_000);
});

import { randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { authorizationHeader } from '../src/signing/iyzws.ts';
import { httpRequest } from './support/http.ts';
import { ibanItem, memberItem } from './support/items.ts';
import { installationDb, seededDataDir } from './support/db.ts';
import { type CliProcess, freePort, runCli } from './support/process.ts';
import { waitFor } from './support/wait.ts';

/**
 * Workers as an operator runs them. On the embedded database the workers live inside `serve`; on
 * PostgreSQL the same batch is processed by two `masspayout worker` processes while `serve` runs
 * the API alone (MASSPAYOUT_WORKER_CONCURRENCY=0).
 */
const serverUrl = process.env.DATABASE_URL;

const cleanups: Array<() => Promise<void>> = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

function started(cli: CliProcess): CliProcess {
  cleanups.push(async () => {
    if (cli.child.exitCode === null && cli.child.signalCode === null) {
      cli.child.kill('SIGKILL');
      await cli.exited();
    }
  });
  return cli;
}

async function stop(cli: CliProcess): Promise<void> {
  cli.child.kill('SIGTERM');
  expect(await cli.exited(), cli.output()).toBe(0);
}

describe('masspayout worker', () => {
  it('refuses to start without DATABASE_URL, in one line', async () => {
    const cli = started(runCli(['worker'], { MASSPAYOUT_DATA_DIR: '/nonexistent' }));
    expect(await cli.exited()).toBe(1);
    expect(cli.output().trim()).toBe(
      'masspayout worker: 7059 The service could not start: needs DATABASE_URL (a PostgreSQL server shared with the API); with the embedded database the workers run inside `masspayout serve`',
    );
  });

  it(`processes a batch submitted to the running service (${serverUrl ? 'two worker processes on PostgreSQL' : 'workers inside serve on PGlite'})`, async () => {
    const dataDir = await mkdtemp(path.join(tmpdir(), 'masspayout-workers-'));
    cleanups.push(() => rm(dataDir, { recursive: true, force: true }));
    // The workers are the subject, not a first start: the run's migrated database (on PGlite).
    await seededDataDir(dataDir);
    const adminToken = randomBytes(16).toString('hex');
    const env: Record<string, string> = { MASSPAYOUT_DATA_DIR: dataDir, HOST: '127.0.0.1', MASSPAYOUT_ADMIN_TOKEN: adminToken, MASSPAYOUT_SANDBOX_SETTLE_MS: '300' };
    const database = await installationDb();
    cleanups.push(database.drop);
    Object.assign(env, database.env);
    const port = await freePort();
    const serve = started(runCli(['serve'], { ...env, PORT: String(port), ...(serverUrl ? { MASSPAYOUT_WORKER_CONCURRENCY: '0' } : {}) }));
    await serve.waitFor(/listening on/, 60_000);
    await serve.waitFor(serverUrl ? /workers: none in this process/ : /workers: 4 loop\(s\) in this process/);
    const workers = serverUrl ? [started(runCli(['worker'], env)), started(runCli(['worker'], env))] : [];
    const workerPids = new Set(workers.map((w) => String(w.child.pid)));
    for (const worker of workers) await worker.waitFor(/masspayout worker running: 4 loop\(s\) on PostgreSQL/, 60_000);

    const url = `http://127.0.0.1:${port}`;
    const admin = (method: string, route: string, body?: unknown) =>
      httpRequest(url + route, method, body === undefined ? undefined : JSON.stringify(body), {
        authorization: `Bearer ${adminToken}`,
        ...(body === undefined ? {} : { 'content-type': 'application/json' }),
      });
    const created = await admin('POST', '/admin/v1/merchants', { name: 'Workers Ltd', commission: { fixed: '0.10' } });
    expect(created.status, created.text).toBe(201);
    const { merchantId, apiKey, secretKey } = created.json;
    expect((await admin('POST', `/admin/v1/merchants/${merchantId}/deposits`, { amount: '10000', currency: 'TRY' })).status).toBe(201);
    expect((await admin('POST', '/admin/v1/members', { memberId: '31337', name: 'Wallet' })).status).toBe(201);
    const signed = (route: string, body: unknown) => {
      const raw = JSON.stringify(body);
      const randomKey = randomBytes(8).toString('hex');
      return httpRequest(url + route + '?locale=en', 'POST', raw, { authorization: authorizationHeader(apiKey, secretKey, randomKey, route, raw), 'content-type': 'application/json' });
    };

    const items = [...Array.from({ length: 40 }, (_, i) => ibanItem(i * 10 + 1, '10.00')), ibanItem(99, '5.00'), ibanItem(98, '7.00'), memberItem(500, '31337', '3.00')];
    const init = await signed('/v1/mass/payout/init', { externalId: 'workers-1', items });
    expect(init.status, init.text).toBe(200);
    const requestId = init.json.requestId;
    expect((await signed('/v1/mass/payout/auth', { requestId })).status).toBe(200);

    let batch: any;
    await waitFor(
      async () => {
        batch = (await signed('/v1/mass/payout/retrieve', { requestId, page: 0, size: 100 })).json;
        return ['COMPLETED', 'FAIL'].includes(batch.massPayout.massPayoutStatus) || undefined;
      },
      60_000,
      () => JSON.stringify(batch.massPayout),
    );
    expect(batch.massPayout).toMatchObject({ massPayoutStatus: 'COMPLETED', totalSuccessfulAmount: 410, totalCommissionAmount: 4.2 });
    const statuses = batch.massPayoutItems.items.map((item: any) => item.itemStatus);
    expect(statuses.filter((s: string) => s === 'SUCCESS')).toHaveLength(42);
    expect(statuses.filter((s: string) => s === 'DEPOSIT_SUCCESS')).toHaveLength(1);
    expect((await admin('GET', '/admin/v1/ledger/trial-balance')).json).toEqual({ balanced: true, currencies: [{ currency: 'TRY', total: '0' }] });
    expect((await admin('GET', '/admin/v1/audit/verify')).json).toEqual({ ok: true });

    // Who did the work: the worker processes (on PostgreSQL), never a process without workers.
    const audit = await admin('GET', `/admin/v1/audit?requestId=${requestId}`);
    const workerActors = new Set<string>(audit.json.events.filter((e: any) => e.actor.startsWith('worker:')).map((e: any) => e.actor.split(':')[2]));
    expect(workerActors.size).toBeGreaterThan(0);
    if (serverUrl) for (const pid of workerActors) expect(workerPids.has(pid), `actor pid ${pid}`).toBe(true);
    else expect([...workerActors]).toEqual([String(serve.child.pid)]);

    for (const worker of workers) await stop(worker);
    await stop(serve);
  });
});

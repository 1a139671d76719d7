import { randomBytes } from 'node:crypto';
import { expect } from 'vitest';
import { AdminClient } from '../../src/client/admin.ts';
import { MassPayoutClient } from '../../src/client/client.ts';
import { formatDecimal } from '../../src/money.ts';
import { seededDataDir } from './db.ts';
import { type CliProcess, freePort, runCli } from './process.ts';

/**
 * A deployment as an operator runs it, for the crash tests: `masspayout serve` and `masspayout
 * worker` as real processes sharing one environment (database, queue, admin token, master key),
 * driven through the SDK over HTTP.
 */
export interface Served {
  cli: CliProcess;
  url: string;
  admin: AdminClient;
}

/**
 * `masspayout serve` on `env`. An embedded data dir without a database yet gets the run's migrated
 * one (seededDataDir): these tests are about what a deployment does, not its first start, which
 * startup.test.ts and the README walkthrough prove on empty data dirs.
 */
export async function startServe(env: Record<string, string>): Promise<Served> {
  if (env.MASSPAYOUT_DATA_DIR && !env.DATABASE_URL) await seededDataDir(env.MASSPAYOUT_DATA_DIR);
  const port = await freePort();
  const cli = runCli(['serve'], { ...env, HOST: '127.0.0.1', PORT: String(port) });
  const [, url] = await cli.waitFor(/listening on (http:\/\/\S+)/, 120_000);
  return { cli, url, admin: new AdminClient({ baseUrl: url, token: env.MASSPAYOUT_ADMIN_TOKEN }) };
}

/** SIGTERM, and the process must finish what it holds and exit 0. */
export async function stopGracefully(cli: CliProcess): Promise<void> {
  if (cli.child.exitCode !== null || cli.child.signalCode !== null) return;
  cli.child.kill('SIGTERM');
  expect(await cli.exited(60_000), cli.output()).toBe(0);
}

/** Ends a process that may still be running, without caring how (clean-up after a failed test). */
export async function ensureGone(cli: CliProcess | undefined): Promise<void> {
  if (!cli || cli.child.exitCode !== null || cli.child.signalCode !== null) return;
  cli.child.kill('SIGKILL');
  await cli.exited(30_000).catch(() => undefined);
}

/** Waits for a process that is expected to kill itself at a failpoint, and checks it did, there. */
export async function expectKilledAt(cli: CliProcess, failpoint: string): Promise<void> {
  await cli.exited(90_000);
  expect(cli.child.signalCode, cli.output()).toBe('SIGKILL');
  expect(cli.output()).toContain(`failpoint ${failpoint}: SIGKILL`);
}

/** The environment every process of one crash-test deployment shares. */
export function sharedEnv(extra: Record<string, string>): Record<string, string> {
  return {
    MASSPAYOUT_ADMIN_TOKEN: randomBytes(16).toString('hex'),
    MASSPAYOUT_MASTER_KEY: randomBytes(32).toString('hex'),
    // A dead worker's claims are free again 2 s after it took them (30 s by default).
    MASSPAYOUT_LEASE_MS: '2000',
    // 300 items are three chunks, two of them in flight at once (two loops).
    MASSPAYOUT_CHUNK_ITEMS: '100',
    MASSPAYOUT_WORKER_CONCURRENCY: '2',
    // Every bank call takes 30 ms, so a chunk's calls overlap and a kill lands with some answered.
    MASSPAYOUT_SANDBOX_LATENCY_MS: '30',
    MASSPAYOUT_SANDBOX_SETTLE_MS: '300',
    ...extra,
  };
}

export interface TestPayer {
  client: MassPayoutClient;
  merchantId: number;
  apiKey: string;
  secretKey: string;
  /** Minor units deposited. */
  deposited: bigint;
}

/** A merchant with commission 0.50 + 1 %, 100,000.00 TRY deposited, and a signed client. */
export async function newPayer(served: Served): Promise<TestPayer> {
  const merchant = await served.admin.createMerchant({ name: 'Crash Test Merchant', commission: { fixed: '0.50', rate: '0.01' } });
  await served.admin.deposit(merchant.merchantId, { amount: '100000', currency: 'TRY' });
  return {
    client: new MassPayoutClient({ baseUrl: served.url, apiKey: merchant.apiKey, secretKey: merchant.secretKey }),
    merchantId: merchant.merchantId,
    apiKey: merchant.apiKey,
    secretKey: merchant.secretKey,
    deposited: 10_000_000n,
  };
}

/** The same merchant, talking to a service at another URL (a restarted one). */
export function payerOn(url: string, payer: TestPayer): TestPayer {
  return { ...payer, client: new MassPayoutClient({ baseUrl: url, apiKey: payer.apiKey, secretKey: payer.secretKey }) };
}

/** init + auth through the SDK; returns the requestId. */
export async function submit(payer: TestPayer, items: unknown[]): Promise<string> {
  const init = await payer.client.init({ externalId: `crash-${randomBytes(6).toString('hex')}`, items: items as never });
  expect(init.invalidItems).toEqual([]);
  await payer.client.auth(init.requestId);
  return init.requestId;
}

/** The merchant's TRY balance is exactly deposit − paid − commission, with nothing left reserved. */
export async function expectBalance(payer: TestPayer, spent: { paid: bigint; commission: bigint }): Promise<void> {
  const balance = await payer.client.balance();
  const line = balance.balances.find((b) => b.currency === 'TRY');
  expect(line).toMatchObject({ available: formatDecimal(payer.deposited - spent.paid - spent.commission), reserved: '0' });
}

/** The operator's view: the trial balance is zero in every currency and the audit chain verifies. */
export async function expectOperatorChecksPass(served: Served): Promise<void> {
  const trial = await served.admin.trialBalance();
  expect(trial.balanced, JSON.stringify(trial)).toBe(true);
  expect(trial.currencies.every((c) => Number(c.total) === 0)).toBe(true);
  expect(await served.admin.verifyAudit()).toEqual({ ok: true });
}

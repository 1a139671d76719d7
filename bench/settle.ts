import { setTimeout as sleep } from 'node:timers/promises';
import { limits } from '../src/limits.ts';
import { parseMinor } from '../src/money.ts';
import { commissionFor } from '../src/payouts/commission.ts';
import { expectStatus, expectSuccess, type MerchantKeys, type ServiceClient } from './client.ts';
import { itemUpdateCounts, walBetween, walPosition } from './databases.ts';
import { deploy } from './deployment.ts';
import { benchMembers, generateBatch, type GeneratedBatch } from './items.ts';
import { loadAverage } from './load.ts';
import type { SettleCase } from './options.ts';
import { waitForLine, type ProcessUsage } from './processes.ts';
import { settleFloor } from './settle-floor.ts';
import { percentile, startBenchReceiver, type BenchReceiver } from './webhook-receiver.ts';

/**
 * Issue 3's figure: one batch of `size` items (mixed IBAN and wallet members registered through the
 * admin API; the zero-latency sandbox bank unless the case says otherwise) from the auth request to
 * every valid item final, in items per second; with `:<k>m`, k merchants' batches of size / k items,
 * authorised together, until the last is final. The end is the batch's completedDate, which the
 * settlement that finished the batch stamps in the same transaction; the service runs on this
 * machine, so its clock is the benchmark's. The batch is polled only to learn that it is done.
 *
 * Then the run checks what it measured: the batch's paid total and commission are exactly what the
 * items that should pay add up to, the books balance (trial balance) and the audit chain verifies.
 * A run that fails a check reports an error, never a figure.
 */
export interface SettleRun {
  figure: 'settle';
  case: string;
  size: number;
  run: number;
  validItems: number;
  /** From sending the auth to the batch's completedDate. */
  settleMs: number;
  itemsPerSecond: number;
  authMs: number;
  status: string;
  booksBalanced: boolean;
  auditVerified: boolean | 'skipped';
  servePeakRssMB: number;
  workerPeakRssMB: number[];
  serveCpuSeconds: number;
  workerCpuSeconds: number[];
  databaseCpuSeconds: number;
  load1: number;
  /** The items' row updates and how many of them were HOT (PostgreSQL only). */
  itemUpdates?: { updates: number; hot: number };
  /** The server's WAL written and checkpoints made from auth to final (PostgreSQL only; the whole server's). */
  wal?: { walMB: number; checkpointsRequested: number; checkpointsTimed: number };
  /** With `webhooks`: one endpoint per merchant subscribed to every event, and how its deliveries went. */
  webhooks?: { deliveries: number; items: number; lagP50Ms: number; lagP99Ms: number; lastArrivalAfterFinalMs: number; repeats: number; badSignatures: number };
}

const memberCount = 200;
/** The merchants' commission in every settlement figure: 1.50 + 1 %. */
export const benchCommission = { fixed: '1.50', rate: '0.01' };
/**
 * How the run learns that the batch is done, without slowing it down: retrieve counts the batch's
 * items by status (a scan of the batch, ~0.25 s of database time at 100,000 items on a busy machine:
 * polled every second it took a fifth of the run's database time), so the run asks for the balance
 * instead, which is two account rows: the merchant's reserved money reaches 0 with the settlement
 * that finishes the batch. Retrieve is asked then, and every `retrieveEvery` polls in case an item
 * ends DEPOSIT_FAIL (its money stays reserved). The figure comes from completedDate, not the poll.
 */
const pollMs = 200;
const retrieveEvery = 25;

export async function settleRun(options: {
  settleCase: SettleCase;
  size: number;
  run: number;
  postgresUrl: string;
  rabbitmqUrl: string;
  loops?: number;
  timeoutMs: number;
  verify: boolean;
  /** Register a webhook endpoint (every event, grouped items) per merchant on a local receiver. */
  webhooks?: boolean;
}): Promise<SettleRun> {
  const c = options.settleCase;
  const deadline = Date.now() + options.timeoutMs;
  const receiver: BenchReceiver | undefined = options.webhooks ? await startBenchReceiver() : undefined;
  const deployment = await deploy({
    // The receiver is on loopback; the retry schedule stays the default.
    env: receiver ? { MASSPAYOUT_WEBHOOK_ALLOW_PRIVATE: '1' } : undefined,
    db: c.db,
    postgresUrl: options.postgresUrl,
    // with worker processes or the floor, serve is the API alone; otherwise its own loops do the work
    serveLoops: c.workerProcesses > 0 || c.floor ? 0 : options.loops,
    workerProcesses: c.workerProcesses,
    workerLoops: options.loops,
    queueUrl: c.rabbitmq ? options.rabbitmqUrl : undefined,
    latencyMs: c.latencyMs,
    timeoutMs: options.timeoutMs,
  });
  try {
    const { client } = deployment;
    // The figure must be of the transport it is labelled with.
    const transport = c.rabbitmq ? /queue: RabbitMQ/ : /queue: the database \(work_chunks\)/;
    // Waited for, not just looked for: a worker prints its transport on the line after "running".
    for (const child of [deployment.serve, ...deployment.workers]) {
      await waitForLine(child, transport, 10_000).catch(() => {
        throw new Error(`${child.name} does not report the expected transport (${transport}):\n${child.tail()}`);
      });
    }
    const members = benchMembers(memberCount);
    await registerMembers(client, members);
    // One merchant per batch; several merchants' batches are authorised together and run side by side.
    const shares = Array.from({ length: c.merchants }, (_, i) => Math.floor(options.size / c.merchants) + (i < options.size % c.merchants ? 1 : 0));
    const batches: { merchant: MerchantKeys; batch: ReturnType<typeof generateBatch>; requestId: string }[] = [];
    for (const [i, share] of shares.entries()) {
      const merchant = await client.createMerchant(benchCommission);
      // Enough for every item at its largest (5,000.00 and its commission): 1,000,000 items need ~5 billion.
      await client.deposit(merchant, String(Math.max(1_000_000_000, share * 6_000)));
      if (receiver) {
        const endpoint = expectStatus(await client.admin('POST', `/admin/v1/merchants/${merchant.merchantId}/webhooks`, { url: receiver.url }), 201, 'webhook endpoint').json;
        receiver.secret = endpoint.secret;
      }
      const batch = generateBatch(share, { members, settled: true });
      const body = Buffer.from(JSON.stringify({ externalId: `bench-settle-${options.run}-${i}`, purpose: 'SALARY', items: batch.items }));
      batch.items.length = 0;
      const init = expectSuccess(await client.signed(merchant, 'POST', '/v1/mass/payout/init', body), 'init');
      batches.push({ merchant, batch, requestId: init.json.requestId as string });
    }

    const before = await deployment.usage();
    const walBefore = await walPosition(deployment.databaseEnv);
    const load1 = loadAverage();
    const authStart = Date.now();
    await Promise.all(
      batches.map(async ({ merchant, requestId }) =>
        expectSuccess(await client.signed(merchant, 'POST', '/v1/mass/payout/auth', Buffer.from(JSON.stringify({ requestId }))), 'auth'),
      ),
    );
    const authMs = Date.now() - authStart;
    // The floor's error, if it has one, ends the run at once rather than at the deadline.
    const floor = c.floor ? settleFloor(deployment.databaseEnv.DATABASE_URL, options.loops ?? limits.workerLoops, deadline) : Promise.resolve();
    const [finals] = await Promise.all([Promise.all(batches.map(({ merchant, requestId }) => waitFinal(client, merchant, requestId, deadline, deployment.serve.tail))), floor]);
    const after = await deployment.usage();
    const wal = walBetween(walBefore, await walPosition(deployment.databaseEnv));
    const settleMs = Math.max(...finals.map((final) => Date.parse(final.completedDate))) - authStart;
    const validItems = batches.reduce((sum, { batch }) => sum + batch.valid, 0);
    const webhooks = receiver ? await awaitDeliveries(receiver, batches.length, validItems, deadline, Math.max(...finals.map((final) => Date.parse(final.completedDate)))) : undefined;

    finals.forEach((final, i) => checkBatchTotals(final, batches[i].batch, `batch ${i}`));
    // The floor's audit rows have the engine's shape, not its canonical hashes (settle-floor.ts).
    const auditVerified = await checkBooksAndAudit(client, options.verify && !c.floor);
    if (webhooks && webhooks.items !== validItems) throw new Error(`webhooks: ${webhooks.items} items arrived in items.settled, expected ${validItems}`);
    await deployment.stopProcesses();
    const itemUpdates = await itemUpdateCounts(deployment.databaseEnv);

    return {
      figure: 'settle',
      case: c.label,
      size: options.size,
      run: options.run,
      validItems,
      settleMs,
      itemsPerSecond: validItems / (settleMs / 1000),
      authMs,
      status: 'COMPLETED',
      booksBalanced: true,
      auditVerified,
      servePeakRssMB: after.serve.peakRssMB,
      workerPeakRssMB: after.workers.map((w) => w.peakRssMB),
      serveCpuSeconds: after.serve.cpuSeconds - before.serve.cpuSeconds,
      workerCpuSeconds: after.workers.map((w: ProcessUsage, i) => w.cpuSeconds - before.workers[i].cpuSeconds),
      databaseCpuSeconds: after.databaseCpuSeconds - before.databaseCpuSeconds,
      load1,
      itemUpdates,
      wal,
      webhooks,
    };
  } finally {
    await deployment.stop();
    await receiver?.close();
  }
}

/**
 * Waits until every batch's mass_payout.completed and every item's items.settled have arrived.
 * Deliveries are independent (a consumer orders them by their sequence numbers), so the completion
 * may overtake an items.settled still in flight or waiting for its retry: the run waits for both,
 * up to its deadline, and the figure says how long after the last batch was final that was.
 */
async function awaitDeliveries(receiver: BenchReceiver, batches: number, validItems: number, deadline: number, finalAt: number): Promise<NonNullable<SettleRun['webhooks']>> {
  while ((receiver.types.get('mass_payout.completed') ?? 0) < batches || receiver.items < validItems) {
    if (Date.now() > deadline) {
      throw new Error(`webhooks: by the deadline ${receiver.types.get('mass_payout.completed') ?? 0} of ${batches} mass_payout.completed and ${receiver.items} of ${validItems} items in items.settled arrived`);
    }
    await sleep(50);
  }
  const lastArrival = Date.now();
  const lags = [...receiver.lags.values()];
  if (receiver.badSignatures > 0) throw new Error(`webhooks: ${receiver.badSignatures} sampled deliveries did not verify`);
  return {
    deliveries: receiver.lags.size,
    items: receiver.items,
    lagP50Ms: percentile(lags, 0.5),
    lagP99Ms: percentile(lags, 0.99),
    lastArrivalAfterFinalMs: lastArrival - finalAt,
    repeats: receiver.repeats,
    badSignatures: receiver.badSignatures,
  };
}

export async function registerMembers(client: ServiceClient, members: ReturnType<typeof benchMembers>): Promise<void> {
  const inFlight = 8;
  for (let i = 0; i < members.length; i += inFlight) {
    await Promise.all(
      members.slice(i, i + inFlight).map(async (m) =>
        expectStatus(await client.admin('POST', '/admin/v1/members', { ...m, name: `Member ${m.memberId}` }), 201, `member ${m.memberId}`),
      ),
    );
  }
}

/**
 * What a finished batch must show, or the run fails: COMPLETED, and a paid total and commission that
 * are exactly those of the items that should be paid (`label` names the batch in the error).
 */
export function checkBatchTotals(final: FinalBatch, batch: Pick<GeneratedBatch, 'paidAmountMinor' | 'paidAmountsMinor'>, label: string): void {
  const terms = { fixedMinor: parseMinor(benchCommission.fixed)!, rateE8: 1_000_000n };
  const expectedCommission = batch.paidAmountsMinor.reduce((sum, amount) => sum + commissionFor(amount, terms), 0n);
  const paid = parseMinor(final.totalSuccessfulAmount);
  const charged = parseMinor(final.totalCommissionAmount);
  if (final.massPayoutStatus !== 'COMPLETED') throw new Error(`${label} ended ${final.massPayoutStatus}, expected COMPLETED`);
  if (paid !== batch.paidAmountMinor) throw new Error(`${label} paid ${paid} minor units, expected ${batch.paidAmountMinor}`);
  if (charged !== expectedCommission) throw new Error(`${label} charged ${charged} minor units of commission, expected ${expectedCommission}`);
}

/** The books balance (trial balance) and, with `verify`, the audit chain verifies, or the run fails. */
export async function checkBooksAndAudit(client: ServiceClient, verify: boolean): Promise<boolean | 'skipped'> {
  const trial = expectStatus(await client.admin('GET', '/admin/v1/ledger/trial-balance'), 200, 'trial balance').json;
  if (trial.balanced !== true) throw new Error(`the books do not balance: ${JSON.stringify(trial)}`);
  if (!verify) return 'skipped';
  const verdict = expectStatus(await client.admin('GET', '/admin/v1/audit/verify'), 200, 'audit verify').json;
  if (verdict.ok !== true) throw new Error(`the audit chain does not verify: ${JSON.stringify(verdict)}`);
  return true;
}

export interface FinalBatch {
  massPayoutStatus: string;
  completedDate: string;
  totalSuccessfulAmount: number;
  totalCommissionAmount: number;
}

export async function waitFinal(client: ServiceClient, merchant: MerchantKeys, requestId: string, deadline: number, serveTail: () => string): Promise<FinalBatch> {
  const body = Buffer.from(JSON.stringify({ requestId, page: 0, size: 1 }));
  let last = '';
  for (let poll = 1; Date.now() < deadline; poll++) {
    const balance = expectSuccess(await client.signed(merchant, 'GET', '/v1/mass/payout/balance', undefined), 'balance').json;
    const reserved = (balance.balances as { currency: string; reserved: string }[]).find((b) => b.currency === 'TRY')?.reserved;
    if (reserved === '0' || poll % retrieveEvery === 0) {
      const batch = expectSuccess(await client.signed(merchant, 'POST', '/v1/mass/payout/retrieve', body), 'retrieve').json.massPayout;
      last = batch.massPayoutStatus;
      if ((last === 'COMPLETED' || last === 'FAIL') && batch.completedDate) return batch;
    }
    await sleep(pollMs);
  }
  throw new Error(`batch still ${last || 'not final'} at the run's deadline; serve said:\n${serveTail()}`);
}

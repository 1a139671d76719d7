import { expectSuccess, type MerchantKeys, type ServiceClient } from './client.ts';
import { deploy, type Deployment } from './deployment.ts';
import { generateBatch } from './items.ts';
import { concurrent, sequential, type Latencies, type LoadFigure, type ReadKind } from './load-generator.ts';
import { loadAverage } from './load.ts';
import { freePort, startBenchScript, stopChild, usageOf, waitForLine } from './processes.ts';

/**
 * Reads at scale: one batch of `batchItems` items (1,000,000 by default, in one init with the
 * service's limits raised for it, then authorised), optionally more items in the database
 * (`storedItems`: other batches of a second merchant, 100,000 items per init, through the same API,
 * so they are the engine's own rows), then signed reads of that batch:
 *   retrieve          a random page of 40 items, by requestId (the seek by seq)
 *   retrieve VALID    a random page of 40 valid items (itemType VALID: found through the batch's list of invalid items)
 *   item              one item by a random referenceCode of the batch
 *   balance           the merchant's balances
 * each sequentially (p50 / p99), then a retrieve/balance mix from `clients` loops at once.
 * Serve runs without workers, with the per-merchant rate limit off (one merchant makes every
 * request; the limit would refuse the load, not measure it).
 *
 * On PostgreSQL the same retrieve and mix then go to the floor (reads-floor-server.ts: one HMAC and
 * one statement per request over the same rows, nothing else), with serve stopped, so the report
 * can say engine / floor: what this machine allows a signed read at all, with this load generator.
 */
export interface ReadsRun {
  figure: 'reads';
  db: 'pglite' | 'postgres';
  run: number;
  batchItems: number;
  storedItems: number;
  seedSeconds: number;
  sequential: Record<string, Latencies>;
  load: LoadFigure;
  /** CPU seconds of serve and of the run's PostgreSQL backends during the concurrent phase. */
  loadCpuServeSeconds: number;
  loadCpuDbSeconds: number;
  load1: number;
  floor?: FloorFigures;
}

/** The same reads against the floor server (PostgreSQL only). */
export interface FloorFigures {
  retrieve: Latencies;
  load: LoadFigure;
  cpuFloorSeconds: number;
  cpuDbSeconds: number;
}

export interface ReadsOptions {
  db: 'pglite' | 'postgres';
  run: number;
  batchItems: number;
  storedItems: number;
  requests: number;
  clients: number;
  seconds: number;
  postgresUrl: string;
  timeoutMs: number;
}

const pageSize = 40;
const fillBatchItems = 100_000;
const mixedBodyBytesPerItem = 200;

export async function readsRun(options: ReadsOptions): Promise<ReadsRun> {
  const limitsFor = Math.max(options.batchItems, fillBatchItems);
  const deployment = await deploy({
    db: options.db,
    postgresUrl: options.postgresUrl,
    serveLoops: 0,
    workerProcesses: 0,
    timeoutMs: options.timeoutMs,
    env: {
      MASSPAYOUT_ITEMS_PER_BATCH_MAX: String(limitsFor),
      MASSPAYOUT_BODY_BYTES_MAX: String(Math.max(64 * 1024 * 1024, limitsFor * mixedBodyBytesPerItem * 2)),
      MASSPAYOUT_RATE_LIMIT_PER_SECOND: '0',
      // A 1,000,000-item body is ~190 MB: on a busy machine it may take longer than the default 120 s to arrive.
      MASSPAYOUT_REQUEST_TIMEOUT_MS: String(Math.min(options.timeoutMs, 3_600_000)),
    },
  });
  try {
    const { client } = deployment;
    const seedStart = performance.now();
    const merchant = await client.createMerchant({ fixed: '1.50', rate: '0.01' });
    await client.deposit(merchant, '10000000000');
    const requestId = await initBatch(client, merchant, options.batchItems, 'bench-reads');
    expectSuccess(await client.signed(merchant, 'POST', '/v1/mass/payout/auth', Buffer.from(JSON.stringify({ requestId }))), 'auth');
    if (options.storedItems > options.batchItems) {
      const filler = await client.createMerchant({ fixed: '1.50', rate: '0.01' });
      for (let stored = options.batchItems, n = 0; stored < options.storedItems; n++) {
        const size = Math.min(fillBatchItems, options.storedItems - stored);
        await initBatch(client, filler, size, `bench-fill-${n}`);
        stored += size;
        process.stdout.write(`\r  filled ${stored.toLocaleString('en-US')} items `);
      }
      process.stdout.write('\n');
    }
    const seedSeconds = (performance.now() - seedStart) / 1000;

    const batch = await firstPage(client, merchant, requestId);
    const kinds = readKinds(requestId, batch.itemCount, batch.validCount, await sampleReferences(client, merchant, requestId, batch.itemCount));
    const baseUrl = client.url;
    // Warm up: V8 optimises the hot paths, the pool opens its connections, the pages of the
    // indexes the reads walk come into the cache (not timed).
    await concurrent(baseUrl, merchant, [kinds.retrieve, kinds.item, kinds.balance], 8, 3, options.timeoutMs);

    const load1 = loadAverage();
    const latencies: Record<string, Latencies> = {};
    for (const kind of Object.values(kinds)) {
      latencies[kind.name] = await sequential(baseUrl, merchant, kind, options.requests, options.timeoutMs);
    }
    const before = await deployment.usage();
    const load = await concurrent(baseUrl, merchant, [kinds.retrieve, kinds.balance], options.clients, options.seconds, options.timeoutMs);
    const after = await deployment.usage();
    const floor = options.db === 'postgres' ? await floorRun(deployment, merchant, requestId, kinds, options) : undefined;
    return {
      figure: 'reads',
      db: options.db,
      run: options.run,
      batchItems: options.batchItems,
      storedItems: Math.max(options.storedItems, options.batchItems),
      seedSeconds,
      sequential: latencies,
      load,
      loadCpuServeSeconds: after.serve.cpuSeconds - before.serve.cpuSeconds,
      loadCpuDbSeconds: after.databaseCpuSeconds - before.databaseCpuSeconds,
      load1,
      floor,
    };
  } finally {
    await deployment.stop();
  }
}

/** The retrieve (sequential) and the mix (concurrent) against the floor server, serve stopped so that it takes no core. */
async function floorRun(deployment: Deployment, merchant: MerchantKeys, requestId: string, kinds: Record<'retrieve' | 'balance', ReadKind>, options: ReadsOptions): Promise<FloorFigures> {
  await stopChild(deployment.serve);
  const port = await freePort();
  const floor = startBenchScript('floor', './reads-floor-server.ts', {
    ...deployment.databaseEnv,
    FLOOR_PORT: String(port),
    FLOOR_API_KEY: merchant.apiKey,
    FLOOR_SECRET_KEY: merchant.secretKey,
    FLOOR_MERCHANT_ID: String(merchant.merchantId),
    FLOOR_BATCH_ID: requestId,
  });
  try {
    await waitForLine(floor, /floor listening/, 60_000);
    const url = `http://127.0.0.1:${port}`;
    await concurrent(url, merchant, [kinds.retrieve, kinds.balance], 8, 3, options.timeoutMs);
    const retrieve = await sequential(url, merchant, kinds.retrieve, options.requests, options.timeoutMs);
    const [floorBefore, dbBefore] = [await usageOf(floor), await deployment.databaseCpuSeconds()];
    const load = await concurrent(url, merchant, [kinds.retrieve, kinds.balance], options.clients, options.seconds, options.timeoutMs);
    const [floorAfter, dbAfter] = [await usageOf(floor), await deployment.databaseCpuSeconds()];
    return { retrieve, load, cpuFloorSeconds: floorAfter.cpuSeconds - floorBefore.cpuSeconds, cpuDbSeconds: dbAfter - dbBefore };
  } finally {
    await stopChild(floor);
  }
}

async function initBatch(client: ServiceClient, merchant: MerchantKeys, size: number, externalId: string): Promise<string> {
  const batch = generateBatch(size);
  const body = Buffer.from(JSON.stringify({ externalId, conversationId: 'bench', purpose: 'SALARY', items: batch.items }));
  batch.items.length = 0;
  const init = expectSuccess(await client.signed(merchant, 'POST', '/v1/mass/payout/init', body), `init of ${size} items`);
  return init.json.requestId as string;
}

async function firstPage(client: ServiceClient, merchant: MerchantKeys, requestId: string): Promise<{ itemCount: number; validCount: number }> {
  const answer = expectSuccess(await client.signed(merchant, 'POST', '/v1/mass/payout/retrieve', Buffer.from(JSON.stringify({ requestId, page: 0, size: 1, itemType: 'VALID' }))), 'retrieve');
  return { itemCount: answer.json.massPayout.itemCount, validCount: answer.json.total };
}

/** Reference codes of 1,000 items spread over the whole batch, read page by page before anything is timed. */
async function sampleReferences(client: ServiceClient, merchant: MerchantKeys, requestId: string, itemCount: number): Promise<string[]> {
  const codes: string[] = [];
  const pages = Math.ceil(itemCount / pageSize);
  for (let i = 0; i < 25; i++) {
    const page = Math.floor((i / 25) * pages);
    const body = Buffer.from(JSON.stringify({ requestId, page, size: pageSize }));
    const answer = expectSuccess(await client.signed(merchant, 'POST', '/v1/mass/payout/retrieve', body), 'retrieve');
    for (const item of answer.json.massPayoutItems.items) codes.push(item.referenceCode);
  }
  return codes;
}

function randomBelow(n: number): number {
  return Math.floor(Math.random() * n);
}

/** The page's paging fields stand both inside massPayoutItems and at the top level, and agree; a page of one kind lists only that kind. */
function checkPage(json: any, page: number, expectedItems: number, kind: string | undefined): void {
  const inner = json.massPayoutItems;
  if (inner.page !== page || json.page !== page || inner.size !== pageSize || json.size !== pageSize || inner.total !== json.total) {
    throw new Error(`paging fields disagree: ${JSON.stringify({ page, inner: { page: inner.page, size: inner.size, total: inner.total }, top: { page: json.page, size: json.size, total: json.total } })}`);
  }
  if (inner.items.length !== expectedItems) throw new Error(`page ${page}: ${inner.items.length} items, expected ${expectedItems}`);
  if (kind === 'VALID' && inner.items.some((item: { itemStatus: string }) => item.itemStatus === 'INVALID')) throw new Error(`page ${page} of VALID items lists an INVALID one`);
}

function readKinds(requestId: string, itemCount: number, validCount: number, references: readonly string[]): Record<'retrieve' | 'retrieveValid' | 'item' | 'balance', ReadKind> {
  const pageOf = (count: number, kind: ReadKind['name'], extra: Record<string, string>): ReadKind => {
    const pages = Math.ceil(count / pageSize);
    return {
      name: kind,
      method: 'POST',
      next() {
        const page = randomBelow(pages);
        return {
          path: '/v1/mass/payout/retrieve',
          body: Buffer.from(JSON.stringify({ requestId, page, size: pageSize, ...extra })),
          check: (json) => checkPage(json, page, Math.min(pageSize, count - page * pageSize), extra.itemType),
        };
      },
    };
  };
  return {
    retrieve: pageOf(itemCount, 'retrieve', {}),
    retrieveValid: pageOf(validCount, 'retrieve VALID', { itemType: 'VALID' }),
    item: {
      name: 'item',
      method: 'GET',
      next() {
        const reference = references[randomBelow(references.length)];
        return {
          path: `/v1/mass/payout/retrieve/items/${reference}`,
          check: (json) => {
            if (json.item.referenceCode !== reference) throw new Error(`asked for ${reference}, got ${json.item.referenceCode}`);
          },
        };
      },
    },
    balance: {
      name: 'balance',
      method: 'GET',
      next: () => ({
        path: '/v1/mass/payout/balance',
        check: (json) => {
          if (typeof json.balance !== 'string') throw new Error(`no balance: ${JSON.stringify(json).slice(0, 300)}`);
        },
      }),
    },
  };
}

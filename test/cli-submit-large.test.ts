import { createHash, randomBytes } from 'node:crypto';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import http from 'node:http';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AdminClient, MassPayoutClient, type InitItemInput } from '../src/client/index.ts';
import { expectOneLineFailure, payoutCsvHeader as header, runToEnd } from './support/cli.ts';
import { installationDb, type InstallationDb, seededDataDir } from './support/db.ts';
import { type CliProcess, freePort, runCli } from './support/process.ts';

/**
 * `masspayout submit` streams a file of any size: a real `serve` child, and the CLI as a child with
 * a V8 heap far too small for the file held whole (the CLI that read it whole aborted under it at
 * 100,000 lines); a file changed between the CLI's two reads is refused and creates nothing.
 */
let dataDir: string;
let database: InstallationDb;
let serve: CliProcess;
let url: string;
const adminToken = randomBytes(16).toString('hex');

beforeAll(async () => {
  dataDir = await mkdtemp(path.join(tmpdir(), 'masspayout-submit-large-'));
  await seededDataDir(dataDir);
  database = await installationDb();
  const port = await freePort();
  url = `http://127.0.0.1:${port}`;
  // No workers: nothing here is authorised, and their loops would only take CPU from the CLI.
  serve = runCli(['serve'], { MASSPAYOUT_DATA_DIR: dataDir, HOST: '127.0.0.1', PORT: String(port), MASSPAYOUT_ADMIN_TOKEN: adminToken, MASSPAYOUT_WORKER_CONCURRENCY: '0', ...database.env });
  await serve.waitFor(/listening on/, 120_000);
}, 180_000);

afterAll(async () => {
  serve?.child.kill('SIGTERM');
  await serve?.exited(60_000).catch(() => serve.child.kill('SIGKILL'));
  await database?.drop();
  if (dataDir) await rm(dataDir, { recursive: true, force: true });
});

async function newMerchant(): Promise<{ env: Record<string, string>; sdk: MassPayoutClient }> {
  const { apiKey, secretKey } = await new AdminClient({ baseUrl: url, token: adminToken }).createMerchant({ name: 'Large Ltd' });
  return {
    env: { MASSPAYOUT_URL: url, MASSPAYOUT_API_KEY: apiKey, MASSPAYOUT_SECRET_KEY: secretKey, MASSPAYOUT_DATA_DIR: path.join(dataDir, 'none') },
    sdk: new MassPayoutClient({ baseUrl: url, apiKey, secretKey, locale: 'en' }),
  };
}

function submit(args: string[], env: Record<string, string>, proxyUrl?: string) {
  return runToEnd(['submit', ...args], { ...env, ...(proxyUrl ? { MASSPAYOUT_URL: proxyUrl } : {}) });
}

async function batchOf(sdk: MassPayoutClient, externalId: string) {
  return sdk.progress({ externalMassPayoutId: externalId }).catch((error: { errorCode?: string }) => {
    if (error.errorCode === '6001') return undefined;
    throw error;
  });
}

describe('masspayout submit, streamed', () => {
  it('sends a 100,000-line file with a 48 MB heap: every item on the service, with its total', async () => {
    const { env, sdk } = await newMerchant();
    const rows = [header];
    for (let i = 0; i < 100_000; i++) rows.push(`L-${i},MEMBER_ID,${100_000 + i},Çalışan ${i},1.${String(i % 100).padStart(2, '0')},TRY,Maaş`);
    const file = path.join(dataDir, 'large.csv');
    await writeFile(file, rows.join('\n') + '\n');

    // The body alone is 19 MB of JSON, ~40 MB as a string: held whole with its rows, it does not fit.
    const run = await submit([file, '--external-id', 'large', '--json'], { ...env, NODE_OPTIONS: '--max-old-space-size=48' });
    expect(run.code, run.stdout).toBe(0);
    expect(run.json).toMatchObject({ sent: true, alreadyExisted: false, itemCount: 100_000, validCount: 100_000, invalidCount: 0 });
    const stored = await sdk.retrieve({ requestId: run.json.requestId, page: 99, size: 1000 });
    // Σ (1 + (i mod 100) / 100) over 100,000 lines = 100,000 + 1,000 · 49.5.
    expect(stored.massPayout).toMatchObject({ itemCount: 100_000, totalAmount: 149_500, massPayoutStatus: 'INIT' });
    expect(stored.massPayoutItems.items.at(-1)).toMatchObject({ itemExternalId: 'L-99999', recipientName: 'Çalışan 99999', totalAmount: 1.99 });
    // Two CLI-side reads of 100,000 lines and a real 100,000-item init.
  }, 240_000);

  it('refuses a file with more lines than one request takes, before anything is sent', async () => {
    const { env, sdk } = await newMerchant();
    const file = path.join(dataDir, 'three.csv');
    await writeFile(file, [header, ...[1, 2, 3].map((n) => `T-${n},MEMBER_ID,${n},Ad,1,TRY,`)].join('\n'));
    const refused = await submit([file, '--external-id', 'three', '--json'], { ...env, MASSPAYOUT_ITEMS_PER_BATCH_MAX: '2' });
    expectOneLineFailure(refused, /three\.csv has 3 payout lines; one request takes at most 2 \(MASSPAYOUT_ITEMS_PER_BATCH_MAX\): split it into batches of 2; nothing was sent$/);
    expect(refused.json).toMatchObject({ status: 'failure', itemCount: 3, itemsPerBatchMax: 2 });
    expect(await batchOf(sdk, 'three')).toBeUndefined();
  }, 120_000);

  it('refuses a file that changed between its reads (7060), and nothing is created', async () => {
    const { env, sdk } = await newMerchant();
    const file = path.join(dataDir, 'changing.csv');
    const lines = (amount: string) => [header, ...[1, 2, 3].map((n) => `C-${n},MEMBER_ID,${n},Ad,${amount},TRY,`)].join('\n') + '\n';
    await writeFile(file, lines('1.00'));
    // Between the read that checks the file and the one that sends it, the CLI asks the service for
    // the batch under this externalId: a proxy rewrites the file as that question goes by.
    let rewritten = false;
    const proxy = http.createServer((request, response) => {
      const forward = async () => {
        if (request.url?.startsWith('/v1/mass/payout/retrieve') && !rewritten) {
          await writeFile(file, lines('99.00'));
          rewritten = true;
        }
        const upstream = http.request(url + request.url, { method: request.method, headers: request.headers }, (answer) => {
          response.writeHead(answer.statusCode ?? 502, answer.headers);
          answer.pipe(response);
        });
        request.pipe(upstream);
      };
      void forward();
    });
    await new Promise<void>((resolve) => proxy.listen(0, '127.0.0.1', resolve));
    try {
      const address = proxy.address() as { port: number };
      const run = await submit([file, '--external-id', 'changing'], env, `http://127.0.0.1:${address.port}`);
      expect(rewritten).toBe(true);
      expectOneLineFailure(run, /^masspayout submit: 7060 The file changed after it was checked; nothing was created: .*changing\.csv \(is something still writing it\? submit it again once it is complete\)$/);
    } finally {
      await new Promise((resolve) => proxy.close(resolve));
    }
    expect(await batchOf(sdk, 'changing')).toBeUndefined();
  }, 120_000);

  it('the SDK cuts off a streamed init whose items differ from those it signed (BODY_CHANGED), and nothing is created', async () => {
    const { sdk } = await newMerchant();
    const item = (n: number, value: string): InitItemInput => ({ itemExternalId: `D-${n}`, recipientType: 'MEMBER_ID', recipientInfo: String(n), amount: { value, currency: 'TRY' } }) as InitItemInput;
    // Same length, other bytes: only the hash can tell, after the last item was made.
    let value = '1.00';
    const items = async function* () {
      for (let run = 0; run < 5; run++) yield Array.from({ length: 1000 }, (_, i) => item(run * 1000 + i, value));
    };
    const prepared = await sdk.prepareInit({ externalId: 'differs', items });
    // The bytes init would have sent for the same request, held whole.
    const whole = JSON.stringify({ externalId: 'differs', items: Array.from({ length: 5000 }, (_, i) => item(i, '1.00')) });
    expect(prepared).toMatchObject({ itemCount: 5000, byteLength: Buffer.byteLength(whole), sha256: createHash('sha256').update(whole).digest('hex') });
    value = '2.00';
    await expect(sdk.sendInit(prepared)).rejects.toMatchObject({ errorCode: 'BODY_CHANGED', httpStatus: 0, retryable: false });
    expect(await batchOf(sdk, 'differs')).toBeUndefined();

    value = '1.00';
    const sent = await sdk.sendInit(prepared);
    const stored = await sdk.progress(sent.requestId);
    expect(stored).toMatchObject({ itemCount: 5000, totalAmount: 5000 });
  }, 120_000);
});

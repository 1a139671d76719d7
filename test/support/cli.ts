import { spawn } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { composeIBAN } from 'ibantools';
import { afterAll, beforeAll, expect } from 'vitest';
import { MassPayoutClient } from '../../src/client/index.ts';
import { createRails } from '../../src/rails/index.ts';
import { defaultSandboxConfig } from '../../src/rails/sandbox-config.ts';
import { startWorkers, type Workers } from '../../src/workers/start-workers.ts';
import { startTestService, type TestMerchant, type TestService } from './service.ts';
import { cliArgv } from './process.ts';

/**
 * `masspayout` as a user runs it, for the test/cli-*.test.ts files: a child process
 * (bin/masspayout.js) against the real service on a real database, checked by its exit code, its
 * stdout (--json) and its one-line stderr reasons. The CLI's tests are split by concern into
 * several files so that they run side by side; each file has a service of its own.
 */

export const payoutCsvHeader = 'itemExternalId,recipientType,recipientInfo,recipientName,amount,currency,description';

export const iban = (n: number): string => composeIBAN({ countryCode: 'TR', bban: `000640${String(n).padStart(16, '0')}` })!;

export interface CliRun {
  code: number | null;
  stdout: string;
  stderr: string;
  json: any;
}

/** A failure: non-zero exit and exactly one line on stderr that says why. */
export function expectOneLineFailure(run: CliRun, pattern: RegExp, code = 1): void {
  expect(run.code, run.stdout + run.stderr).toBe(code);
  const lines = run.stderr.trimEnd().split('\n');
  expect(lines.at(-1)).toMatch(pattern);
}

export interface CliHarness {
  /** The file's service (set once its beforeAll ran). */
  readonly service: TestService;
  /** A scratch folder of the file's own, removed after it. */
  readonly dir: string;
  /** Runs the CLI to its end with only the environment given (plus PATH/HOME): no credentials leak in from the test runner. */
  cli(args: string[], env?: Record<string, string>): Promise<CliRun>;
  adminEnv(): Record<string, string>;
  merchantEnv(merchant: TestMerchant): Record<string, string>;
  sdk(merchant: TestMerchant): MassPayoutClient;
  csvFile(name: string, content: string | Buffer): Promise<string>;
  batchCount(merchant: TestMerchant): Promise<number>;
}

/**
 * A service for one test file's CLI runs (with in-process workers paying through the sandbox bank
 * when `workers` is set, for the files that watch batches become final) and a scratch folder.
 */
export function cliHarness(options: { workers?: boolean } = {}): CliHarness {
  let service: TestService | undefined;
  let workers: Workers | undefined;
  let dir: string | undefined;
  beforeAll(async () => {
    service = await startTestService();
    if (options.workers) {
      workers = startWorkers({ db: service.db, rails: createRails(service.db, { ...defaultSandboxConfig, settleMs: 200 }), concurrency: 1, pollMs: 20, log: () => {} });
    }
    dir = await mkdtemp(path.join(tmpdir(), 'masspayout-cli-'));
  });
  afterAll(async () => {
    await workers?.stop();
    await service?.close();
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  const harness: CliHarness = {
    get service() {
      if (!service) throw new Error('the service starts in beforeAll');
      return service;
    },
    get dir() {
      if (!dir) throw new Error('the scratch folder is made in beforeAll');
      return dir;
    },
    cli: (args, env = {}) => runToEnd(args, { MASSPAYOUT_DATA_DIR: path.join(dir ?? tmpdir(), 'no-data-dir'), ...env }),
    adminEnv: () => ({ MASSPAYOUT_URL: harness.service.url, MASSPAYOUT_ADMIN_TOKEN: harness.service.adminToken }),
    merchantEnv: (m) => ({ MASSPAYOUT_URL: harness.service.url, MASSPAYOUT_API_KEY: m.apiKey, MASSPAYOUT_SECRET_KEY: m.secretKey }),
    sdk: (m) => new MassPayoutClient({ baseUrl: harness.service.url, apiKey: m.apiKey, secretKey: m.secretKey, locale: 'en' }),
    async csvFile(name, content) {
      const file = path.join(harness.dir, name);
      await writeFile(file, content);
      return file;
    },
    async batchCount(merchant) {
      const result = await harness.service.db.query<{ n: bigint }>('select count(*)::int8 as n from batches where merchant_id = $1', [merchant.merchantId]);
      return Number(result.rows[0].n);
    },
  };
  return harness;
}

/** The CLI run to its end with only `env` (plus PATH/HOME), stdout and stderr apart. */
export function runToEnd(args: string[], env: Record<string, string>): Promise<CliRun> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, cliArgv(args), {
      env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '/tmp', ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString('utf8')));
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString('utf8')));
    const timer = setTimeout(() => child.kill('SIGKILL'), 120_000);
    child.on('error', reject);
    child.on('close', (code) => {
      clearTimeout(timer);
      let json: any;
      try {
        json = JSON.parse(stdout);
      } catch {
        json = undefined;
      }
      resolve({ code, stdout, stderr, json });
    });
  });
}

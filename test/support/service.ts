import { randomBytes } from 'node:crypto';
import { expect } from 'vitest';
import type { ApiServer } from '../../src/api/deps.ts';
import { buildServer, type ServerOptions } from '../../src/api/server.ts';
import { configFromEnv } from '../../src/config.ts';
import type { Db } from '../../src/db/port.ts';
import { trialBalance } from '../../src/ledger/balances.ts';
import { SecretBox } from '../../src/merchants/secret-box.ts';
import type { BatchQueue } from '../../src/payouts/batch-queue.ts';
import { tableQueue } from '../../src/queue/table-queue.ts';
import { authorizationHeader } from '../../src/signing/iyzws.ts';
import { freshDb } from './db.ts';
import { httpRequest, type HttpResponse } from './http.ts';

export interface TestMerchant {
  merchantId: number;
  apiKey: string;
  secretKey: string;
}

export interface SignedOptions {
  /** Query string appended to the URL, never signed (e.g. "?locale=en"). */
  query?: string;
  randomKey?: string;
  /** Send these exact bytes instead of JSON.stringify(body). */
  rawBody?: string;
  headers?: Record<string, string>;
}

/** The real service on a real database, listening on a loopback port, for one test file. */
export interface TestService {
  url: string;
  db: Db;
  app: ApiServer;
  adminToken: string;
  admin(method: string, path: string, body?: unknown): Promise<HttpResponse>;
  createMerchant(commission?: { fixed?: string; rate?: string }): Promise<TestMerchant>;
  deposit(merchant: TestMerchant, amount: string, currency?: string): Promise<void>;
  signed(merchant: TestMerchant, method: string, path: string, body?: unknown, options?: SignedOptions): Promise<HttpResponse>;
  close(): Promise<void>;
}

/** What a test may change beyond the configuration: the master key, logging, faults on the database. */
export interface TestServiceOptions {
  box?: SecretBox;
  logger?: ServerOptions['logger'];
  /** The service's own JSON logger (redaction included), as `serve` builds it. */
  loggerInstance?: ServerOptions['loggerInstance'];
  /** The service sees `wrap(db)` (e.g. a handle that injects a fault); the test keeps the real one. */
  wrapDb?: (db: Db) => Db;
  randomKeyPurgeIntervalMs?: number;
  /** How auth hands batches over; the table queue by default (RabbitMQ tests pass the outbox queue). */
  queue?: BatchQueue;
  /** PEM certificate and key: the service listens with HTTPS and `url` is https://. */
  https?: { cert: Buffer; key: Buffer };
}

export async function startTestService(overrides: Partial<ReturnType<typeof configFromEnv>> = {}, options: TestServiceOptions = {}): Promise<TestService> {
  const { db, drop } = await freshDb();
  const adminToken = randomBytes(16).toString('hex');
  const config = { ...configFromEnv({}), ...overrides };
  const box = options.box ?? new SecretBox(randomBytes(32));
  const app = await buildServer(
    { db: options.wrapDb ? options.wrapDb(db) : db, box, config, adminToken, queue: options.queue ?? tableQueue(config.queue.chunkItems) },
    { logger: options.logger, loggerInstance: options.loggerInstance, randomKeyPurgeIntervalMs: options.randomKeyPurgeIntervalMs, https: options.https },
  );
  await app.listen({ port: 0, host: '127.0.0.1' });
  const address = app.server.address();
  if (!address || typeof address === 'string') throw new Error('no port');
  const url = `${options.https ? 'https' : 'http'}://127.0.0.1:${address.port}`;

  const admin = (method: string, path: string, body?: unknown) =>
    httpRequest(url + path, method, body === undefined ? undefined : JSON.stringify(body), {
      authorization: `Bearer ${adminToken}`,
      ...(body === undefined ? {} : { 'content-type': 'application/json' }),
    });

  return {
    url,
    db,
    app,
    adminToken,
    admin,
    async createMerchant(commission) {
      const response = await admin('POST', '/admin/v1/merchants', { name: 'Test Merchant', ...(commission ? { commission } : {}) });
      expect(response.status, response.text).toBe(201);
      return response.json as TestMerchant;
    },
    async deposit(merchant, amount, currency = 'TRY') {
      const response = await admin('POST', `/admin/v1/merchants/${merchant.merchantId}/deposits`, { amount, currency });
      expect(response.status, response.text).toBe(201);
    },
    signed(merchant, method, path, body, options = {}) {
      const raw = options.rawBody ?? (body === undefined ? undefined : JSON.stringify(body));
      const randomKey = options.randomKey ?? randomBytes(8).toString('hex');
      const authorization = authorizationHeader(merchant.apiKey, merchant.secretKey, randomKey, path, raw ?? '');
      return httpRequest(url + path + (options.query ?? ''), method, raw, {
        authorization,
        'x-iyzi-rnd': randomKey,
        ...(raw === undefined ? {} : { 'content-type': 'application/json' }),
        ...options.headers,
      });
    },
    async close() {
      await app.close();
      await drop();
    },
  };
}

/**
 * The money invariants, asserted after every scenario: the books balance per currency, and each
 * merchant's available + reserved equals what was deposited (and returned by a bank after success)
 * minus what was paid out with commission.
 */
export async function expectBooksBalanced(db: Db): Promise<void> {
  const trial = await trialBalance(db);
  expect(trial.balanced, JSON.stringify(trial.currencies, (_k, v) => (typeof v === 'bigint' ? v.toString() : v))).toBe(true);
  const mismatched = await db.query<{ merchant_id: bigint; currency: string; held: bigint; expected: bigint }>(
    `with held as (
       select merchant_id, currency, sum(balance)::int8 as held from accounts
       where kind in ('available', 'reserved') group by merchant_id, currency
     ), flows as (
       select a.merchant_id, t.currency,
         sum(case when t.kind in ('deposit', 'return') then t.amount else 0 end)::int8 as deposited,
         sum(case when t.kind in ('payout', 'commission') then t.amount else 0 end)::int8 as paid
       from ledger_transfers t
       join accounts a on a.id = case when t.kind in ('deposit', 'return') then t.credit_account_id else t.debit_account_id end
       where t.kind in ('deposit', 'return', 'payout', 'commission') and a.merchant_id is not null
       group by a.merchant_id, t.currency
     )
     select h.merchant_id, h.currency, h.held, coalesce(f.deposited, 0) - coalesce(f.paid, 0) as expected
     from held h left join flows f using (merchant_id, currency)
     where h.held <> coalesce(f.deposited, 0) - coalesce(f.paid, 0)`,
  );
  expect(mismatched.rows).toEqual([]);
}

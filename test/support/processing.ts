import { expect } from 'vitest';
import { createRails } from '../../src/rails/index.ts';
import type { Rails } from '../../src/rails/rail.ts';
import { defaultSandboxConfig, type SandboxConfig } from '../../src/rails/sandbox-config.ts';
import { startWorkers, type WorkerOptions, type Workers } from '../../src/workers/start-workers.ts';
import type { TestMerchant, TestService } from './service.ts';
import { waitFor } from './wait.ts';

/**
 * Workers in the test process, on the test service's database: the real processing engine with the
 * real sandbox bank. A short settle time (300 ms) and poll interval keep the ambiguous path quick.
 */
export interface TestWorkers extends Workers {
  rails: Rails;
  /** Every line the workers logged (alerts included). */
  logs: string[];
}

export const testSandbox: SandboxConfig = { ...defaultSandboxConfig, settleMs: 300 };

export function startTestWorkers(service: TestService, options: Partial<WorkerOptions> & { sandbox?: Partial<SandboxConfig> } = {}): TestWorkers {
  const logs: string[] = [];
  const rails = options.rails ?? createRails(service.db, { ...testSandbox, ...options.sandbox });
  const workers = startWorkers({ db: service.db, rails, concurrency: 2, pollMs: 50, log: (line) => logs.push(line), ...options });
  return { ...workers, rails, logs, stop: () => workers.stop() };
}

let externalIds = 0;

/** init + auth through the real signed API; returns the requestId. */
export async function submitBatch(service: TestService, merchant: TestMerchant, items: unknown[]): Promise<string> {
  externalIds += 1;
  const init = await service.signed(merchant, 'POST', '/v1/mass/payout/init', { externalId: `processing-${process.pid}-${Date.now()}-${externalIds}`, items });
  expect(init.status, init.text).toBe(200);
  const requestId = init.json.requestId as string;
  const auth = await service.signed(merchant, 'POST', '/v1/mass/payout/auth', { requestId });
  expect(auth.status, auth.text).toBe(200);
  return requestId;
}

/** One page of the batch through the real retrieve endpoint (items in submission order). */
export async function retrieveBatch(service: TestService, merchant: TestMerchant, requestId: string, size = 1000, page = 0, query = '?locale=en') {
  const response = await service.signed(merchant, 'POST', '/v1/mass/payout/retrieve', { requestId, page, size }, { query });
  expect(response.status, response.text).toBe(200);
  return response.json;
}

/**
 * Waits until the batch is COMPLETED or FAIL, asking the retrieve endpoint every 50 ms, for at most
 * `timeoutMs`; fails the test with the last state seen otherwise.
 */
export async function waitUntilFinal(service: TestService, merchant: TestMerchant, requestId: string, timeoutMs = 30_000) {
  let last: any;
  return waitFor(
    async () => {
      last = (await retrieveBatch(service, merchant, requestId, 1)).massPayout;
      return ['COMPLETED', 'FAIL'].includes(last.massPayoutStatus) ? last : undefined;
    },
    timeoutMs,
    () => `batch ${requestId} not final: ${JSON.stringify(last)}`,
    50,
  );
}

/** Registers a wallet member through the admin API. */
export async function registerMember(service: TestService, member: { memberId: string; phone?: string; identityNumber?: string; name?: string }) {
  const response = await service.admin('POST', '/admin/v1/members', { name: `Member ${member.memberId}`, ...member });
  expect(response.status, response.text).toBe(201);
}

/** The merchant's balances through the real balance endpoint, in minor units of TRY. */
export async function balanceOf(service: TestService, merchant: TestMerchant): Promise<{ available: string; reserved: string }> {
  const response = await service.signed(merchant, 'GET', '/v1/mass/payout/balance');
  expect(response.status, response.text).toBe(200);
  const line = response.json.balances.find((b: { currency: string }) => b.currency === 'TRY');
  return { available: line?.available ?? '0', reserved: line?.reserved ?? '0' };
}

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { configFromEnv } from '../src/config.ts';
import { InvariantError } from '../src/faults.ts';
import { limits } from '../src/limits.ts';
import { failChunk } from '../src/queue/chunk-lease.ts';
import { claimDueChunk } from '../src/queue/claim.ts';
import { withRailTimeout } from '../src/rails/timeout.ts';
import { batchSnapshot, waitUntilBatchFinal } from './support/exactly-once.ts';
import { waitFor } from './support/wait.ts';
import { ibanItem } from './support/items.ts';
import { balanceOf, startTestWorkers, submitBatch } from './support/processing.ts';
import { expectBooksBalanced, startTestService, type TestService } from './support/service.ts';
import { poisonHandOver } from './support/db.ts';
import { AdminClient } from '../src/client/admin.ts';
import { runCli } from './support/process.ts';

/** A poison chunk is retried limits.chunkFailuresMax times, then parked with its last error, for an operator. */
let service: TestService;
beforeAll(async () => {
  // Chunks of 3 items: a 6-item batch is two chunks, one of them poisoned.
  service = await startTestService({ queue: { ...configFromEnv({}).queue, chunkItems: 3 } });
});
afterAll(async () => {
  await service?.close();
});

describe('parked chunks', () => {
  it('a chunk that keeps failing is parked after the cap with its error, its items untouched; an operator lists and retries it', async () => {
    const merchant = await service.createMerchant();
    await service.deposit(merchant, '1000.00');
    let poisoned = new Set<bigint>();
    const workers = startTestWorkers(service, { db: poisonHandOver(service.db, (itemIds) => itemIds.some((id) => poisoned.has(id))), reaperIntervalMs: false });
    try {
      const init = await service.signed(merchant, 'POST', '/v1/mass/payout/init', { externalId: `park-${Date.now()}`, items: Array.from({ length: 6 }, (_, i) => ibanItem(i * 10 + 1, '10.00')) });
      const requestId = init.json.requestId as string;
      // The second chunk (seq 3..5) is the poisoned one.
      const ids = await service.db.query<{ id: bigint }>('select id from items where batch_id = $1 and seq >= 3', [requestId]);
      poisoned = new Set(ids.rows.map((row) => row.id));
      expect((await service.signed(merchant, 'POST', '/v1/mass/payout/auth', { requestId })).status).toBe(200);

      const parked = await waitFor(
        async () => {
          const rows = await service.db.query<{ failures: number; last_error: string; claimed_by: string | null }>(
            'select failures, last_error, claimed_by from work_chunks where batch_id = $1 and parked_at is not null',
            [requestId],
          );
          return rows.rows[0];
        },
        60_000,
        async () => JSON.stringify(await batchSnapshot(service.db, requestId)),
      );
      expect(parked).toEqual({ failures: limits.chunkFailuresMax, last_error: 'Error: injected fault: this chunk cannot be handed over', claimed_by: null });
      // The healthy chunk was paid; the parked one's items are as auth left them, their money reserved.
      await waitFor(async () => ((await batchSnapshot(service.db, requestId)).items.SUCCESS === 3 ? true : undefined), 30_000, async () => JSON.stringify(await batchSnapshot(service.db, requestId)));
      expect(await batchSnapshot(service.db, requestId)).toEqual({ status: 'PUBLISHED_TO_QUEUE', items: { PROCESSING: 3, SUCCESS: 3 } });
      expect(await balanceOf(service, merchant)).toEqual({ available: '940', reserved: '30' });
      // Parked means not claimed again: its failure count stays at the cap while the workers run on.
      expect(workers.logs.filter((line) => line.includes('chunk of 3 items failed')).length).toBe(limits.chunkFailuresMax);

      const list = await service.admin('GET', '/admin/v1/chunks/parked');
      expect(list.status, list.text).toBe(200);
      const mine = list.json.chunks.filter((c: { requestId: string }) => c.requestId === requestId);
      expect(mine).toEqual([{ id: expect.any(String), requestId, seqFrom: 3, seqTo: 5, failures: 5, lastError: parked.last_error, parkedAt: expect.any(String) }]);

      const unknown = await service.admin('POST', '/admin/v1/chunks/999999999/retry');
      expect(unknown.status).toBe(404);
      expect(unknown.json).toMatchObject({ status: 'failure', errorCode: '7010' });

      // The SDK's view of the same list, and its refusal of an unknown chunk.
      const sdk = new AdminClient({ baseUrl: service.url, token: service.adminToken });
      expect((await sdk.parkedChunks()).chunks.filter((c) => c.requestId === requestId)).toEqual(mine);
      await expect(sdk.retryParkedChunk('999999999')).rejects.toMatchObject({ errorCode: '7010' });

      // The operator's CLI shows the same chunk, and retries it.
      const cli = (args: string[]) => {
        const run = runCli([...args, '--url', service.url, '--token', service.adminToken], {});
        return run.exited(120_000).then((code) => ({ code, output: run.output() }));
      };
      const shown = await cli(['chunks', 'parked']);
      expect(shown.code, shown.output).toBe(0);
      expect(shown.output).toContain(`chunk ${mine[0].id}  batch ${requestId}  items 3..5  5 failure(s)`);
      expect(shown.output).toContain(parked.last_error);
      const shownJson = await cli(['chunks', 'parked', '--json']);
      expect(JSON.parse(shownJson.output).chunks.filter((c: { requestId: string }) => c.requestId === requestId)).toEqual(mine);

      poisoned = new Set();
      const retried = await cli(['chunks', 'retry', mine[0].id]);
      expect(retried.code, retried.output).toBe(0);
      expect(retried.output).toContain(`chunk ${mine[0].id} is due again`);
      expect(await waitUntilBatchFinal(service.db, requestId, 30_000)).toBe('COMPLETED');
      expect((await service.admin('POST', `/admin/v1/chunks/${mine[0].id}/retry`)).status).toBe(404);
      const again = await cli(['chunks', 'retry', mine[0].id]);
      expect(again.code).toBe(1);
      expect(again.output).toContain('7010');
      // Parking and the retry are on the merchant's audit trail, by who did them; the chain verifies.
      const trail = await service.db.query<{ action: string; actor: string; after: Record<string, unknown> }>(
        `select action, actor, after from audit_events where entity = $1 order by seq`,
        [`chunk:${mine[0].id}`],
      );
      expect(trail.rows).toEqual([
        { action: 'chunk.parked', actor: 'system', after: { seqFrom: 3, seqTo: 5, failures: 5, lastError: parked.last_error } },
        { action: 'chunk.retried', actor: 'admin', after: { parked: false, failures: 0 } },
      ]);
      expect((await service.admin('GET', '/admin/v1/audit/verify')).json).toMatchObject({ ok: true });
      expect((await service.admin('GET', '/admin/v1/chunks/parked')).json.chunks.filter((c: { requestId: string }) => c.requestId === requestId)).toEqual([]);
      await expectBooksBalanced(service.db);
    } finally {
      await workers.stop();
    }
  });

  it('a broken invariant parks a chunk at its first failure; a retryable error counts towards the cap', async () => {
    const merchant = await service.createMerchant();
    await service.deposit(merchant, '100.00');
    const requestId = await submitBatch(service, merchant, [ibanItem(1, '1.00'), ibanItem(11, '1.00')]);
    const chunk = await claimDueChunk(service.db, { claimer: 'test/invariant' });
    expect(chunk?.batchId).toBe(requestId);
    expect(await failChunk(service.db, chunk!, new Error('connection reset'))).toBe('retried');
    const again = await claimDueChunk(service.db, { claimer: 'test/invariant' });
    expect(again?.id).toBe(chunk!.id);
    expect(await failChunk(service.db, again!, new InvariantError('two answers for one key'))).toBe('parked');
    expect(await claimDueChunk(service.db, { claimer: 'test/invariant' })).toBeUndefined();
    const row = await service.db.query<{ failures: number; last_error: string }>('select failures, last_error from work_chunks where id = $1', [chunk!.id]);
    expect(row.rows[0]).toEqual({ failures: 2, last_error: 'InvariantError: two answers for one key' });
    expect((await batchSnapshot(service.db, requestId)).items).toEqual({ PROCESSING: 2 });
  });

  it('an assertion inside a rail adapter fails the call instead of reading as an ambiguous answer', async () => {
    await expect(withRailTimeout(() => Promise.reject(new InvariantError('adapter bug')), 1_000)).rejects.toThrow('adapter bug');
    expect(await withRailTimeout(() => Promise.reject(new Error('socket hang up')), 1_000)).toEqual({ kind: 'AMBIGUOUS', detail: 'rail call failed: socket hang up' });
  });
});

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { configFromEnv } from '../src/config.ts';
import type { Db } from '../src/db/port.ts';
import { itemStatusCounts } from '../src/payouts/read-batch.ts';
import { finishChunk, releaseChunk } from '../src/queue/chunk-lease.ts';
import { claimChunkAt, claimDueChunk, type ClaimedChunk } from '../src/queue/claim.ts';
import { reapExpiredLeases } from '../src/queue/reaper.ts';
import { createRails } from '../src/rails/index.ts';
import { askRails } from '../src/workers/ask-rails.ts';
import { tableSource } from '../src/queue/table-source.ts';
import { loadBatchRefs } from '../src/workers/batch-refs.ts';
import { handOver } from '../src/workers/hand-over.ts';
import { processChunk, type ProcessContext } from '../src/workers/process-chunk.ts';
import { settleBatch } from '../src/workers/settle-batch.ts';
import { ibanItem, memberItem } from './support/items.ts';
import { balanceOf, registerMember, startTestWorkers, submitBatch, testSandbox, waitUntilFinal } from './support/processing.ts';
import { expectBooksBalanced, startTestService, type TestMerchant, type TestService } from './support/service.ts';
import { waitFor } from './support/wait.ts';

/**
 * The engine's steps driven one at a time (no background workers), to stop "crashes" at each point
 * between them and to process chunks twice. Batches go through the real init and auth endpoints.
 */
let service: TestService;
let merchant: TestMerchant;
const logs: string[] = [];
const contextFor = (claimer: string): ProcessContext => ({ db: service.db, rails: createRails(service.db, testSandbox), claimer, log: (line) => logs.push(line) });

beforeAll(async () => {
  // Chunks of 6: one per sixItems() batch.
  service = await startTestService({ queue: { ...configFromEnv({}).queue, chunkItems: 6 } });
  merchant = await service.createMerchant({ fixed: '0.50' });
  await service.deposit(merchant, '100000');
  await registerMember(service, { memberId: '4242' });
});
afterAll(async () => {
  await service?.close();
});

/** 3 paid IBANs, one closed (…99), one ambiguous (…98), one wallet member: 6 items. */
let batchNo = 0;
function sixItems() {
  batchNo += 1;
  const n = batchNo * 1000;
  return [ibanItem(n + 1, '10.00'), ibanItem(n + 2, '20.00'), ibanItem(n + 3, '30.00'), ibanItem(n + 99, '40.00'), ibanItem(n + 98, '50.00'), memberItem(n + 5, '4242', '5.00')];
}

async function bankTransfersPerKey(db: Db, requestId: string): Promise<number[]> {
  const result = await db.query<{ n: number }>(
    `select count(t.idempotency_key)::int as n from items i left join sandbox_bank_transfers t on t.idempotency_key = i.reference_code::text
     where i.batch_id = $1 and i.recipient_type = 'IBAN' group by i.id order by i.id`,
    [requestId],
  );
  return result.rows.map((row) => row.n);
}

async function ledgerPerItem(db: Db, requestId: string): Promise<Record<string, number>> {
  const result = await db.query<{ kind: string; n: number; items: number }>(
    `select t.kind, count(*)::int as n, count(distinct t.item_id)::int as items from ledger_transfers t join items i on i.id = t.item_id
     where i.batch_id = $1 group by t.kind order by t.kind`,
    [requestId],
  );
  for (const row of result.rows) expect(row.n, `${row.kind} posted twice for an item`).toBe(row.items);
  return Object.fromEntries(result.rows.map((row) => [row.kind, row.n]));
}

async function statusesOf(db: Db, requestId: string): Promise<string[]> {
  const result = await db.query<{ status: string }>('select status from items where batch_id = $1 order by seq', [requestId]);
  return result.rows.map((row) => row.status);
}

/** Claims the batch's first chunk under `claimer`, as a broker message naming it would. */
async function claimFirst(requestId: string, claimer: string, leaseMs?: number): Promise<ClaimedChunk> {
  const chunk = await claimChunkAt(service.db, { claimer, batchId: requestId, seqFrom: 0, leaseMs });
  if (!chunk) throw new Error(`the first chunk of ${requestId} is not claimable`);
  return chunk;
}

/** Waits (bounded) until the reaper has freed these chunks' leases: their lease was 1 ms. */
async function reapUntilFree(chunks: readonly ClaimedChunk[]): Promise<number> {
  let freed = 0;
  return waitFor(
    async () => {
      freed += await reapExpiredLeases(service.db);
      const held = await service.db.query<{ n: number }>('select count(*)::int as n from work_chunks where id = any($1::int8[]) and claimed_until is not null', [chunks.map((c) => c.id)]);
      return held.rows[0].n === 0 ? freed : undefined;
    },
    5_000,
    () => `leases not reaped (${freed} freed so far)`,
    10,
  );
}

/** Works the table queue (bounded) until the batch is final: due chunks, the 98 item's status checks. */
async function drainDueChecks(requestId: string, claimer: string): Promise<number> {
  let paid = 0;
  const source = tableSource(service.db);
  return waitFor(
    async () => {
      const open = (await service.db.query<{ open_count: number }>('select open_count from batches where id = $1', [requestId])).rows[0].open_count;
      if (open === 0) return paid;
      // A due chunk is worked at once, without waiting; only an empty queue waits for the next check.
      for (let due = await source.next(claimer); due; due = await source.next(claimer)) {
        paid += (await processChunk(contextFor(claimer), due.chunk)).paid;
        await due.complete();
      }
      return undefined;
    },
    15_000,
    async () => `batch ${requestId} still open: ${await statusesOf(service.db, requestId)}`,
    25,
  );
}

describe('redelivery and crashes between the steps', () => {
  it('processing the same chunk again, sequentially, changes nothing', async () => {
    const requestId = await submitBatch(service, merchant, sixItems());
    const chunk = await claimFirst(requestId, 'test/a');
    expect(chunk.items).toHaveLength(6);
    const first = await processChunk(contextFor('test/a'), chunk);
    expect(first).toMatchObject({ handled: 6, paid: 4, refunded: 1, unresolved: 1 });
    expect(await finishChunk(service.db, chunk)).toBe(false);
    const books = await ledgerPerItem(service.db, requestId);
    expect(books).toEqual({ commission: 4, payout: 4, release: 1 });

    // The same message again, its lease given back: nothing of it is this worker's any more.
    const again = await processChunk(contextFor('test/a'), chunk);
    expect(again).toMatchObject({ handled: 0, paid: 0, refunded: 0, unresolved: 0 });
    expect(await ledgerPerItem(service.db, requestId)).toEqual(books);
    expect(await bankTransfersPerKey(service.db, requestId)).toEqual([1, 1, 1, 1, 1]);
    // Claimed anew, the chunk holds at most the ambiguous item, once its status check is due.
    const anew = await claimFirst(requestId, 'test/b');
    expect(anew.items.map((item) => [item.seq, item.status])).toEqual(anew.items.length > 0 ? [[4, 'QUEUED']] : []);
    await releaseChunk(service.db, anew);

    await drainDueChecks(requestId, 'test/a');
    expect(await statusesOf(service.db, requestId)).toEqual(['SUCCESS', 'SUCCESS', 'SUCCESS', 'DEPOSIT_SUCCESS', 'SUCCESS', 'SUCCESS']);
    expect(await ledgerPerItem(service.db, requestId)).toEqual({ commission: 5, payout: 5, release: 1 });
    expect(await bankTransfersPerKey(service.db, requestId)).toEqual([1, 1, 1, 1, 1]);
    const done = await service.db.query('select done_at is not null as done, claimed_by from work_chunks where batch_id = $1', [requestId]);
    expect(done.rows).toEqual([{ done: true, claimed_by: null }]);
    await expectBooksBalanced(service.db);
  });

  it('two workers processing the same chunk at once pay each key once and post each item once', async () => {
    const requestId = await submitBatch(service, merchant, sixItems());
    const chunk = await claimFirst(requestId, 'test/c');
    const reports = await Promise.all([processChunk(contextFor('test/c'), chunk), processChunk(contextFor('test/c'), chunk)]);
    await finishChunk(service.db, chunk);
    // Together they settled every outcome exactly once (the 98 item either by the second of them,
    // whose status check may already find it settled, or by a later check).
    expect(reports[0].refunded + reports[1].refunded).toBe(1);
    const later = await drainDueChecks(requestId, 'test/c');
    expect(reports[0].paid + reports[1].paid + later).toBe(5);

    expect(await statusesOf(service.db, requestId)).toEqual(['SUCCESS', 'SUCCESS', 'SUCCESS', 'DEPOSIT_SUCCESS', 'SUCCESS', 'SUCCESS']);
    expect(await bankTransfersPerKey(service.db, requestId)).toEqual([1, 1, 1, 1, 1]);
    expect(await ledgerPerItem(service.db, requestId)).toEqual({ commission: 5, payout: 5, release: 1 });
    const batch = await service.db.query('select status, open_count, total_successful_amount, total_commission_amount from batches where id = $1', [requestId]);
    expect(batch.rows).toEqual([{ status: 'COMPLETED', open_count: 0, total_successful_amount: 11500n, total_commission_amount: 250n }]);
    await expectBooksBalanced(service.db);
  });

  it('a crash after the hand-over: the reaper frees the lease, a status check finds nothing sent, the items are sent under their keys', async () => {
    const requestId = await submitBatch(service, merchant, sixItems());
    const chunk = await claimFirst(requestId, 'test/dead', 1);
    const [batch] = (await loadBatchRefs(service.db, [requestId])).values();
    const held = await handOver(service.db, 'worker:test/dead', batch, chunk);
    expect(held).toHaveLength(6);
    expect(await statusesOf(service.db, requestId)).toEqual(Array(6).fill('QUEUED'));
    // …the worker dies here. Nothing reached the bank.
    expect(await bankTransfersPerKey(service.db, requestId)).toEqual([0, 0, 0, 0, 0]);

    expect(await reapUntilFree([chunk])).toBe(1);
    const due = await tableSource(service.db).next('test/heir');
    expect(due?.chunk.id).toBe(chunk.id);
    expect(due!.chunk.items.map((item) => item.status)).toEqual(Array(6).fill('QUEUED'));
    await processChunk(contextFor('test/heir'), due!.chunk);
    await due!.complete();
    await drainDueChecks(requestId, 'test/heir');

    expect(await statusesOf(service.db, requestId)).toEqual(['SUCCESS', 'SUCCESS', 'SUCCESS', 'DEPOSIT_SUCCESS', 'SUCCESS', 'SUCCESS']);
    expect(await bankTransfersPerKey(service.db, requestId)).toEqual([1, 1, 1, 1, 1]);
    expect(await ledgerPerItem(service.db, requestId)).toEqual({ commission: 5, payout: 5, release: 1 });
    await expectBooksBalanced(service.db);
  });

  it('a crash between the rail calls and the settlement: the status check finds the payments, nothing is sent twice', async () => {
    const requestId = await submitBatch(service, merchant, sixItems());
    const chunk = await claimFirst(requestId, 'test/dead2', 1);
    const context = contextFor('test/dead2');
    const [batch] = (await loadBatchRefs(service.db, [requestId])).values();
    const held = await handOver(service.db, 'worker:test/dead2', batch, chunk);
    const results = await askRails(context.rails, held, { timeoutMs: 5_000, inFlight: 10 });
    expect(results.map((r) => r.outcome.kind)).toEqual(['PAID', 'PAID', 'PAID', 'REJECTED', 'AMBIGUOUS', 'PAID']);
    // …the worker dies here: the bank has paid, our books know nothing yet.
    expect(await bankTransfersPerKey(service.db, requestId)).toEqual([1, 1, 1, 1, 1]);
    expect(await ledgerPerItem(service.db, requestId)).toEqual({});

    await reapUntilFree([chunk]);
    await drainDueChecks(requestId, 'test/heir2');
    expect(await statusesOf(service.db, requestId)).toEqual(['SUCCESS', 'SUCCESS', 'SUCCESS', 'DEPOSIT_SUCCESS', 'SUCCESS', 'SUCCESS']);
    expect(await bankTransfersPerKey(service.db, requestId)).toEqual([1, 1, 1, 1, 1]);
    expect(await ledgerPerItem(service.db, requestId)).toEqual({ commission: 5, payout: 5, release: 1 });

    // The dead worker's settlement, arriving late (a stale process waking up), changes nothing.
    const late = await settleBatch(service.db, 'worker:test/dead2', batch, results, (line) => logs.push(line));
    expect(late).toMatchObject({ paid: 0, refunded: 0, refundFailed: 0, unresolved: 0 });
    expect(await ledgerPerItem(service.db, requestId)).toEqual({ commission: 5, payout: 5, release: 1 });
    await expectBooksBalanced(service.db);
  });

  it('a chunk whose lease was taken over is skipped by the old holder', async () => {
    const requestId = await submitBatch(service, merchant, sixItems());
    const stale = await claimFirst(requestId, 'test/slow', 1);
    await reapUntilFree([stale]);
    const taken = await claimFirst(requestId, 'test/fast');
    expect(taken.items.map((item) => item.id)).toEqual(stale.items.map((item) => item.id));
    // The slow worker wakes up with its stale claim: nothing of it is its own any more.
    expect(await processChunk(contextFor('test/slow'), stale)).toMatchObject({ handled: 0 });
    expect(await finishChunk(service.db, stale)).toBe(false);
    expect(await bankTransfersPerKey(service.db, requestId)).toEqual([0, 0, 0, 0, 0]);
    await processChunk(contextFor('test/fast'), taken);
    await finishChunk(service.db, taken);
    await drainDueChecks(requestId, 'test/fast');
    expect(await bankTransfersPerKey(service.db, requestId)).toEqual([1, 1, 1, 1, 1]);
    await expectBooksBalanced(service.db);
  });
});

describe("retrieve's itemStatusCounts", () => {
  /** What counting the batch's items says. */
  async function countedItems(requestId: string): Promise<Record<string, number>> {
    const rows = await service.db.query<{ status: string; n: number }>('select status, count(*)::int as n from items where batch_id = $1 group by status', [requestId]);
    return Object.fromEntries(rows.rows.map((row) => [row.status, row.n]));
  }
  async function expectCountsAgree(requestId: string): Promise<Record<string, number>> {
    const counts = Object.fromEntries(Object.entries(await itemStatusCounts(service.db, requestId)).filter(([, n]) => n > 0));
    expect(counts).toEqual(await countedItems(requestId));
    return counts;
  }

  it('agree with counting the items at every step: authorised, handed over, settled with a check pending, final', async () => {
    const requestId = await submitBatch(service, merchant, [...sixItems(), ...sixItems(), { ...ibanItem(9100, '1.00'), recipientInfo: 'TR000000000000000000000000' }]);
    expect(await expectCountsAgree(requestId)).toEqual({ PROCESSING: 12, INVALID: 1 });
    const chunk = await claimFirst(requestId, 'test/counts');
    const [batch] = (await loadBatchRefs(service.db, [requestId])).values();
    const held = await handOver(service.db, 'worker:test/counts', batch, chunk);
    expect(await expectCountsAgree(requestId)).toEqual({ QUEUED: 6, PROCESSING: 6, INVALID: 1 });
    const results = await askRails(contextFor('test/counts').rails, held, { timeoutMs: 5_000, inFlight: 10 });
    await settleBatch(service.db, 'worker:test/counts', batch, results, (line) => logs.push(line));
    await finishChunk(service.db, chunk);
    expect(await expectCountsAgree(requestId)).toEqual({ SUCCESS: 4, DEPOSIT_SUCCESS: 1, QUEUED: 1, PROCESSING: 6, INVALID: 1 });
    await drainDueChecks(requestId, 'test/counts');
    expect(await expectCountsAgree(requestId)).toEqual({ SUCCESS: 10, DEPOSIT_SUCCESS: 2, INVALID: 1 });
    await expectBooksBalanced(service.db);
  });
});

describe('chunks, leases and the reaper', () => {
  it('auth cuts a batch into chunks of consecutive seqs, due at once on the table queue', async () => {
    const requestId = await submitBatch(service, merchant, [...sixItems(), ...sixItems(), ibanItem(9001, '1.00')]);
    const chunks = await service.db.query('select seq_from, seq_to, due_at <= now() as due, claimed_by, done_at from work_chunks where batch_id = $1 order by seq_from', [requestId]);
    expect(chunks.rows).toEqual([
      { seq_from: 0, seq_to: 5, due: true, claimed_by: null, done_at: null },
      { seq_from: 6, seq_to: 11, due: true, claimed_by: null, done_at: null },
      { seq_from: 12, seq_to: 12, due: true, claimed_by: null, done_at: null },
    ]);
    await drainDueChecks(requestId, 'test/cut');
    const done = await service.db.query('select count(*)::int as n from work_chunks where batch_id = $1 and done_at is not null', [requestId]);
    expect(done.rows[0].n).toBe(3);
    await expectBooksBalanced(service.db);
  });

  it('a claimed chunk is not claimable until its lease expires and the reaper frees it; a live lease is left alone', async () => {
    const requestId = await submitBatch(service, merchant, [...sixItems(), ...sixItems()]);
    const short = await claimFirst(requestId, 'test/short', 1);
    const long = await claimChunkAt(service.db, { claimer: 'test/long', batchId: requestId, seqFrom: 6 });
    expect(short.items.map((item) => item.seq)).toEqual([0, 1, 2, 3, 4, 5]);
    expect(long?.items.map((item) => item.seq)).toEqual([6, 7, 8, 9, 10, 11]);
    expect(await claimChunkAt(service.db, { claimer: 'test/other', batchId: requestId, seqFrom: 0 })).toBeUndefined();
    expect(await tableSource(service.db).next('test/other')).toBeUndefined();

    expect(await reapUntilFree([short])).toBe(1);
    const again = await claimFirst(requestId, 'test/other');
    expect(again.items.map((item) => item.seq)).toEqual([0, 1, 2, 3, 4, 5]);
    const leases = await service.db.query<{ claimed_by: string }>('select claimed_by from work_chunks where batch_id = $1 order by seq_from', [requestId]);
    expect(leases.rows.map((row) => row.claimed_by)).toEqual(['test/other', 'test/long']);

    // Clean up through the engine so the books and batch end final.
    await processChunk(contextFor('test/other'), again);
    await finishChunk(service.db, again);
    await processChunk(contextFor('test/long'), long!);
    await finishChunk(service.db, long!);
    await drainDueChecks(requestId, 'test/other');
    await expectBooksBalanced(service.db);
  });

  it('concurrent claimers each get a different chunk, and nothing is claimed twice', async () => {
    const requestId = await submitBatch(service, merchant, [...sixItems(), ...sixItems(), ...sixItems()]);
    const [a, b, c] = await Promise.all(['test/x', 'test/y', 'test/z'].map((claimer) => claimDueChunk(service.db, { claimer })));
    const ids = [a, b, c].flatMap((chunk) => chunk!.items.map((item) => item.id));
    expect(new Set(ids).size).toBe(18);
    expect(new Set([a, b, c].map((chunk) => chunk!.id)).size).toBe(3);
    expect(await claimDueChunk(service.db, { claimer: 'test/w' })).toBeUndefined();
    for (const chunk of [a!, b!, c!]) {
      await processChunk(contextFor(chunk.claimedBy), chunk);
      await finishChunk(service.db, chunk);
    }
    await drainDueChecks(requestId, 'test/x');
    await expectBooksBalanced(service.db);
  });
});

describe('refund that cannot be posted', () => {
  it('marks the failed item DEPOSIT_FAIL with REFUND_FAILED, keeps its money reserved and alerts the operator', async () => {
    const other = await service.createMerchant();
    await service.deposit(other, '100');
    const requestId = await submitBatch(service, other, [ibanItem(7099, '40.00'), ibanItem(7001, '10.00')]);
    const chunk = await claimFirst(requestId, 'test/refund');
    const context = contextFor('test/refund');
    const [batch] = (await loadBatchRefs(service.db, [requestId])).values();
    const held = await handOver(service.db, 'worker:test/refund', batch, chunk);
    const results = await askRails(context.rails, held, { timeoutMs: 5_000, inFlight: 10 });

    // Corrupt the books on purpose: the reserved account can no longer cover the 40.00 release.
    const reserved = await service.db.query<{ id: bigint; balance: bigint }>(`select id, balance from accounts where merchant_id = $1 and kind = 'reserved'`, [other.merchantId]);
    expect(reserved.rows[0].balance).toBe(5000n);
    await service.db.query('update accounts set balance = 1000 where id = $1', [reserved.rows[0].id]);

    logs.length = 0;
    const report = await settleBatch(service.db, 'worker:test/refund', batch, results, (line) => logs.push(line));
    expect(report).toMatchObject({ paid: 1, refunded: 0, refundFailed: 1, batchStatus: 'COMPLETED' });
    expect(logs.join('\n')).toMatch(/ALERT operator: batch .*: the refund of 1 failed item\(s\) could not be posted/);
    const rows = await service.db.query<{ status: string; error_codes: string[] }>('select status, error_codes from items where batch_id = $1 order by seq', [requestId]);
    expect(rows.rows).toEqual([
      { status: 'DEPOSIT_FAIL', error_codes: ['6201', '6204'] },
      { status: 'SUCCESS', error_codes: [] },
    ]);
    const page = await service.signed(other, 'POST', '/v1/mass/payout/retrieve', { requestId, page: 0, size: 10 }, { query: '?locale=en' });
    expect(page.json.massPayoutItems.items[0].errorMessages).toEqual(['The recipient account is closed', 'The amount could not be returned to the balance']);

    // Undo the corruption: the 40.00 is still reserved, nothing was released, and the books balance again.
    await service.db.query('update accounts set balance = balance + 4000 where id = $1', [reserved.rows[0].id]);
    expect(await balanceOf(service, other)).toEqual({ available: '50', reserved: '40' });
    await expectBooksBalanced(service.db);
  });
});

describe('graceful stop', () => {
  it('finishes the chunk in hand: after stop() resolves no chunk is leased', async () => {
    const requestId = await submitBatch(service, merchant, [...sixItems(), ...sixItems()]);
    const workers = startTestWorkers(service, { sandbox: { latencyMs: 150 }, railCallsInFlight: 2, concurrency: 1 });
    await waitFor(async () => (await statusesOf(service.db, requestId)).some((s) => s !== 'PROCESSING') || undefined, 10_000, () => 'workers never started', 10);
    await workers.stop();
    const leased = await service.db.query<{ n: number }>('select count(*)::int as n from work_chunks where batch_id = $1 and claimed_until is not null', [requestId]);
    expect(leased.rows[0].n).toBe(0);
    const statuses = await statusesOf(service.db, requestId);
    expect(statuses.filter((s) => s === 'PROCESSING').length).toBeGreaterThan(0);

    // Another start picks up where it stopped.
    const again = startTestWorkers(service);
    try {
      expect((await waitUntilFinal(service, merchant, requestId)).massPayoutStatus).toBe('COMPLETED');
    } finally {
      await again.stop();
    }
    await expectBooksBalanced(service.db);
  });
});

import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { migrate } from '../src/db/migrate.ts';
import type { Db } from '../src/db/port.ts';
import { itemStatusCounts } from '../src/payouts/read-batch.ts';
import { claimDueChunk } from '../src/queue/claim.ts';
import { freshDb } from './support/db.ts';

/**
 * An installation of the version before work chunks (migrations up to 003) with batches in every
 * stage, upgraded in place: batches in flight must get their chunks, and their items must be
 * claimable; nothing else may.
 */
let db: Db;
let drop: () => Promise<void>;

beforeAll(async () => {
  ({ db, drop } = await freshDb({ upTo: '003_outbox.sql' }));
});
afterAll(async () => {
  await drop?.();
});

/** A batch as the old version stored it, its items in the given statuses (by seq), in two statements. */
async function batchOf(merchantId: bigint, status: string, itemStatuses: string[]): Promise<string> {
  const id = randomUUID();
  await db.query(
    `insert into batches (id, merchant_id, external_id, fingerprint, currency, status, item_count, valid_count, total_amount, total_commission_planned, open_count)
     values ($1, $2, $3, 'f', 'TRY', $4, $5, $5, $5 * 100, 0, $6)`,
    [id, merchantId, id, status, itemStatuses.length, itemStatuses.filter((s) => ['INIT', 'PROCESSING', 'QUEUED'].includes(s)).length],
  );
  // QUEUED items as an old worker left them: leased for an hour, their status check due.
  await db.query(
    `insert into items (batch_id, seq, reference_code, item_external_id, recipient_type, recipient_info, amount, currency, status, next_attempt_at, claimed_by, claimed_until)
     select $1, s.ord - 1, gen_random_uuid(), s.ord::text, 'MEMBER_ID', '1', 100, 'TRY', s.status,
            case when s.status = 'QUEUED' then now() - interval '1 second' end,
            case when s.status = 'QUEUED' then 'old-worker/0' end,
            case when s.status = 'QUEUED' then now() + interval '1 hour' end
     from unnest($2::text[]) with ordinality as s(status, ord)`,
    [id, itemStatuses],
  );
  return id;
}

describe('upgrading an installation with work in flight to work chunks (004) and item counters (007)', () => {
  it('cuts the batches in flight into chunks due at once, leaves the others alone, and drops the per-item leases', async () => {
    expect((await db.query('select name from schema_migrations order by name')).rows.map((row) => row.name)).toEqual(['001_schema.sql', '002_processing.sql', '003_outbox.sql']);
    const merchant = await db.query<{ id: bigint }>(`insert into merchants (name, api_key, secret_key_sealed) values ('Old', 'k', 's') returning id`);
    const merchantId = merchant.rows[0].id;
    // In flight: 2,100 items, the first 1,000 still PROCESSING, then 600 QUEUED under an old
    // worker's lease, then 500 paid. Not in flight: a batch awaiting auth and a finished one.
    const statuses = Array.from({ length: 2100 }, (_, seq) => (seq < 1000 ? 'PROCESSING' : seq < 1600 ? 'QUEUED' : 'SUCCESS'));
    const inFlight = await batchOf(merchantId, 'PUBLISHED_TO_QUEUE', statuses);
    const waiting = await batchOf(merchantId, 'INIT', ['INIT', 'INIT', 'INIT']);
    const finished = await batchOf(merchantId, 'COMPLETED', ['SUCCESS', 'SUCCESS', 'SUCCESS']);

    // Every later migration runs too; the ones this test is about, in order, first.
    expect((await migrate(db)).filter((name) => name < '008')).toEqual(['004_work_chunks.sql', '005_references_in_code.sql', '006_deposit_keys.sql', '007_item_counts.sql']);

    const chunks = await db.query(
      'select batch_id, seq_from, seq_to, due_at <= now() as due, claimed_by, done_at, handed_over_at is not null as handed_over from work_chunks order by batch_id, seq_from',
    );
    const chunk = { batch_id: inFlight, due: true, claimed_by: null, done_at: null, handed_over: true };
    expect(chunks.rows).toEqual([
      { ...chunk, seq_from: 0, seq_to: 999 },
      { ...chunk, seq_from: 1000, seq_to: 1999 },
      { ...chunk, seq_from: 2000, seq_to: 2099 },
    ]);
    // Retrieve's counts of the old batches come from counters the upgrade filled in.
    expect(await itemStatusCounts(db, inFlight)).toMatchObject({ PROCESSING: 1000, QUEUED: 600, SUCCESS: 500 });
    expect(await itemStatusCounts(db, finished)).toMatchObject({ SUCCESS: 3, PROCESSING: 0, QUEUED: 0 });
    expect(await itemStatusCounts(db, waiting)).toMatchObject({ INIT: 3, PROCESSING: 0 });
    expect(chunks.rows.map((row) => row.batch_id)).not.toContain(waiting);
    expect(chunks.rows.map((row) => row.batch_id)).not.toContain(finished);
    const leaseColumns = await db.query(`select column_name from information_schema.columns where table_name = 'items' and column_name in ('claimed_by', 'claimed_until')`);
    expect(leaseColumns.rows).toEqual([]);

    // The old worker's lease is gone with its column: its QUEUED items are due for a status check.
    const claimed = [];
    for (let chunk = await claimDueChunk(db, { claimer: 'new/0' }); chunk; chunk = await claimDueChunk(db, { claimer: 'new/0' })) claimed.push(chunk);
    expect(claimed.map((chunk) => [chunk.seqFrom, chunk.items.length, [...new Set(chunk.items.map((item) => item.status))]])).toEqual([
      [0, 1000, ['PROCESSING']],
      [1000, 600, ['QUEUED']],
      [2000, 0, []],
    ]);
  });
});

describe('the items table after every migration', () => {
  it('has no index naming a column that processing changes, so those updates can stay HOT (and room on its pages for them)', async () => {
    await migrate(db); // whatever the test above left to do, when run alone
    const indexes = await db.query<{ indexdef: string }>(`select indexdef from pg_indexes where tablename = 'items' and schemaname = current_schema()`);
    expect(indexes.rows.length).toBeGreaterThan(0);
    for (const { indexdef } of indexes.rows) expect(indexdef).not.toMatch(/\b(status|attempts|next_attempt_at|updated_at|error_codes)\b/);
    const options = await db.query<{ reloptions: string[] | null }>(`select reloptions from pg_class where oid = 'items'::regclass`);
    expect(options.rows[0].reloptions).toContain('fillfactor=30');
  });
});

describe("the bank rail's transactions after every migration", () => {
  it('has no index naming a column a status report changes, so its updates can stay HOT (and room on its pages for them)', async () => {
    await migrate(db);
    const indexes = await db.query<{ indexdef: string }>(`select indexdef from pg_indexes where tablename = 'bank_file_transactions' and schemaname = current_schema()`);
    expect(indexes.rows.length).toBeGreaterThan(0);
    for (const { indexdef } of indexes.rows) expect(indexdef).not.toMatch(/\b(status|iso_status|reason_code|updated_at)\b/);
    const options = await db.query<{ reloptions: string[] | null }>(`select reloptions from pg_class where oid = 'bank_file_transactions'::regclass`);
    expect(options.rows[0].reloptions).toContain('fillfactor=50');
  });
});

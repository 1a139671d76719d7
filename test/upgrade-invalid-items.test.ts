import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { migrate } from '../src/db/migrate.ts';
import type { Db } from '../src/db/port.ts';
import { merchantItemsPage } from '../src/payouts/read-batch.ts';
import { freshDb } from './support/db.ts';

/**
 * An installation from before the list of invalid items (up to 029), upgraded (030): the batches it
 * stored must get the same list their init would write now, or their VALID and INVALID pages would
 * come out wrong.
 */
let db: Db;
let drop: () => Promise<void>;

beforeAll(async () => {
  ({ db, drop } = await freshDb({ upTo: '029_bank_transactions_hot.sql' }));
});
afterAll(async () => {
  await drop?.();
});

async function batchOf(merchantId: bigint, statuses: string[]): Promise<string> {
  const id = randomUUID();
  const valid = statuses.filter((status) => status !== 'INVALID').length;
  await db.query(
    `insert into batches (id, merchant_id, external_id, fingerprint, currency, status, item_count, valid_count, total_amount, total_commission_planned, open_count)
     values ($1, $2, $3, 'f', 'TRY', 'INIT', $4, $5, $5 * 100, 0, $5)`,
    [id, merchantId, id, statuses.length, valid],
  );
  await db.query(
    `insert into items (batch_id, seq, reference_code, item_external_id, recipient_type, recipient_info, amount, currency, status)
     select $1, s.ord - 1, gen_random_uuid(), (s.ord - 1)::text, 'MEMBER_ID', '1', 100, 'TRY', s.status
     from unnest($2::text[]) with ordinality as s(status, ord)`,
    [id, statuses],
  );
  return id;
}

it('lists the invalid items of every batch stored before it, as init lists them now', async () => {
  const merchant = await db.query<{ id: bigint }>(`insert into merchants (name, api_key, secret_key_sealed) values ('Old', 'k', 's') returning id`);
  const merchantId = merchant.rows[0].id;
  const first = await batchOf(merchantId, ['INVALID', 'INIT', 'INVALID', 'INVALID', 'INIT', 'INIT', 'INVALID']);
  const second = await batchOf(merchantId, ['INIT', 'INIT', 'INVALID']);
  const none = await batchOf(merchantId, ['INIT']);

  expect(await migrate(db)).toContain('030_batch_invalid_items.sql');

  const listed = await db.query('select batch_id, rank, seq, valid_before from batch_invalid_items order by batch_id, rank');
  const rows = (batchId: string, seqs: number[]) => seqs.map((seq, rank) => ({ batch_id: batchId, rank, seq, valid_before: seq - rank }));
  expect(listed.rows).toEqual([...rows(first, [0, 2, 3, 6]), ...rows(second, [2])].sort((a, b) => a.batch_id.localeCompare(b.batch_id) || a.rank - b.rank));
  const valid = await merchantItemsPage(db, merchantId, first, { page: 1, size: 2, filter: 'VALID' });
  expect(valid.map((item) => item.seq)).toEqual([5]);
  const invalid = await merchantItemsPage(db, merchantId, first, { page: 1, size: 3, filter: 'INVALID' });
  expect(invalid.map((item) => item.seq)).toEqual([6]);
  expect(await merchantItemsPage(db, merchantId, none, { page: 0, size: 10, filter: 'INVALID' })).toEqual([]);
});

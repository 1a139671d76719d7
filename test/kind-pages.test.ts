import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { configFromEnv } from '../src/config.ts';
import { merchantById } from '../src/merchants/merchants.ts';
import { requestFingerprint } from '../src/payouts/fingerprint.ts';
import { initBatch } from '../src/payouts/init-batch.ts';
import { kindPageSql } from '../src/payouts/invalid-items.ts';
import { merchantItemsPage } from '../src/payouts/read-batch.ts';
import { validateItems } from '../src/payouts/validate-item.ts';
import { ibanItem } from './support/items.ts';
import { startTestService, type TestMerchant, type TestService } from './support/service.ts';

/**
 * A page of VALID or INVALID items is found through the batch's list of invalid items
 * (invalid-items.ts), not by skipping: every page of every size must list exactly the items of its
 * kind in submission order, wherever the invalid ones fall — first, last, in runs, all or none —
 * for a batch stored by the streamed init (the API) and by the one that holds its items (uploads).
 */
let service: TestService;
let merchant: TestMerchant;

const layouts: Record<string, { count: number; invalid: number[] }> = {
  scattered: { count: 25, invalid: [3, 7, 20] },
  'runs at both ends': { count: 17, invalid: [0, 1, 2, 8, 9, 15, 16] },
  'every other': { count: 12, invalid: [1, 3, 5, 7, 9, 11] },
  'all invalid': { count: 6, invalid: [0, 1, 2, 3, 4, 5] },
  'none invalid': { count: 9, invalid: [] },
};

const itemsOf = (layout: { count: number; invalid: number[] }) =>
  Array.from({ length: layout.count }, (_, i) => (layout.invalid.includes(i) ? ibanItem(i, 0) : ibanItem(i, `${i + 1}.00`)));

const idsOf = (layout: { count: number; invalid: number[] }, kind: 'VALID' | 'INVALID') =>
  Array.from({ length: layout.count }, (_, i) => i)
    .filter((i) => layout.invalid.includes(i) === (kind === 'INVALID'))
    .map((i) => `item-${i}`);

beforeAll(async () => {
  // Hundreds of pages from one merchant: its rate limit off.
  service = await startTestService({ edge: { ...configFromEnv({}).edge, rateLimit: { perSecond: 0, burst: 0 } } });
  merchant = await service.createMerchant();
});
afterAll(() => service?.close());

describe.each(Object.entries(layouts))('pages of one kind: %s', (name, layout) => {
  const batches: { how: string; id: string }[] = [];

  beforeAll(async () => {
    const response = await service.signed(merchant, 'POST', '/v1/mass/payout/init', { externalId: `api-${name}`, items: itemsOf(layout) });
    expect(response.status, response.text).toBe(200);
    batches.push({ how: 'streamed init', id: response.json.requestId });
    const stored = await merchantById(service.db, BigInt(merchant.merchantId));
    const items = itemsOf(layout);
    const outcome = await initBatch(service.db, {
      merchant: stored!, actor: 'admin', externalId: `held-${name}`, conversationId: null, purpose: null,
      fingerprint: requestFingerprint({ externalId: `held-${name}`, items }), checked: validateItems(items),
    });
    if (outcome.kind !== 'created') throw new Error(`init: ${outcome.kind}`);
    batches.push({ how: 'held init', id: outcome.requestId });
  });

  it.each(['VALID', 'INVALID'] as const)('%s: retrieve and the item pages list every item of the kind once, in order, at every page size', async (kind) => {
    const expected = idsOf(layout, kind);
    for (const batch of batches) {
      for (const size of [1, 2, 3, 7, 100]) {
        const fromRetrieve: string[] = [];
        const fromPages: string[] = [];
        for (let page = 0; page * size <= layout.count; page++) {
          const response = await service.signed(merchant, 'POST', '/v1/mass/payout/retrieve', { requestId: batch.id, page, size, itemType: kind });
          expect(response.status, response.text).toBe(200);
          expect(response.json.total).toBe(expected.length);
          fromRetrieve.push(...response.json.massPayoutItems.items.map((item: { itemExternalId: string; itemStatus: string }) => {
            expect(item.itemStatus === 'INVALID').toBe(kind === 'INVALID');
            return item.itemExternalId;
          }));
          const items = await merchantItemsPage(service.db, BigInt(merchant.merchantId), batch.id, { page, size, filter: kind });
          fromPages.push(...items.map((item) => item.itemExternalId));
        }
        expect(fromRetrieve, `${batch.how}, size ${size}`).toEqual(expected);
        expect(fromPages, `${batch.how}, size ${size}`).toEqual(expected);
      }
    }
  });
});

it("another merchant's batch id lists nothing, of either kind", async () => {
  const response = await service.signed(merchant, 'POST', '/v1/mass/payout/init', { externalId: 'mine-only', items: itemsOf(layouts.scattered) });
  const other = await service.createMerchant();
  for (const filter of ['VALID', 'INVALID'] as const) {
    expect(await merchantItemsPage(service.db, BigInt(other.merchantId), response.json.requestId, { page: 0, size: 100, filter })).toEqual([]);
  }
});

/** Rows the plan's scans of `items` returned, summed over its nodes. */
function itemRowsRead(plan: Record<string, unknown>): number {
  const own = plan['Relation Name'] === 'items' ? Number(plan['Actual Rows']) * Number(plan['Actual Loops'] ?? 1) : 0;
  return own + ((plan.Plans as Record<string, unknown>[] | undefined) ?? []).reduce((sum, child) => sum + itemRowsRead(child), 0);
}

it('a page deep into a batch reads its own items, not every item of its kind before them', async () => {
  const layout = { count: 3000, invalid: Array.from({ length: 30 }, (_, i) => i * 100 + 50) };
  const response = await service.signed(merchant, 'POST', '/v1/mass/payout/init', { externalId: 'deep', items: itemsOf(layout) });
  expect(response.status, response.text).toBe(200);
  const batchId = response.json.requestId;
  // With the statistics autovacuum keeps: on a table it has never analysed, a planner may read a
  // few thousand rows any way it likes.
  await service.db.query('analyze items');
  await service.db.query('analyze batch_invalid_items');
  for (const [kind, skip] of [['VALID', 2900], ['INVALID', 25]] as const) {
    const plan = await service.db.query<{ 'QUERY PLAN': unknown }>(
      `explain (analyze, format json) select * from (${kindPageSql(kind, '$1::uuid', '$2::int', '$3::int')}) i`,
      [batchId, skip, 40],
    );
    const root = (typeof plan.rows[0]['QUERY PLAN'] === 'string' ? JSON.parse(plan.rows[0]['QUERY PLAN']) : plan.rows[0]['QUERY PLAN']) as { Plan: Record<string, unknown> }[];
    // VALID: its 40 items and the invalid one among them; INVALID: the 5 left.
    expect(itemRowsRead(root[0].Plan), kind).toBeLessThanOrEqual(kind === 'VALID' ? 41 : 5);
  }
  const page = await merchantItemsPage(service.db, BigInt(merchant.merchantId), batchId, { page: 72, size: 40, filter: 'VALID' });
  expect(page.map((item) => item.seq)).toEqual(idsOf(layout, 'VALID').slice(2880, 2920).map((id) => Number(id.slice('item-'.length))));
});

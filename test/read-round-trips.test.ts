import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ibanItems } from './support/items.ts';
import { recordingDb } from './support/recording-db.ts';
import { startTestService, type TestMerchant, type TestService } from './support/service.ts';

/**
 * A signed read makes two statements: the one that spends its random key (and confirms the signer
 * kept in memory current), and its route's own — retrieve's page, counts and totals included. A
 * merchant's first request (or its first after its row changed) reads the merchant once more.
 */
let service: TestService;
let statements: string[] = [];
let merchant: TestMerchant;
let requestId: string;

beforeAll(async () => {
  service = await startTestService(
    {},
    {
      wrapDb: (db) => {
        const recording = recordingDb(db);
        statements = recording.statements;
        return recording.db;
      },
    },
  );
  merchant = await service.createMerchant();
  await service.deposit(merchant, '100000.00');
  const init = await service.signed(merchant, 'POST', '/v1/mass/payout/init', { externalId: 'round-trips', items: [...ibanItems(45), { itemExternalId: 'bad', recipientType: 'IBAN', recipientInfo: 'TR00', amount: { value: '1.00', currency: 'TRY' } }] });
  expect(init.status, init.text).toBe(200);
  requestId = init.json.requestId;
});
afterAll(async () => {
  await service?.close();
});

async function statementsOf(call: () => Promise<{ status: number; text: string }>): Promise<string[]> {
  statements.length = 0;
  const response = await call();
  expect(response.status, response.text).toBe(200);
  return [...statements];
}

describe('statements per signed read', () => {
  it('retrieve: the random key, then one statement for the batch, its counts, its total and the page', async () => {
    for (const body of [
      { requestId, page: 1, size: 40 },
      { externalMassPayoutId: 'round-trips', page: 0, size: 10, itemType: 'VALID' },
      { requestId, externalMassPayoutId: 'round-trips', page: 0, size: 10, itemType: 'INVALID', itemStatuses: ['INVALID'] },
    ]) {
      const sql = await statementsOf(() => service.signed(merchant, 'POST', '/v1/mass/payout/retrieve', body));
      expect(sql, JSON.stringify(body)).toHaveLength(2);
      expect(sql[0]).toMatch(/insert into seen_random_keys/);
    }
  });

  it('item and balance: the random key, then one statement', async () => {
    const page = await service.signed(merchant, 'POST', '/v1/mass/payout/retrieve', { requestId, page: 0, size: 1 });
    const reference = page.json.massPayoutItems.items[0].referenceCode;
    expect(await statementsOf(() => service.signed(merchant, 'GET', `/v1/mass/payout/retrieve/items/${reference}`))).toHaveLength(2);
    expect(await statementsOf(() => service.signed(merchant, 'GET', '/v1/mass/payout/balance'))).toHaveLength(2);
  });

  it("a merchant's first request reads the merchant once more; so does the first after its row changed", async () => {
    const newcomer = await service.createMerchant();
    const first = await statementsOf(() => service.signed(newcomer, 'GET', '/v1/mass/payout/balance'));
    expect(first).toHaveLength(3);
    expect(first[0]).toMatch(/from merchants where api_key/);
    expect(await statementsOf(() => service.signed(newcomer, 'GET', '/v1/mass/payout/balance'))).toHaveLength(2);
    await service.db.query("update merchants set name = 'Renamed' where id = $1", [newcomer.merchantId]);
    // The key's statement finds the copy out of date (nothing spent), the merchant is read, the key spent, the route runs.
    const changed = await statementsOf(() => service.signed(newcomer, 'GET', '/v1/mass/payout/balance'));
    expect(changed.map((sql) => (/seen_random_keys/.test(sql) ? 'key' : /from merchants where api_key/.test(sql) ? 'merchant' : 'route'))).toEqual(['key', 'merchant', 'key', 'route']);
  });
});

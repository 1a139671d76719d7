import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { verifyAudit } from '../src/audit/verify.ts';
import { ibanItem } from './support/items.ts';
import { startTestService, type TestMerchant, type TestService } from './support/service.ts';

/**
 * The status vocabulary per merchant: a merchant set to `java` sees only the batch statuses of
 * iyzico's Java client's MassPayoutStatus enum, the stored status and the audit trail unchanged.
 */

/** iyzico's Java client's MassPayoutStatus enum: Gson maps any other value to null. */
const javaMassPayoutStatus = ['INIT', 'IN_PROGRESS', 'SUCCESS', 'COMPLETED', 'FAIL', 'INSUFFICIENT_BALANCE', 'CANCELED', 'IYZICO_INSUFFICIENT_BALANCE'];

let service: TestService;
beforeAll(async () => {
  // The table queue and no workers: an authorised batch stays PUBLISHED_TO_QUEUE.
  service = await startTestService();
});
afterAll(() => service?.close());

async function merchantWith(statusVocabulary?: string): Promise<TestMerchant & { statusVocabulary: string }> {
  const response = await service.admin('POST', '/admin/v1/merchants', { name: 'Vocabulary', ...(statusVocabulary ? { statusVocabulary } : {}) });
  expect(response.status, response.text).toBe(201);
  await service.deposit(response.json, '1000');
  return response.json;
}

/** A batch of one item, authorised: PUBLISHED_TO_QUEUE in the database. */
async function publishedBatch(merchant: TestMerchant): Promise<string> {
  const init = await service.signed(merchant, 'POST', '/v1/mass/payout/init', { externalId: `v-${Math.random()}`, items: [ibanItem(1)] });
  expect(init.status, init.text).toBe(200);
  const requestId = init.json.requestId;
  const auth = await service.signed(merchant, 'POST', '/v1/mass/payout/auth', { requestId });
  expect(auth.status, auth.text).toBe(200);
  expect((await service.db.query('select status from batches where id = $1', [requestId])).rows).toEqual([{ status: 'PUBLISHED_TO_QUEUE' }]);
  return requestId;
}

const statusOf = async (merchant: TestMerchant, requestId: string) =>
  (await service.signed(merchant, 'POST', '/v1/mass/payout/retrieve', { requestId, page: 0, size: 1 })).json.massPayout.massPayoutStatus;

describe('the status vocabulary of a merchant', () => {
  it("is the documented one by default: PUBLISHED_TO_QUEUE is shown as it is", async () => {
    const merchant = await merchantWith();
    expect(merchant.statusVocabulary).toBe('documented');
    expect(await statusOf(merchant, await publishedBatch(merchant))).toBe('PUBLISHED_TO_QUEUE');
  });

  it('java: a queued batch is IN_PROGRESS on the wire, PUBLISHED_TO_QUEUE in the database and the audit trail', async () => {
    const merchant = await merchantWith('java');
    expect(merchant.statusVocabulary).toBe('java');
    const requestId = await publishedBatch(merchant);
    const status = await statusOf(merchant, requestId);
    expect(status).toBe('IN_PROGRESS');
    expect(javaMassPayoutStatus).toContain(status);
    const events = await service.db.query<{ after: any }>(`select after from audit_events where entity = $1 and action = 'batch.status' order by seq`, [`batch:${requestId}`]);
    expect(events.rows.map((row) => row.after.status)).toContain('PUBLISHED_TO_QUEUE');
    // Every other status is its own name in both vocabularies: an INIT batch and a canceled one.
    const init = await service.signed(merchant, 'POST', '/v1/mass/payout/init', { externalId: 'v-cancel', items: [ibanItem(2)] });
    expect(await statusOf(merchant, init.json.requestId)).toBe('INIT');
    await service.signed(merchant, 'POST', `/v1/mass/payout/cancel/${init.json.requestId}`, {});
    expect(await statusOf(merchant, init.json.requestId)).toBe('CANCELED');
  });

  it('is changed with PATCH /admin/v1/merchants/{id}, takes effect on the next request, and is audited', async () => {
    const merchant = await merchantWith();
    const requestId = await publishedBatch(merchant);
    const patched = await service.admin('PATCH', `/admin/v1/merchants/${merchant.merchantId}`, { statusVocabulary: 'java' });
    expect(patched.status, patched.text).toBe(200);
    expect(patched.json).toEqual({ merchantId: merchant.merchantId, name: 'Vocabulary', statusVocabulary: 'java' });
    expect(await statusOf(merchant, requestId)).toBe('IN_PROGRESS');
    // The same value again changes nothing and records nothing.
    expect((await service.admin('PATCH', `/admin/v1/merchants/${merchant.merchantId}`, { statusVocabulary: 'java' })).status).toBe(200);
    const back = await service.admin('PATCH', `/admin/v1/merchants/${merchant.merchantId}`, { statusVocabulary: 'documented' });
    expect(back.json.statusVocabulary).toBe('documented');
    expect(await statusOf(merchant, requestId)).toBe('PUBLISHED_TO_QUEUE');
    const events = await service.db.query<{ before: any; after: any }>(`select before, after from audit_events where entity = $1 and action = 'merchant.updated' order by seq`, [
      `merchant:${merchant.merchantId}`,
    ]);
    expect(events.rows).toEqual([
      { before: { statusVocabulary: 'documented' }, after: { statusVocabulary: 'java' } },
      { before: { statusVocabulary: 'java' }, after: { statusVocabulary: 'documented' } },
    ]);
    expect(await verifyAudit(service.db)).toMatchObject({ ok: true });
  });

  it('refuses an unknown vocabulary or field with 400 and an unknown merchant with 404, changing nothing', async () => {
    const merchant = await merchantWith();
    for (const body of [{ statusVocabulary: 'python' }, {}, { statusVocabulary: 'java', name: 'Renamed' }]) {
      const response = await service.admin('PATCH', `/admin/v1/merchants/${merchant.merchantId}`, body);
      expect(response.status, response.text).toBe(400);
      expect(response.json).toMatchObject({ status: 'failure', errorCode: '11' });
    }
    expect((await service.admin('POST', '/admin/v1/merchants', { name: 'x', statusVocabulary: 'JAVA' })).status).toBe(400);
    const missing = await service.admin('PATCH', '/admin/v1/merchants/999999999', { statusVocabulary: 'java' });
    expect(missing.status).toBe(404);
    expect(missing.json.errorCode).toBe('7001');
    expect((await service.db.query('select status_vocabulary from merchants where id = $1', [merchant.merchantId])).rows).toEqual([{ status_vocabulary: 'documented' }]);
  });
});

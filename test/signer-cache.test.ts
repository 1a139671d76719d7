import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { limits } from '../src/limits.ts';
import { setApprovalPolicy } from '../src/merchants/merchants.ts';
import { SecretBox } from '../src/merchants/secret-box.ts';
import { SignerCache } from '../src/merchants/signer-cache.ts';
import { ibanItem } from './support/items.ts';
import { recordingDb } from './support/recording-db.ts';
import { startTestService, type TestMerchant, type TestService } from './support/service.ts';

/**
 * Signed requests verify against a merchant and secret kept in memory (src/merchants/signer-cache.ts);
 * the statement that spends the random key confirms them current. A change of the merchant's row —
 * made here with SQL, as any other process would make it — is seen by the very next request.
 */
let service: TestService;
const box = new SecretBox(randomBytes(32));

beforeAll(async () => {
  service = await startTestService({}, { box });
});
afterAll(async () => {
  await service?.close();
});

const balance = (who: TestMerchant, randomKey?: string) => service.signed(who, 'GET', '/v1/mass/payout/balance', undefined, { randomKey });

/** What another process would do to rotate a merchant's secret: a new sealed secret on its row. */
async function rotateSecret(merchant: TestMerchant): Promise<TestMerchant> {
  const secretKey = `mp-secret-${randomBytes(24).toString('hex')}`;
  await service.db.query('update merchants set secret_key_sealed = $1 where id = $2', [box.seal(secretKey), merchant.merchantId]);
  return { ...merchant, secretKey };
}

async function spent(merchant: TestMerchant, randomKey: string): Promise<boolean> {
  const rows = await service.db.query('select 1 from seen_random_keys where merchant_id = $1 and random_key = $2', [merchant.merchantId, randomKey]);
  return rows.rows.length > 0;
}

describe('a merchant changed while its signer is kept in memory', () => {
  it('a rotated secret is refused at once, without spending the random key, and the new one signs at once', async () => {
    const before = await service.createMerchant();
    expect((await balance(before)).status).toBe(200); // the signer is in memory now
    const after = await rotateSecret(before);

    const key = randomBytes(8).toString('hex');
    const old = await balance(before, key);
    expect(old.status, old.text).toBe(401);
    expect(old.json.errorCode).toBe('1000');
    expect(await spent(before, key)).toBe(false);

    const fresh = await balance(after, key);
    expect(fresh.status, fresh.text).toBe(200);
    expect(await spent(after, key)).toBe(true);
    expect((await balance(before)).status).toBe(401);
  });

  it('a new secret signs on its first request while the old one is still in memory', async () => {
    const before = await service.createMerchant();
    expect((await balance(before)).status).toBe(200);
    const after = await rotateSecret(before);
    // The first request after the rotation carries the new secret: the copy in memory does not
    // verify it, so the row is read again before the request is judged.
    expect((await balance(after)).status).toBe(200);
    const old = await balance(before);
    expect(old.status).toBe(401);
    expect(old.json.errorCode).toBe('1000');
  });

  it('a replay is still a replay when the signer comes from memory', async () => {
    const merchant = await service.createMerchant();
    const key = randomBytes(8).toString('hex');
    expect((await balance(merchant, key)).status).toBe(200);
    const again = await balance(merchant, key);
    expect(again.status).toBe(401);
    expect(again.json.errorCode).toBe('1001');
  });

  it('an approval rule set in the console holds the next API auth, though the merchant was read before it', async () => {
    const merchant = await service.createMerchant();
    await service.deposit(merchant, '1000.00');
    const init = await service.signed(merchant, 'POST', '/v1/mass/payout/init', { externalId: 'held', items: [ibanItem(1)] });
    expect(init.status, init.text).toBe(200);
    await service.db.transaction((tx) => setApprovalPolicy(tx, BigInt(merchant.merchantId), { thresholdMinor: null, apiBatchesNeedApproval: true }));
    const auth = await service.signed(merchant, 'POST', '/v1/mass/payout/auth', { requestId: init.json.requestId });
    expect(auth.status, auth.text).toBe(409);
    expect(auth.json.errorCode).toBe('7201');
  });

  it('a status vocabulary changed through the admin API shows on the next retrieve', async () => {
    const merchant = await service.createMerchant();
    await service.deposit(merchant, '1000.00');
    const init = await service.signed(merchant, 'POST', '/v1/mass/payout/init', { externalId: 'vocabulary', items: [ibanItem(1)] });
    const requestId = init.json.requestId;
    expect((await service.signed(merchant, 'POST', '/v1/mass/payout/auth', { requestId })).status).toBe(200);
    // The table queue's auth makes the batch PUBLISHED_TO_QUEUE (no worker runs here): the
    // documented vocabulary says so, the Java client's has no such value and says IN_PROGRESS.
    const documented = await service.signed(merchant, 'POST', '/v1/mass/payout/retrieve', { requestId, page: 0, size: 1 });
    expect(documented.json.massPayout.massPayoutStatus).toBe('PUBLISHED_TO_QUEUE');
    const patched = await service.admin('PATCH', `/admin/v1/merchants/${merchant.merchantId}`, { statusVocabulary: 'java' });
    expect(patched.status, patched.text).toBe(200);
    const java = await service.signed(merchant, 'POST', '/v1/mass/payout/retrieve', { requestId, page: 0, size: 1 });
    expect(java.json.massPayout.massPayoutStatus).toBe('IN_PROGRESS');
  });
});

describe('the signer cache itself', () => {
  it('answers from memory until the entry is limits.signerCacheMs old, then reads the row again', async () => {
    const merchant = await service.createMerchant();
    const { db, statements } = recordingDb(service.db);
    let now = 1_000_000;
    const cache = new SignerCache(db, box, () => now);
    const reads = () => statements.filter((sql) => /from merchants where api_key/.test(sql)).length;

    expect((await cache.get(merchant.apiKey))?.fromMemory).toBe(false);
    expect((await cache.get(merchant.apiKey))?.fromMemory).toBe(true);
    expect(reads()).toBe(1);
    now += limits.signerCacheMs - 1;
    expect((await cache.get(merchant.apiKey))?.signer.secretKey).toBe(merchant.secretKey);
    expect(reads()).toBe(1);
    now += 1;
    expect((await cache.get(merchant.apiKey))?.fromMemory).toBe(false);
    expect(reads()).toBe(2);
  });

  it('keeps no unknown API key: each is looked up, and a merchant created afterwards signs at once', async () => {
    const { db, statements } = recordingDb(service.db);
    const cache = new SignerCache(db, box);
    expect(await cache.get('mp-api-nobody')).toBeUndefined();
    expect(await cache.get('mp-api-nobody')).toBeUndefined();
    expect(statements.filter((sql) => /from merchants where api_key/.test(sql))).toHaveLength(2);
  });

  it('the version a signer was read at changes with every update of the row, and only then', async () => {
    const merchant = await service.createMerchant();
    const cache = new SignerCache(service.db, box);
    const first = (await cache.reload(merchant.apiKey))!.version;
    // A row lock (webhook registration takes one) is not a change.
    await service.db.transaction((tx) => tx.query('select 1 from merchants where id = $1 for update', [merchant.merchantId]));
    expect((await cache.reload(merchant.apiKey))!.version).toBe(first);
    await service.db.query('update merchants set name = name where id = $1', [merchant.merchantId]);
    expect((await cache.reload(merchant.apiKey))!.version).not.toBe(first);
  });
});

describe('where the random keys go', () => {
  it('on a PostgreSQL server, their statements commit without waiting for a flush, and no other statement does', async () => {
    if (service.db.kind === 'pglite') {
      expect(service.db.queryUnflushed).toBeUndefined();
      return;
    }
    const setting = async (query: typeof service.db.query) => (await query<{ synchronous_commit: string }>('show synchronous_commit')).rows[0].synchronous_commit;
    expect(await setting(service.db.queryUnflushed!)).toBe('off');
    expect(await setting(service.db.query)).toBe('on');
    expect(await service.db.transaction((tx) => setting(tx.query))).toBe('on');
  });
});

import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { cliHarness, expectOneLineFailure } from './support/cli.ts';

/**
 * `masspayout`'s operator commands (merchant, deposit, member, ledger, audit) against the real
 * service: their --json, their text and their locales (test/support/cli.ts runs them).
 */
const harness = cliHarness();
const { cli, adminEnv } = harness;

describe('masspayout: operator commands', () => {
  it('merchant create, deposit, member add, ledger check and audit verify, with --json', async () => {
    const created = await cli(['merchant', 'create', '--name', 'Boğaziçi Kargo A.Ş.', '--commission-fixed', '1.50', '--json'], adminEnv());
    expect(created.code, created.stderr).toBe(0);
    expect(created.json).toMatchObject({ merchantId: expect.any(Number), apiKey: expect.stringMatching(/\S/), secretKey: expect.stringMatching(/\S/) });

    expect(created.json.statusVocabulary).toBe('documented');
    const java = await cli(['merchant', 'update', '--merchant', String(created.json.merchantId), '--status-vocabulary', 'java'], adminEnv());
    expect(java.code, java.stderr).toBe(0);
    expect(java.stdout).toBe(`merchant ${created.json.merchantId} (Boğaziçi Kargo A.Ş.): status vocabulary java\n`);
    const javaAtOnce = await cli(['merchant', 'create', '--name', 'Java Shop', '--status-vocabulary', 'java', '--json'], adminEnv());
    expect(javaAtOnce.json.statusVocabulary).toBe('java');
    const unknown = await cli(['merchant', 'update', '--merchant', String(created.json.merchantId), '--status-vocabulary', 'cobol'], adminEnv());
    expect(unknown.code).not.toBe(0);
    expect(unknown.stderr).toMatch(/documented, java/);

    const deposit = await cli(['deposit', '--merchant', String(created.json.merchantId), '--amount', '1500.75', '--json'], adminEnv());
    expect(deposit.code, deposit.stderr).toBe(0);
    expect(deposit.json).toMatchObject({ merchantId: created.json.merchantId, currency: 'TRY', available: '1500.75' });

    const text = await cli(['deposit', '--merchant', String(created.json.merchantId), '--amount', '0.25', '--currency', 'EUR'], adminEnv());
    expect(text.code, text.stderr).toBe(0);
    expect(text.stdout).toBe(`deposited 0.25 EUR to merchant ${created.json.merchantId}; available: 0.25 EUR\n`);
    // The same --idempotency-key twice: one deposit; with another amount: refused.
    const keyed = ['deposit', '--merchant', String(created.json.merchantId), '--amount', '10.00', '--currency', 'EUR', '--idempotency-key', 'cli-test-1', '--json'];
    for (let run = 0; run < 2; run++) expect((await cli(keyed, adminEnv())).json.available).toBe('10.25');
    const reused = await cli(['deposit', '--merchant', String(created.json.merchantId), '--amount', '11.00', '--currency', 'EUR', '--idempotency-key', 'cli-test-1'], adminEnv());
    expectOneLineFailure(reused, /^masspayout deposit: 7003 .+ \(HTTP 409\)$/);

    const member = await cli(['member', 'add', '--member-id', '880001', '--name', 'Gülşen Doğan', '--phone', '+905320000001', '--json'], adminEnv());
    expect(member.code, member.stderr).toBe(0);
    expect(member.json).toEqual({ memberId: '880001', name: 'Gülşen Doğan', phone: '+905320000001', identityNumber: null });
    const again = await cli(['member', 'add', '--member-id', '880001', '--name', 'Gülşen Doğan'], adminEnv());
    expectOneLineFailure(again, /^masspayout member add: 7002 .+ \(HTTP 409\)$/);

    const [ledger, audit, wrongToken] = await Promise.all([
      cli(['ledger', 'check', '--json'], adminEnv()),
      cli(['audit', 'verify'], adminEnv()),
      cli(['ledger', 'check', '--token', 'wrong'], adminEnv()),
    ]);
    expect(ledger.code, ledger.stderr).toBe(0);
    expect(ledger.json).toMatchObject({ balanced: true });
    expect(audit.code, audit.stderr).toBe(0);
    expect(audit.stdout).toBe('the audit trail is intact\n');
    expectOneLineFailure(wrongToken, /^masspayout ledger check: 1010 .+ \(HTTP 401\)$/);
  }, 240_000);

  it('on the service’s machine, finds the admin token in MASSPAYOUT_DATA_DIR/admin.token', async () => {
    const dataDir = path.join(harness.dir, 'data-with-token');
    await mkdir(dataDir, { recursive: true });
    await writeFile(path.join(dataDir, 'admin.token'), harness.service.adminToken + '\n');
    const run = await cli(['ledger', 'check', '--json'], { MASSPAYOUT_URL: harness.service.url, MASSPAYOUT_DATA_DIR: dataDir });
    expect(run.code, run.stderr).toBe(0);
    expect(run.json.balanced).toBe(true);
  });

  it('operator commands answer in the --locale asked for, their money in one format', async () => {
    const merchant = await harness.service.createMerchant();
    const [unknown, turkish, deposit, ledger] = await Promise.all([
      cli(['deposit', '--merchant', '999999', '--amount', '1'], adminEnv()),
      cli(['deposit', '--merchant', '999999', '--amount', '1', '--locale', 'tr'], adminEnv()),
      cli(['deposit', '--merchant', String(merchant.merchantId), '--amount', '1234567.8', '--locale', 'tr'], adminEnv()),
      cli(['ledger', 'check', '--json'], adminEnv()),
    ]);
    expectOneLineFailure(unknown, /^masspayout deposit: 7001 Merchant not found \(HTTP 404\)$/);
    expectOneLineFailure(turkish, /^masspayout deposit: 7001 Üye işyeri bulunamadı \(HTTP 404\)$/);
    expect(deposit.stdout).toBe(`deposited 1.234.567,80 TRY to merchant ${merchant.merchantId}; available: 1.234.567,80 TRY\n`);
    expect(ledger.json.currencies.every((c: any) => /^-?\d+\.\d\d$/.test(c.total))).toBe(true);
  }, 120_000);
});

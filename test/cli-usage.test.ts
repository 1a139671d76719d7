import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { cliHarness, expectOneLineFailure } from './support/cli.ts';

/**
 * `masspayout` on a wrong command line, a file it cannot read, missing credentials or a service
 * it cannot reach: exit codes and one-line reasons (test/support/cli.ts runs it).
 */
const harness = cliHarness();
const { cli, adminEnv, merchantEnv } = harness;

describe('masspayout: usage', () => {
  it('--help exits 0 for the program and every command; a wrong command line exits 2', async () => {
    const helps = await Promise.all(
      [[], ['submit'], ['auth'], ['cancel'], ['status'], ['items'], ['item'], ['merchant', 'create'], ['deposit'], ['member', 'add'], ['ledger', 'check'], ['audit', 'verify'], ['audit', 'list'], ['serve'], ['migrate']].map(
        (command) => cli([...command, '--help']),
      ),
    );
    for (const run of helps) {
      expect(run.code, run.stderr).toBe(0);
      expect(run.stdout).toMatch(/^Usage: masspayout/);
    }
    expect(helps[0].stdout).toMatch(/submit \[options\] <file>/);
    expect(helps[1].stdout).toMatch(/--json/);
    for (const command of ['auth [options] <requestId>', 'cancel [options] <requestId>', 'item [options] <referenceCode>', 'audit']) expect(helps[0].stdout).toContain(command);

    const [unknown, missing, badChoice, badNumber] = await Promise.all([
      cli(['payout']),
      cli(['status']),
      cli(['items', 'x', '--status', 'PAID']),
      cli(['status', 'x', '--timeout', 'soon']),
    ]);
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toMatch(/unknown command 'payout'/);
    expect(missing.code).toBe(2);
    expect(missing.stderr).toMatch(/missing required argument 'requestId'/);
    expect(badChoice.code).toBe(2);
    expect(badChoice.stderr).toMatch(/unknown status PAID/);
    expect(badNumber.code).toBe(2);
  }, 240_000);

  it('one rule for exit codes: a value that cannot be right is the command line (2), one line with its code, in the locale asked for', async () => {
    const [amount, currency, requestId, turkish, version] = await Promise.all([
      cli(['deposit', '--merchant', '1', '--amount', 'abc'], adminEnv()),
      cli(['deposit', '--merchant', '1', '--amount', '1', '--currency', 'GBP'], adminEnv()),
      cli(['status', 'not-a-uuid'], { MASSPAYOUT_URL: harness.service.url }),
      cli(['item', 'nope', '--locale', 'tr'], { MASSPAYOUT_URL: harness.service.url }),
      cli(['--version']),
    ]);
    for (const run of [amount, currency, requestId, turkish]) {
      expect(run.code, run.stderr).toBe(2);
      expect(run.stderr.trimEnd().split('\n'), run.stderr).toHaveLength(1);
    }
    expect(amount.stderr).toMatch(/^masspayout: 7057 The command line is wrong: option '--amount <amount>' argument 'abc' is invalid\. expected an amount > 0/);
    expect(currency.stderr).toMatch(/^masspayout: 7057 .*GBP/);
    expect(requestId.stderr).toMatch(/^masspayout: 7057 .*'not-a-uuid'.*expected an id like/);
    expect(requestId.stderr).not.toMatch(/format "uuid"/);
    expect(turkish.stderr.trimEnd()).toMatch(/^masspayout: 7057 Komut satırı hatalı: .*\(kullanım: --help\)$/);
    expect(version.code).toBe(0);
    expect(version.stdout.trim()).toBe(JSON.parse(await readFile(new URL('../package.json', import.meta.url), 'utf8')).version);
  }, 120_000);

  it('a file that cannot be read is said in plain words with its path (7050), with --json too', async () => {
    const merchant = await harness.service.createMerchant();
    const missing = path.join(harness.dir, 'nope.csv');
    const [absent, folder, turkish] = await Promise.all([
      cli(['submit', missing, '--external-id', 'x'], merchantEnv(merchant)),
      cli(['submit', harness.dir, '--external-id', 'x', '--json'], merchantEnv(merchant)),
      cli(['submit', missing, '--external-id', 'x', '--locale', 'tr'], merchantEnv(merchant)),
    ]);
    expectOneLineFailure(absent, new RegExp(`^masspayout submit: 7050 The file cannot be read: ${missing} \\(there is no such file\\)$`));
    expectOneLineFailure(folder, /: 7050 The file cannot be read: .* \(it is a folder, not a file\)$/);
    expect(folder.json).toMatchObject({ status: 'failure', errorCode: '7050', file: harness.dir });
    expectOneLineFailure(turkish, /: 7050 Dosya okunamadı: .*nope\.csv \(böyle bir dosya yok\)$/);
    for (const run of [absent, folder, turkish]) expect(run.stderr).not.toMatch(/ENOENT|EISDIR/);
  }, 120_000);

  it('missing credentials or an unreachable service: exit 1 with one line', async () => {
    const [noKeys, noToken, down] = await Promise.all([
      cli(['balance'], { MASSPAYOUT_URL: harness.service.url }),
      cli(['ledger', 'check'], { MASSPAYOUT_URL: harness.service.url }),
      cli(['balance', '--json', '--url', 'http://127.0.0.1:1', '--api-key', 'k', '--secret-key', 's']),
    ]);
    expectOneLineFailure(noKeys, /^masspayout balance: 7052 The merchant credentials are missing: set MASSPAYOUT_API_KEY/);
    expectOneLineFailure(noToken, /^masspayout ledger check: 7053 No admin token: set MASSPAYOUT_ADMIN_TOKEN/);
    expectOneLineFailure(down, /^masspayout balance: NETWORK_ERROR no answer from http:\/\/127\.0\.0\.1:1: ECONNREFUSED$/);
    expect(down.json).toMatchObject({ status: 'failure', errorCode: 'NETWORK_ERROR', httpStatus: 0, retryable: true });
  });
});

import { spawn } from 'node:child_process';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { composeIBAN } from 'ibantools';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MassPayoutClient } from '../src/client/index.ts';
import { createRails } from '../src/rails/index.ts';
import { defaultSandboxConfig } from '../src/rails/sandbox-config.ts';
import { startWorkers, type Workers } from '../src/workers/start-workers.ts';
import { expectBooksBalanced, startTestService, type TestMerchant, type TestService } from './support/service.ts';

/**
 * `masspayout` as a user runs it: a child process (bin/masspayout.js) against the real service on
 * a real database, checked by its exit code, its stdout (--json) and its one-line stderr reasons.
 */
const bin = fileURLToPath(new URL('../bin/masspayout.js', import.meta.url));
const header = 'itemExternalId,recipientType,recipientInfo,recipientName,amount,currency,description';

let service: TestService;
let workers: Workers;
let dir: string;
beforeAll(async () => {
  service = await startTestService();
  workers = startWorkers({ db: service.db, rails: createRails(service.db, { ...defaultSandboxConfig, settleMs: 200 }), concurrency: 1, pollMs: 20, log: () => {} });
  dir = await mkdtemp(path.join(tmpdir(), 'masspayout-cli-'));
});
afterAll(async () => {
  await workers?.stop();
  await service?.close();
  if (dir) await rm(dir, { recursive: true, force: true });
});

interface Run {
  code: number | null;
  stdout: string;
  stderr: string;
  json: any;
}

/** Runs the CLI with only the environment given (plus PATH/HOME): no credentials leak in from the test runner. */
function cli(args: string[], env: Record<string, string> = {}): Promise<Run> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [bin, ...args], {
      env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '/tmp', MASSPAYOUT_DATA_DIR: path.join(dir ?? tmpdir(), 'no-data-dir'), ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString('utf8')));
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString('utf8')));
    const timer = setTimeout(() => child.kill('SIGKILL'), 120_000);
    child.on('error', reject);
    child.on('close', (code) => {
      clearTimeout(timer);
      let json: any;
      try {
        json = JSON.parse(stdout);
      } catch {
        json = undefined;
      }
      resolve({ code, stdout, stderr, json });
    });
  });
}

const adminEnv = () => ({ MASSPAYOUT_URL: service.url, MASSPAYOUT_ADMIN_TOKEN: service.adminToken });
const merchantEnv = (m: TestMerchant) => ({ MASSPAYOUT_URL: service.url, MASSPAYOUT_API_KEY: m.apiKey, MASSPAYOUT_SECRET_KEY: m.secretKey });
const sdk = (m: TestMerchant) => new MassPayoutClient({ baseUrl: service.url, apiKey: m.apiKey, secretKey: m.secretKey, locale: 'en' });

const iban = (n: number) => composeIBAN({ countryCode: 'TR', bban: `000640${String(n).padStart(16, '0')}` })!;

async function csvFile(name: string, content: string | Buffer): Promise<string> {
  const file = path.join(dir, name);
  await writeFile(file, content);
  return file;
}

async function batchCount(merchant: TestMerchant): Promise<number> {
  const result = await service.db.query<{ n: bigint }>('select count(*)::int8 as n from batches where merchant_id = $1', [merchant.merchantId]);
  return Number(result.rows[0].n);
}

/** A failure: non-zero exit and exactly one line on stderr that says why. */
function expectOneLineFailure(run: Run, pattern: RegExp, code = 1): void {
  expect(run.code, run.stdout + run.stderr).toBe(code);
  const lines = run.stderr.trimEnd().split('\n');
  expect(lines.at(-1)).toMatch(pattern);
}

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
      cli(['status', 'not-a-uuid'], { MASSPAYOUT_URL: service.url }),
      cli(['item', 'nope', '--locale', 'tr'], { MASSPAYOUT_URL: service.url }),
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
    const merchant = await service.createMerchant();
    const missing = path.join(dir, 'nope.csv');
    const [absent, folder, turkish] = await Promise.all([
      cli(['submit', missing, '--external-id', 'x'], merchantEnv(merchant)),
      cli(['submit', dir, '--external-id', 'x', '--json'], merchantEnv(merchant)),
      cli(['submit', missing, '--external-id', 'x', '--locale', 'tr'], merchantEnv(merchant)),
    ]);
    expectOneLineFailure(absent, new RegExp(`^masspayout submit: 7050 The file cannot be read: ${missing} \\(there is no such file\\)$`));
    expectOneLineFailure(folder, /: 7050 The file cannot be read: .* \(it is a folder, not a file\)$/);
    expect(folder.json).toMatchObject({ status: 'failure', errorCode: '7050', file: dir });
    expectOneLineFailure(turkish, /: 7050 Dosya okunamadı: .*nope\.csv \(böyle bir dosya yok\)$/);
    for (const run of [absent, folder, turkish]) expect(run.stderr).not.toMatch(/ENOENT|EISDIR/);
  }, 120_000);

  it('missing credentials or an unreachable service: exit 1 with one line', async () => {
    const [noKeys, noToken, down] = await Promise.all([
      cli(['balance'], { MASSPAYOUT_URL: service.url }),
      cli(['ledger', 'check'], { MASSPAYOUT_URL: service.url }),
      cli(['balance', '--json', '--url', 'http://127.0.0.1:1', '--api-key', 'k', '--secret-key', 's']),
    ]);
    expectOneLineFailure(noKeys, /^masspayout balance: 7052 The merchant credentials are missing: set MASSPAYOUT_API_KEY/);
    expectOneLineFailure(noToken, /^masspayout ledger check: 7053 No admin token: set MASSPAYOUT_ADMIN_TOKEN/);
    expectOneLineFailure(down, /^masspayout balance: NETWORK_ERROR no answer from http:\/\/127\.0\.0\.1:1: ECONNREFUSED$/);
    expect(down.json).toMatchObject({ status: 'failure', errorCode: 'NETWORK_ERROR', httpStatus: 0, retryable: true });
  });
});

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
    const dataDir = path.join(dir, 'data-with-token');
    await mkdir(dataDir, { recursive: true });
    await writeFile(path.join(dataDir, 'admin.token'), service.adminToken + '\n');
    const run = await cli(['ledger', 'check', '--json'], { MASSPAYOUT_URL: service.url, MASSPAYOUT_DATA_DIR: dataDir });
    expect(run.code, run.stderr).toBe(0);
    expect(run.json.balanced).toBe(true);
  });
});

describe('masspayout submit', () => {
  it('reads a UTF-8 file with a BOM, CRLF, quoted fields, Turkish text and empty lines; reports each bad line with its number; submits and authorises', async () => {
    const merchant = await service.createMerchant();
    await service.deposit(merchant, '10000.00');
    const lines = [
      header,
      `S-1,IBAN,${iban(1)},"Öztürk, Şükrü",1500.50,TRY,"Şubat maaşı, ""ikramiye"" dahil"`,
      '',
      `S-2,IBAN,"${iban(2).replace(/(.{4})/g, '$1 ').trim()}",İlkay Çağlar,250,TRY,`,
      '   ',
      `S-3,IBAN,TR330006100519786457841327,Ümit Işık,10,TRY,bozuk IBAN`,
      ',,,,,,',
      `S-4,IBAN,${iban(4)},"Ayşe\r\nYılmaz",99.99,TRY,çok satırlı ad`,
      `S-5,IBAN,${iban(5)},Gökhan Ağaoğlu,12.345,TRY,üç ondalık`,
      '',
    ];
    const file = await csvFile('bom-crlf.csv', Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from(lines.join('\r\n'), 'utf8')]));
    const run = await cli(['submit', file, '--external-id', 'cli-bom', '--auth', '--json'], merchantEnv(merchant));
    expect(run.code, run.stderr).toBe(0);
    expect(run.json).toMatchObject({ sent: true, authorized: true, itemCount: 5, validCount: 3, invalidCount: 2, externalId: 'cli-bom' });
    expect(run.json.badLines).toEqual([
      { line: 6, itemExternalId: 'S-3', reasons: [{ errorCode: '6104', errorMessage: 'The IBAN is invalid' }] },
      { line: 10, itemExternalId: 'S-5', reasons: [{ errorCode: '6111', errorMessage: expect.stringMatching(/at most two fraction digits/) }] },
    ]);
    expect(run.stderr).toBe(`${file}:6 (S-3): The IBAN is invalid\n${file}:10 (S-5): The amount must be greater than zero with at most two fraction digits\n`);
    // The service agrees with the local check, item for item.
    expect(run.json.invalidItems.map((i: any) => [i.externalId, i.errorCode])).toEqual([
      ['S-3', '6104'],
      ['S-5', '6111'],
    ]);

    const stored = [];
    for await (const item of sdk(merchant).items(run.json.requestId)) stored.push([item.itemExternalId, item.recipientInfo, item.recipientName, item.description, item.totalAmount]);
    expect(stored).toEqual([
      ['S-1', iban(1), 'Öztürk, Şükrü', 'Şubat maaşı, "ikramiye" dahil', 1500.5],
      ['S-2', iban(2), 'İlkay Çağlar', null, 250],
      ['S-3', 'TR330006100519786457841327', 'Ümit Işık', 'bozuk IBAN', 10],
      ['S-4', iban(4), 'Ayşe\nYılmaz', 'çok satırlı ad', 99.99],
      // Invalid for its three fraction digits: shown with the amount it was sent with.
      ['S-5', iban(5), 'Gökhan Ağaoğlu', 'üç ondalık', 12.345],
    ]);

    // status --watch off a terminal: a plain line per change, ending with the final state.
    const watch = await cli(['status', run.json.requestId, '--watch', '--interval', '0.05', '--max-wait', '60'], merchantEnv(merchant));
    expect(watch.code, watch.stderr).toBe(0);
    expect(watch.stdout.trimEnd().split('\n').at(-1)).toBe('COMPLETED: 5/5 items final, 3 paid, 0 failed, 2 invalid, paid 1,850.49 of 1,850.49 TRY');
    const status = await cli(['status', run.json.requestId, '--json'], merchantEnv(merchant));
    expect(status.json).toMatchObject({ status: 'COMPLETED', isFinal: true, counts: { final: 5, paid: 3, failed: 0, invalid: 2 } });

    // The same file under the same externalId again: the same batch, nothing new (init is idempotent).
    const again = await cli(['submit', file, '--external-id', 'cli-bom', '--json'], merchantEnv(merchant));
    expect(again.json.requestId).toBe(run.json.requestId);
    expect(again.json).toMatchObject({ alreadyExisted: true, authorized: true, massPayoutStatus: 'COMPLETED' });
    const againText = await cli(['submit', file, '--external-id', 'cli-bom', '--auth'], merchantEnv(merchant));
    expect(againText.code, againText.stderr).toBe(0);
    expect(againText.stdout).toContain(`batch ${run.json.requestId} already exists (externalId cli-bom): COMPLETED: 5/5 items final`);
    expect(againText.stdout).toContain('nothing was created or paid again');
    expect(againText.stdout).not.toMatch(/\) created|on their way/);
    expect(await batchCount(merchant)).toBe(1);
    await expectBooksBalanced(service.db);
  });

  it('refuses a file it cannot read as CSV, listing every broken line, and sends nothing', async () => {
    const merchant = await service.createMerchant();
    const file = await csvFile(
      'broken.csv',
      [header, `B-1,IBAN,${iban(1)},Ali Veli,10,TRY,ok`, `B-2,IBAN,${iban(2)},Yılmaz, Ahmet,10,TRY,comma in an unquoted name`, `B-3,IBAN,${iban(3)},"Can "Cano" Er",10,TRY,bad quotes`].join('\n'),
    );
    const run = await cli(['submit', file, '--external-id', 'cli-broken'], merchantEnv(merchant));
    expectOneLineFailure(run, /: 7051 The file cannot be read as a payout CSV; nothing was sent: .*broken\.csv \(2 problems above\)$/);
    expect(run.stderr).toMatch(new RegExp(`${file}:3: Invalid Record Length: expect 7, got 8 \\(a field that contains a comma must be in double quotes\\)`));
    expect(run.stderr).toMatch(new RegExp(`${file}:4: a quote inside a field must be doubled`));
    expect(await batchCount(merchant)).toBe(0);

    const wrongHeader = await csvFile('header.csv', 'id,type,iban,name,amount,currency\nx,IBAN,TR1,A,1,TRY\n');
    expectOneLineFailure(await cli(['submit', wrongHeader, '--external-id', 'h'], merchantEnv(merchant)), /nothing was sent: .*header\.csv \(1 problem above\)$/);
    const semicolons = await csvFile('semicolons.csv', header.replaceAll(',', ';') + '\n');
    const semi = await cli(['submit', semicolons, '--external-id', 's'], merchantEnv(merchant));
    expect(semi.stderr).toMatch(/separated by ";": use commas/);
    const onlyHeader = await csvFile('only-header.csv', header + '\r\n\r\n');
    expectOneLineFailure(await cli(['submit', onlyHeader, '--external-id', 'o'], merchantEnv(merchant)), /has a header but no payout line; nothing was sent$/);
    const latin5 = await csvFile('latin5.csv', Buffer.concat([Buffer.from(header + '\nL-1,IBAN,' + iban(1) + ',', 'utf8'), Buffer.from([0xde, 0xfd, 0xf0]), Buffer.from(',1,TRY,\n')]));
    expect((await cli(['submit', latin5, '--external-id', 'l'], merchantEnv(merchant))).stderr).toMatch(/not UTF-8 text/);
    expect(await batchCount(merchant)).toBe(0);
  });

  it('--strict and --dry-run send nothing; a file with no valid line is refused', async () => {
    const merchant = await service.createMerchant();
    const mixed = await csvFile('mixed.csv', [header, `M-1,IBAN,${iban(1)},Ali Veli,10,TRY,`, `M-2,PHONE,05321234567,Ali Veli,10,TRY,`].join('\n'));
    const strict = await cli(['submit', mixed, '--external-id', 'strict', '--strict'], merchantEnv(merchant));
    expectOneLineFailure(strict, /: 7054 Some lines are bad and --strict is set; nothing was sent: 1 bad line\(s\)$/);
    expect(strict.stderr).toMatch(/mixed\.csv:3 \(M-2\): The phone number must be in E\.164 format/);
    const dry = await cli(['submit', mixed, '--external-id', 'dry', '--dry-run', '--json'], merchantEnv(merchant));
    expect(dry.code, dry.stderr).toBe(0);
    expect(dry.json).toMatchObject({ sent: false, itemCount: 2, validCount: 1, invalidCount: 1 });
    const allBad = await csvFile('all-bad.csv', [header, `X-1,IBAN,TR00,Ali,10,TRY,`].join('\n'));
    expectOneLineFailure(await cli(['submit', allBad, '--external-id', 'bad'], merchantEnv(merchant)), /has no valid line; nothing was sent$/);
    expect(await batchCount(merchant)).toBe(0);
  });

  it('a 100,000-line file goes in one request at the default limit, and is refused (nothing sent) when the limit is lower', async () => {
    const merchant = await service.createMerchant();
    const rows = [header];
    for (let i = 0; i < 100_000; i++) rows.push(`L-${i},MEMBER_ID,${100_000 + i},Çalışan ${i},1.${String(i % 100).padStart(2, '0')},TRY,Maaş`);
    const file = await csvFile('large.csv', rows.join('\n') + '\n');

    const refused = await cli(['submit', file, '--external-id', 'large', '--json'], { ...merchantEnv(merchant), MASSPAYOUT_ITEMS_PER_BATCH_MAX: '99999' });
    expectOneLineFailure(refused, /large\.csv has 100000 payout lines; one request takes at most 99999 \(MASSPAYOUT_ITEMS_PER_BATCH_MAX\): split it into batches of 99999; nothing was sent$/);
    expect(refused.json).toMatchObject({ status: 'failure', itemCount: 100_000, itemsPerBatchMax: 99_999 });
    expect(await batchCount(merchant)).toBe(0);

    const accepted = await cli(['submit', file, '--external-id', 'large', '--json'], merchantEnv(merchant));
    expect(accepted.code, accepted.stderr).toBe(0);
    expect(accepted.json).toMatchObject({ sent: true, itemCount: 100_000, validCount: 100_000, invalidCount: 0 });
    const stored = await sdk(merchant).retrieve({ requestId: accepted.json.requestId, page: 99, size: 1000 });
    expect(stored.massPayout).toMatchObject({ itemCount: 100_000, massPayoutStatus: 'INIT' });
    expect(stored.massPayoutItems.items.at(-1)).toMatchObject({ itemExternalId: 'L-99999', recipientName: 'Çalışan 99999', totalAmount: 1.99 });
    // Two CLI processes and a real 100,000-item init: ~35 s on a quiet 2-core machine, 70 s seen under load.
  }, 240_000);

  it('a service with a lower limit than the CLI’s refuses with its own code', async () => {
    const small = await startTestService({ itemsPerBatchMax: 3 });
    try {
      const merchant = await small.createMerchant();
      const file = await csvFile('four.csv', [header, ...[1, 2, 3, 4].map((n) => `F-${n},IBAN,${iban(n)},Ali Veli,1,TRY,`)].join('\n'));
      const run = await cli(['submit', file, '--external-id', 'four'], { MASSPAYOUT_URL: small.url, MASSPAYOUT_API_KEY: merchant.apiKey, MASSPAYOUT_SECRET_KEY: merchant.secretKey });
      expectOneLineFailure(run, /^masspayout submit: 6008 Too many items in one request.* \(HTTP 400\)$/);
    } finally {
      await small.close();
    }
  });
});

describe('masspayout status, items and balance', () => {
  it('exports the items (all, by status, as CSV that submit takes again) and shows the balance', async () => {
    const merchant = await service.createMerchant();
    await service.deposit(merchant, '500.00');
    const closed = composeIBAN({ countryCode: 'TR', bban: '0006400000000000000099' })!;
    const file = await csvFile(
      'export.csv',
      [header, `E-1,IBAN,${iban(11)},Deniz Aktaş,100,TRY,Mart`, `E-2,IBAN,${closed},"Kapalı, Hesap",50,TRY,Mart`, `E-3,IBAN,TR00,Hatalı,1,TRY,`, `E-4,IBAN,${iban(12)},Yanlış Tutar,"1,5",TRY,`].join('\n'),
    );
    const submitted = await cli(['submit', file, '--external-id', 'export', '--auth', '--json'], merchantEnv(merchant));
    expect(submitted.code, submitted.stderr).toBe(0);
    const requestId = submitted.json.requestId;
    const watched = await cli(['status', requestId, '--watch', '--interval', '0.05', '--json'], merchantEnv(merchant));
    expect(watched.json).toMatchObject({ status: 'COMPLETED', counts: { final: 4, paid: 1, failed: 1, invalid: 2 } });

    const [all, failed, text, balance, invalidCsv, unknown] = await Promise.all([
      cli(['items', requestId, '--json'], merchantEnv(merchant)),
      cli(['items', requestId, '--status', 'deposit_success,DEPOSIT_FAIL', '--csv'], merchantEnv(merchant)),
      cli(['items', requestId, '--item-type', 'INVALID'], merchantEnv(merchant)),
      cli(['balance', '--json'], merchantEnv(merchant)),
      cli(['items', requestId, '--item-type', 'INVALID', '--csv'], merchantEnv(merchant)),
      cli(['status', '00000000-0000-4000-8000-000000000000', '--json'], merchantEnv(merchant)),
    ]);
    expect(all.json.map((i: any) => [i.itemExternalId, i.itemStatus])).toEqual([
      ['E-1', 'SUCCESS'],
      ['E-2', 'DEPOSIT_SUCCESS'],
      ['E-3', 'INVALID'],
      ['E-4', 'INVALID'],
    ]);
    expect(failed.code, failed.stderr).toBe(0);
    const [csvHeader, ...csvRows] = failed.stdout.trimEnd().split('\n');
    expect(csvHeader).toBe(`${header},itemStatus,referenceCode,errorMessage,commissionAmount`);
    expect(csvRows).toHaveLength(1);
    expect(csvRows[0]).toMatch(new RegExp(`^E-2,IBAN,${closed},"Kapalı, Hesap",50,TRY,Mart,DEPOSIT_SUCCESS,[0-9a-f-]{36},The recipient account is closed,0$`));
    expect(text.stdout).toMatch(/^E-3\tINVALID\t/);
    expect(text.stderr).toBe('2 items\n');
    // The INVALID export holds the amounts as they were sent: "1,5" is there to be fixed, not 0.
    const invalidRows = invalidCsv.stdout.trimEnd().split('\n').slice(1);
    expect(invalidRows).toHaveLength(2);
    expect(invalidRows[0]).toMatch(/^E-3,IBAN,TR00,Hatalı,1,TRY,/);
    expect(invalidRows[1]).toMatch(new RegExp(`^E-4,IBAN,${iban(12)},Yanlış Tutar,"1,5",TRY,`));
    expect(balance.json).toEqual({ balance: '400.00', balances: [{ currency: 'TRY', available: '400.00', reserved: '0.00' }] });
    expectOneLineFailure(unknown, /^masspayout status: 6001 Mass payout not found \(HTTP 404\)$/);
    expect(unknown.json).toMatchObject({ status: 'failure', errorCode: '6001', httpStatus: 404, retryable: false });

    // The failed items, exported, go back in as a new batch.
    const retryFile = await csvFile('retry.csv', failed.stdout);
    const retry = await cli(['submit', retryFile, '--external-id', 'export-retry', '--dry-run', '--json'], merchantEnv(merchant));
    expect(retry.json).toMatchObject({ itemCount: 1, validCount: 1, sent: false });
    await expectBooksBalanced(service.db);
  });
});

describe('masspayout auth, cancel, item and audit list', () => {
  it('submits without --auth, then authorises with auth, reads one item, lists the audit trail; cancel refuses an authorised batch', async () => {
    const merchant = await service.createMerchant();
    await service.deposit(merchant, '40000.00');
    // Optional columns left out: no description, no recipientName (a wallet payout needs none).
    const file = await csvFile(
      'no-optional-columns.csv',
      ['itemExternalId,recipientType,recipientInfo,amount,currency', `A-1,MEMBER_ID,${await memberId()},38750.5,TRY`].join('\n'),
    );
    const submitted = await cli(['submit', file, '--external-id', 'later-auth'], merchantEnv(merchant));
    expect(submitted.code, submitted.stderr).toBe(0);
    const requestId = /requestId: (\S+)/.exec(submitted.stdout)![1];
    expect(submitted.stdout).toContain(`authorise it with: masspayout auth ${requestId}`);

    const auth = await cli(['auth', requestId], merchantEnv(merchant));
    expect(auth.code, auth.stderr).toBe(0);
    expect(auth.stdout).toMatch(new RegExp(`^batch ${requestId} is authorised: \\S+: \\d/1 items final`));
    const again = await cli(['auth', requestId, '--json'], merchantEnv(merchant));
    expect(again.json).toMatchObject({ requestId, authorized: true, progress: { totalAmount: '38750.50' } });
    const watched = await cli(['status', requestId, '--watch', '--interval', '0.05', '--json'], merchantEnv(merchant));
    expect(watched.json).toMatchObject({ status: 'COMPLETED', totalAmount: '38750.50', totalSuccessfulAmount: '38750.50', massPayout: { totalAmount: '38750.50' } });

    const [items, itemsTr] = await Promise.all([cli(['items', requestId], merchantEnv(merchant)), cli(['items', requestId, '--locale', 'tr', '--json'], merchantEnv(merchant))]);
    expect(items.stdout).toMatch(/^A-1\tSUCCESS\t38,750\.50 TRY\tMEMBER_ID /);
    expect(itemsTr.json[0]).toMatchObject({ totalAmount: '38750.50', commissionAmount: '0.00' });
    const referenceCode = itemsTr.json[0].referenceCode;
    const [item, itemJson, trItem] = await Promise.all([
      cli(['item', referenceCode], merchantEnv(merchant)),
      cli(['item', referenceCode, '--json'], merchantEnv(merchant)),
      cli(['item', referenceCode, '--locale', 'tr'], merchantEnv(merchant)),
    ]);
    expect(item.stdout).toContain('status:         SUCCESS');
    expect(item.stdout).toContain('amount:         38,750.50 TRY');
    expect(trItem.stdout).toContain('amount:         38.750,50 TRY');
    expect(itemJson.json).toMatchObject({ referenceCode, itemExternalId: 'A-1', totalAmount: '38750.50' });

    const cancel = await cli(['cancel', requestId], merchantEnv(merchant));
    expectOneLineFailure(cancel, /^masspayout cancel: 6006 The mass payout is authorized and cannot be canceled \(HTTP 409\)$/);
    const other = await csvFile('to-cancel.csv', [header, `C-1,IBAN,${iban(21)},Ali Veli,1,TRY,`].join('\n'));
    const toCancel = await cli(['submit', other, '--external-id', 'to-cancel', '--json'], merchantEnv(merchant));
    const canceled = await cli(['cancel', toCancel.json.requestId, '--json'], merchantEnv(merchant));
    expect(canceled.json).toMatchObject({ requestId: toCancel.json.requestId, canceled: true, progress: { status: 'CANCELED' } });

    const [list, csv, json] = await Promise.all([
      cli(['audit', 'list', '--request-id', requestId], adminEnv()),
      cli(['audit', 'list', '--request-id', requestId, '--csv'], adminEnv()),
      cli(['audit', 'list', '--request-id', requestId, '--json'], adminEnv()),
    ]);
    expect(list.code, list.stderr).toBe(0);
    expect(json.json.length).toBeGreaterThanOrEqual(4);
    expect(json.json[0]).toMatchObject({ action: 'batch.created', entity: `batch:${requestId}` });
    expect(list.stdout.trimEnd().split('\n')).toHaveLength(json.json.length);
    expect(list.stderr).toBe(`${json.json.length} events\n`);
    const [csvHead, ...csvRows] = csv.stdout.trimEnd().split('\n');
    expect(csvHead).toBe('id,at,actor,action,entity,before,after,hash');
    expect(csvRows).toHaveLength(json.json.length);
    expect(csvRows.at(-1)).toContain(json.json.at(-1).hash);
    await expectBooksBalanced(service.db);
  }, 240_000);

  it('operator commands answer in the --locale asked for, their money in one format', async () => {
    const merchant = await service.createMerchant();
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

let members = 0;
/** A wallet member of its own for a test. */
async function memberId(): Promise<string> {
  const id = String(990_000 + members++);
  const added = await cli(['member', 'add', '--member-id', id, '--name', 'Deniz Yıldız'], adminEnv());
  expect(added.code, added.stderr).toBe(0);
  return id;
}

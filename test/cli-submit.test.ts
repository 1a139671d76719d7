import { describe, expect, it } from 'vitest';
import { cliHarness, expectOneLineFailure, iban, payoutCsvHeader as header } from './support/cli.ts';
import { expectBooksBalanced, startTestService } from './support/service.ts';

/**
 * `masspayout submit` of CSV files as people write them: encodings, quoting, bad lines, --strict and
 * --dry-run, a service with a lower limit, and a batch paid to the end (test/support/cli.ts).
 */
const harness = cliHarness({ workers: true });
const { cli, merchantEnv, sdk, csvFile, batchCount } = harness;

describe('masspayout submit', () => {
  it('reads a UTF-8 file with a BOM, CRLF, quoted fields, Turkish text and empty lines; reports each bad line with its number; submits and authorises', async () => {
    const merchant = await harness.service.createMerchant();
    await harness.service.deposit(merchant, '10000.00');
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
    await expectBooksBalanced(harness.service.db);
  });

  it('refuses a file it cannot read as CSV, listing every broken line, and sends nothing', async () => {
    const merchant = await harness.service.createMerchant();
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
    const merchant = await harness.service.createMerchant();
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

import { composeIBAN } from 'ibantools';
import { describe, expect, it } from 'vitest';
import { cliHarness, expectOneLineFailure, iban, payoutCsvHeader as header } from './support/cli.ts';
import { expectBooksBalanced } from './support/service.ts';

/**
 * `masspayout` on submitted batches: status, items (exported as CSV that submit takes again),
 * balance, auth, cancel, item and the audit list, on batches the workers pay (test/support/cli.ts).
 */
const harness = cliHarness({ workers: true });
const { cli, adminEnv, merchantEnv, csvFile } = harness;

describe('masspayout status, items and balance', () => {
  it('exports the items (all, by status, as CSV that submit takes again) and shows the balance', async () => {
    const merchant = await harness.service.createMerchant();
    await harness.service.deposit(merchant, '500.00');
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
    await expectBooksBalanced(harness.service.db);
  });
});

describe('masspayout auth, cancel, item and audit list', () => {
  it('submits without --auth, then authorises with auth, reads one item, lists the audit trail; cancel refuses an authorised batch', async () => {
    const merchant = await harness.service.createMerchant();
    await harness.service.deposit(merchant, '40000.00');
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
    await expectBooksBalanced(harness.service.db);
  }, 240_000);

});

let members = 0;
/** A wallet member of its own for a test. */
async function memberId(): Promise<string> {
  const id = String(990_000 + members++);
  const added = await cli(['member', 'add', '--member-id', id, '--name', 'Deniz Yıldız'], adminEnv());
  expect(added.code, added.stderr).toBe(0);
  return id;
}

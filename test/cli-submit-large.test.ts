import { describe, expect, it } from 'vitest';
import { cliHarness, expectOneLineFailure, payoutCsvHeader as header } from './support/cli.ts';

/**
 * `masspayout submit` of a 100,000-line file: one request at the default limit, refused whole under
 * a lower one. A file of its own: two CLI processes and a real 100,000-item init (test/support/cli.ts).
 */
const harness = cliHarness();
const { cli, merchantEnv, sdk, csvFile, batchCount } = harness;

describe('masspayout submit', () => {
  it('a 100,000-line file goes in one request at the default limit, and is refused (nothing sent) when the limit is lower', async () => {
    const merchant = await harness.service.createMerchant();
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

});

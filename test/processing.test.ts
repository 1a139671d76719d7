import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { itemHistory } from '../src/payouts/item-history.ts';
import { itemStories, movesOf } from './support/item-stories.ts';
import { identityItem, ibanItem, memberItem, phoneItem, identityNumber } from './support/items.ts';
import { balanceOf, registerMember, retrieveBatch, startTestWorkers, submitBatch, waitUntilFinal, type TestWorkers } from './support/processing.ts';
import { expectBooksBalanced, startTestService, type TestService } from './support/service.ts';

let service: TestService;
let workers: TestWorkers;
beforeAll(async () => {
  service = await startTestService();
  workers = startTestWorkers(service);
  await registerMember(service, { memberId: '5001' });
  await registerMember(service, { memberId: '5002', phone: '+905550000002' });
  await registerMember(service, { memberId: '5003', identityNumber: identityNumber(3) });
});
afterAll(async () => {
  await workers?.stop();
  await service?.close();
});

/**
 * Commission {fixed 1.00, rate 0.01}, by hand (rate part rounded half-up), for the paid items:
 *   100.00 → 2.00   250.50 → 1.00 + 2.505 → 3.51   60.00 → 1.60   10 → 1.10   20 → 1.20   30 → 1.30
 * Paid 470.50, commission 10.71; deposit 1000 → available 518.79 afterwards, nothing reserved.
 */
const commission = { fixed: '1.00', rate: '0.01' };
const mixedItems = [
  { ...ibanItem(1, '100.00'), itemExternalId: 'iban-paid-1' },
  { ...ibanItem(2, '250.50'), itemExternalId: 'iban-paid-2' },
  { ...ibanItem(99, '40.00'), itemExternalId: 'iban-closed-99' },
  { ...ibanItem(98, '60.00'), itemExternalId: 'iban-ambiguous-98' },
  { ...memberItem(5, '5001', '10.00'), itemExternalId: 'wallet-member-id' },
  { ...phoneItem(2, '20.00'), itemExternalId: 'wallet-phone' },
  { ...identityItem(3, '30.00'), itemExternalId: 'wallet-identity' },
  { ...memberItem(6, '5999', '15.00'), itemExternalId: 'wallet-unknown' },
  { ...ibanItem(7, '5.00'), recipientInfo: 'TR330006100519786457841327', itemExternalId: 'invalid-iban' },
];

describe('processing after auth (table queue, sandbox bank, wallet)', () => {
  it('brings a mixed batch to COMPLETED: paid, rejected, ambiguous-then-resolved, wallet and unknown recipients', async () => {
    const merchant = await service.createMerchant(commission);
    await service.deposit(merchant, '1000');
    const requestId = await submitBatch(service, merchant, mixedItems);

    const batch = await waitUntilFinal(service, merchant, requestId);
    expect(batch).toMatchObject({ massPayoutStatus: 'COMPLETED', totalAmount: 525.5, totalSuccessfulAmount: 470.5, totalCommissionAmount: 10.71, itemCount: 9 });
    expect(batch.completedDate).not.toBeNull();

    const page = await retrieveBatch(service, merchant, requestId);
    const byId = Object.fromEntries(page.massPayoutItems.items.map((item: any) => [item.itemExternalId, item]));
    const statusOf = (id: string) => [byId[id].itemStatus, byId[id].errorMessages];
    expect(statusOf('iban-paid-1')).toEqual(['SUCCESS', []]);
    expect(statusOf('iban-paid-2')).toEqual(['SUCCESS', []]);
    expect(statusOf('iban-closed-99')).toEqual(['DEPOSIT_SUCCESS', ['The recipient account is closed']]);
    expect(statusOf('iban-ambiguous-98')).toEqual(['SUCCESS', []]);
    expect(statusOf('wallet-member-id')).toEqual(['SUCCESS', []]);
    expect(statusOf('wallet-phone')).toEqual(['SUCCESS', []]);
    expect(statusOf('wallet-identity')).toEqual(['SUCCESS', []]);
    expect(statusOf('wallet-unknown')).toEqual(['DEPOSIT_SUCCESS', ['No wallet is registered for the recipient']]);
    expect(byId['invalid-iban'].itemStatus).toBe('INVALID');
    expect(byId['iban-closed-99'].errorMessage).toBe('The recipient account is closed');

    // Money: deposit − paid − commission, nothing left reserved; the books balance.
    expect(await balanceOf(service, merchant)).toEqual({ available: '518.79', reserved: '0' });
    await expectBooksBalanced(service.db);

    // Commission is charged for paid items only, once each; failed items got amount + commission back.
    const postings = await service.db.query<{ external: string; kind: string; amount: bigint }>(
      `select i.item_external_id as external, t.kind, t.amount from ledger_transfers t join items i on i.id = t.item_id
       where i.batch_id = $1 order by i.seq, t.kind`,
      [requestId],
    );
    const kindsOf = (external: string) => postings.rows.filter((p) => p.external === external).map((p) => [p.kind, p.amount]);
    expect(kindsOf('iban-paid-2')).toEqual([['commission', 351n], ['payout', 25050n]]);
    expect(kindsOf('iban-closed-99')).toEqual([['release', 4000n + 140n]]);
    expect(kindsOf('wallet-unknown')).toEqual([['release', 1500n + 115n]]);
    expect(kindsOf('invalid-iban')).toEqual([]);
    expect(postings.rows.filter((p) => p.kind === 'commission').length).toBe(6);

    // Wallet payouts land in the members' wallet accounts.
    const wallets = await service.db.query<{ member_id: string; balance: bigint }>(`select member_id, balance from accounts where kind = 'wallet' order by member_id`);
    expect(wallets.rows).toEqual([
      { member_id: '5001', balance: 1000n },
      { member_id: '5002', balance: 2000n },
      { member_id: '5003', balance: 3000n },
    ]);

    // The bank holds exactly one transfer per IBAN item's key; the 98 item was resolved by asking, not resending.
    const transfers = await service.admin('GET', '/admin/v1/rails/sandbox-bank/transfers');
    expect(transfers.status, transfers.text).toBe(200);
    const bankByKey = new Map(transfers.json.transfers.map((t: any) => [t.idempotencyKey, t]));
    const ibanKeys = ['iban-paid-1', 'iban-paid-2', 'iban-closed-99', 'iban-ambiguous-98'].map((id) => byId[id].referenceCode);
    expect(ibanKeys.map((key) => (bankByKey.get(key) as any)?.status)).toEqual(['PAID', 'PAID', 'REJECTED', 'PAID']);
    expect(bankByKey.get(byId['iban-paid-2'].referenceCode)).toMatchObject({ iban: byId['iban-paid-2'].recipientInfo, amount: '250.5', currency: 'TRY' });
    expect(transfers.json.transfers.filter((t: any) => ibanKeys.includes(t.idempotencyKey))).toHaveLength(4);

    const ambiguous = await service.db.query<{ attempts: number }>('select attempts from items where reference_code = $1', [byId['iban-ambiguous-98'].referenceCode]);
    expect(ambiguous.rows[0].attempts).toBeGreaterThanOrEqual(2);

    // The audit trail tells each item's story in order, and the chain verifies.
    const audit = await service.admin('GET', `/admin/v1/audit?requestId=${requestId}`);
    expect(audit.status, audit.text).toBe(200);
    // Each item's moves are set-level events naming its seq (listed here as stored), its own events by its entity.
    expect(audit.json.events.filter((e: any) => e.action === 'item.status')).toEqual([]);
    const stories = await itemStories(service.db, requestId);
    const storyOf = (referenceCode: string) => movesOf(stories.get(referenceCode));
    const listedSets = audit.json.events.filter((e: any) => e.action === 'items.status');
    expect(listedSets.length).toBeGreaterThan(0);
    expect(listedSets.every((e: any) => e.entity === `items:${e.after.items.from}-${e.after.items.to}`)).toBe(true);
    expect(storyOf(byId['iban-closed-99'].referenceCode)).toEqual(['INIT→PROCESSING', 'PROCESSING→QUEUED', 'QUEUED→FAILED', 'FAILED→DEPOSIT_SUCCESS']);
    expect(storyOf(byId['iban-ambiguous-98'].referenceCode)).toEqual(['INIT→PROCESSING', 'PROCESSING→QUEUED', 'QUEUED→SUCCESS']);
    expect(audit.json.events.some((e: any) => e.entity === `item:${byId['iban-ambiguous-98'].referenceCode}` && e.action === 'item.rail_check_scheduled')).toBe(true);
    // The item history (console item page) tells the same story as the raw trail, item by item.
    const rows = await service.db.query<{ id: bigint; seq: number; reference_code: string; status: string }>('select id, seq, reference_code, status from items where batch_id = $1', [requestId]);
    for (const row of rows.rows) {
      const history = await itemHistory(service.db, { id: row.id, batchId: requestId, referenceCode: row.reference_code, seq: row.seq });
      expect(history.events.map(({ actor, action, before, after }) => ({ actor, action, before, after })), row.reference_code).toEqual(stories.get(row.reference_code));
      // A valid item's story starts at auth and ends in its stored status; an invalid one has none.
      const moves = movesOf(history.events as any);
      if (row.status === 'INVALID') expect(moves, row.reference_code).toEqual([]);
      else expect([moves[0], moves.at(-1)?.split('→')[1]], row.reference_code).toEqual(['INIT→PROCESSING', row.status]);
    }
    expect(audit.json.events.at(-1)).toMatchObject({ action: 'batch.status', after: { status: 'COMPLETED', totalSuccessfulAmount: '47050', totalCommissionAmount: '1071' } });
    expect((await service.admin('GET', '/admin/v1/audit/verify')).json).toEqual({ ok: true });

    const trial = await service.admin('GET', '/admin/v1/ledger/trial-balance');
    expect(trial.json).toEqual({ balanced: true, currencies: [{ currency: 'TRY', total: '0' }] });
  });

  it('ends a batch whose every item fails in FAIL, with every penny back', async () => {
    const merchant = await service.createMerchant(commission);
    await service.deposit(merchant, '500');
    const requestId = await submitBatch(service, merchant, [
      { ...ibanItem(199, '100.00'), itemExternalId: 'closed-a' },
      { ...ibanItem(299, '33.33'), itemExternalId: 'closed-b' },
      { ...memberItem(8, '777777', '12.00'), itemExternalId: 'unknown-wallet' },
    ]);
    // Auth reserved 145.33 + commission (2.00 + 1.33 + 1.12) = 149.78 in one transfer.
    const reserve = await service.db.query<{ amount: bigint }>(`select amount from ledger_transfers where kind = 'reserve' and batch_id = $1`, [requestId]);
    expect(reserve.rows).toEqual([{ amount: 14978n }]);

    const batch = await waitUntilFinal(service, merchant, requestId);
    expect(batch).toMatchObject({ massPayoutStatus: 'FAIL', totalSuccessfulAmount: 0, totalCommissionAmount: 0 });
    expect(batch.completedDate).not.toBeNull();
    const page = await retrieveBatch(service, merchant, requestId);
    expect(page.massPayoutItems.items.map((item: any) => item.itemStatus)).toEqual(['DEPOSIT_SUCCESS', 'DEPOSIT_SUCCESS', 'DEPOSIT_SUCCESS']);
    expect(page.massPayoutItems.items.map((item: any) => item.errorMessages)).toEqual([
      ['The recipient account is closed'],
      ['The recipient account is closed'],
      ['No wallet is registered for the recipient'],
    ]);

    expect(await balanceOf(service, merchant)).toEqual({ available: '500', reserved: '0' });
    const kinds = await service.db.query<{ kind: string; n: number }>(
      `select t.kind, count(*)::int as n from ledger_transfers t join items i on i.id = t.item_id where i.batch_id = $1 group by t.kind`,
      [requestId],
    );
    expect(kinds.rows).toEqual([{ kind: 'release', n: 3 }]);
    await expectBooksBalanced(service.db);
    expect((await service.admin('GET', '/admin/v1/ledger/trial-balance')).json.balanced).toBe(true);
  });

  it('final states never change: a finished batch stays as it is while the workers keep running', async () => {
    const merchant = await service.createMerchant();
    await service.deposit(merchant, '100');
    const requestId = await submitBatch(service, merchant, [ibanItem(11, '10.00'), ibanItem(12, '20.00')]);
    const done = await waitUntilFinal(service, merchant, requestId);
    expect(done.massPayoutStatus).toBe('COMPLETED');
    const before = await service.db.query('select status, open_count, total_successful_amount, completed_at from batches where id = $1', [requestId]);

    // A second batch passes through the same workers; the first one's rows do not move.
    const second = await submitBatch(service, merchant, [ibanItem(13, '5.00')]);
    await waitUntilFinal(service, merchant, second);
    const after = await service.db.query('select status, open_count, total_successful_amount, completed_at from batches where id = $1', [requestId]);
    expect(after.rows).toEqual(before.rows);
    // Re-auth of a finished batch is a safe no-op.
    const reauth = await service.signed(merchant, 'POST', '/v1/mass/payout/auth', { requestId });
    expect(reauth.status).toBe(200);
    expect((await retrieveBatch(service, merchant, requestId)).massPayout.massPayoutStatus).toBe('COMPLETED');
    expect(await balanceOf(service, merchant)).toEqual({ available: '65', reserved: '0' });
    await expectBooksBalanced(service.db);
  });
});

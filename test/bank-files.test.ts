import { readdir, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runBankSimulator } from '../src/bank-simulator/simulator.ts';
import { buildCamt054 } from '../src/rails/iso20022/camt054.ts';
import { endToEndIdOf } from '../src/rails/iso20022/end-to-end-id.ts';
import { buildPain002 } from '../src/rails/iso20022/pain002.ts';
import type { FileRailLoop } from '../src/rails/iso20022/start-file-rail.ts';
import { itemStories } from './support/item-stories.ts';
import { bankFolders, outboxFiles, startFileRailEngine } from './support/bank-files.ts';
import { operatorSession } from './support/console-http.ts';
import { waitFor } from './support/wait.ts';
import { ibanItem } from './support/items.ts';
import { schemaErrors } from './support/iso20022-xsd.ts';
import { balanceOf, retrieveBatch, submitBatch, waitUntilFinal, type TestWorkers } from './support/processing.ts';
import { expectBooksBalanced, startTestService, type TestMerchant, type TestService } from './support/service.ts';

/**
 * The ISO 20022 bank rail end to end, in this process: the real engine (workers, the file rail's
 * rounds) on the test database, and the bank simulator on the same folders. The simulator starts
 * only in the second test: the first plays the bank by hand, rejecting a whole file.
 */
let service: TestService;
let workers: TestWorkers;
let files: FileRailLoop;
let folders: Awaited<ReturnType<typeof bankFolders>>;
const logs: string[] = [];
const simulator = new AbortController();
let simulated: Promise<void> | undefined;

beforeAll(async () => {
  service = await startTestService();
  folders = await bankFolders();
  const log = (line: string) => logs.push(line);
  ({ workers, files } = startFileRailEngine(service, folders.config, 'worker:test/bank-files', log));
});
afterAll(async () => {
  simulator.abort();
  await simulated;
  await workers?.stop();
  await files?.stop();
  await service?.close();
  await folders?.remove();
});

const startSimulator = () => {
  simulated ??= runBankSimulator({ outboxDir: folders.config.outboxDir, inboxDir: folders.config.inboxDir, pollMs: 50, pendingMs: 500, returnAfterMs: 800, log: (line) => logs.push(line) }, simulator.signal);
};

const fileRows = async (direction: 'OUT' | 'IN') =>
  (await service.db.query<{ msg_id: string | null; name: string; state: string; tx_count: number; reason: string | null }>('select msg_id, name, state, tx_count, reason from bank_files where direction = $1 order by id', [direction])).rows;

const itemsOf = async (merchant: TestMerchant, requestId: string) => {
  const page = await retrieveBatch(service, merchant, requestId);
  return Object.fromEntries(page.massPayoutItems.items.map((item: any) => [item.itemExternalId, item]));
};

/** Each key in exactly one file the bank has not rejected whole, and every pain.001 valid against the official schema. */
async function expectOneTransactionPerKey() {
  const written = await outboxFiles(folders.config.outboxDir);
  const rejected = new Set((await fileRows('OUT')).filter((f) => f.state === 'REISSUED' || f.state === 'REJECTED').map((f) => f.msg_id));
  const seen = new Map<string, number>();
  for (const file of written) {
    expect(schemaErrors('pain.001.001.09', file.xml), file.name).toEqual([]);
    if (rejected.has(file.msgId)) continue;
    for (const id of file.endToEndIds) seen.set(id, (seen.get(id) ?? 0) + 1);
  }
  expect([...seen].filter(([, n]) => n !== 1)).toEqual([]);
  const recorded = await service.db.query<{ n: number }>('select count(*)::int as n from bank_file_transactions');
  expect(seen.size).toBe(recorded.rows[0].n);
}

async function auditVerifies() {
  const verified = await service.admin('GET', '/admin/v1/audit/verify');
  expect(verified.json).toEqual({ ok: true });
}

describe('the ISO 20022 bank rail through files', () => {
  it('a file the bank rejects whole waits for an operator, whose re-issue carries the same EndToEndIds in a new file', async () => {
    const merchant = await service.createMerchant({ fixed: '1.00' });
    await service.deposit(merchant, '1000');
    const requestId = await submitBatch(service, merchant, [ibanItem(1, '10.00'), ibanItem(2, '20.00')]);
    const [file] = await waitFor(async () => ((await fileRows('OUT')).some((f) => f.state === 'SUBMITTED') ? fileRows('OUT') : undefined), 20_000, () => JSON.stringify(logs));
    expect(file).toMatchObject({ state: 'SUBMITTED', tx_count: 2 });

    // The bank refuses the file unprocessed (FF01, invalid file format).
    const report = buildPain002({ version: 'pain.002.001.10', msgId: 'BANKRJCT1', createdAt: new Date(), originalMsgId: file.msg_id!, originalMsgName: 'pain.001.001.09', originalTxCount: 2, groupStatus: 'RJCT', groupReason: 'FF01', transactions: [] });
    expect(schemaErrors('pain.002.001.10', report)).toEqual([]);
    await writeFile(path.join(folders.config.inboxDir, 'pain.002.BANKRJCT1.xml'), report);
    await waitFor(async () => ((await fileRows('OUT'))[0].state === 'REJECTED' ? true : undefined), 10_000, async () => JSON.stringify([await fileRows("OUT"), logs]));
    expect((await fileRows('OUT'))[0].reason).toBe('FF01');
    const parked = await service.db.query<{ status: string }>('select status from bank_file_transactions order by end_to_end_id');
    expect(parked.rows.map((r) => r.status)).toEqual(['FILE_REJECTED', 'FILE_REJECTED']);
    expect((await itemsOf(merchant, requestId))['item-1'].itemStatus).toBe('QUEUED');

    const unknown = await service.admin('POST', '/admin/v1/rails/bank-files/NOSUCHFILE/reissue', {});
    expect([unknown.status, unknown.json.errorCode]).toEqual([404, '7300']);
    const reissued = await service.admin('POST', `/admin/v1/rails/bank-files/${file.msg_id}/reissue`, {});
    expect(reissued.status, reissued.text).toBe(200);
    expect(reissued.json).toMatchObject({ txCount: 2 });
    const again = await service.admin('POST', `/admin/v1/rails/bank-files/${file.msg_id}/reissue`, {});
    expect([again.status, again.json.errorCode]).toEqual([409, '7301']);

    startSimulator();
    expect(await waitUntilFinal(service, merchant, requestId, 60_000)).toMatchObject({ massPayoutStatus: 'COMPLETED', totalSuccessfulAmount: 30 });
    const written = await outboxFiles(folders.config.outboxDir);
    expect(written.map((f) => f.endToEndIds.sort())).toEqual([written[0].endToEndIds, written[0].endToEndIds]);
    // The booking can settle the items before the file's own status report is applied: wait for it.
    await expect.poll(async () => (await fileRows('OUT')).map((f) => f.state), { timeout: 30_000 }).toEqual(['REISSUED', 'ACCEPTED']);
    await expectOneTransactionPerKey();
    await expectBooksBalanced(service.db);
    await auditVerifies();
  }, 90_000);

  it('pays, rejects (refunded, the reason shown), settles late, and takes back a return after success', async () => {
    const merchant = await service.createMerchant({ fixed: '1.00' });
    await service.deposit(merchant, '1000');
    const items = [
      { ...ibanItem(11, '100.00'), itemExternalId: 'paid' },
      { ...ibanItem(99, '40.00'), itemExternalId: 'rejected' },
      { ...ibanItem(98, '60.00'), itemExternalId: 'late' },
      { ...ibanItem(97, '25.00'), itemExternalId: 'returned' },
    ];
    const requestId = await submitBatch(service, merchant, items);
    expect(await waitUntilFinal(service, merchant, requestId, 60_000)).toMatchObject({ massPayoutStatus: 'COMPLETED', totalSuccessfulAmount: 185, totalCommissionAmount: 3 });

    const returned = await waitFor(async () => {
      const item = (await itemsOf(merchant, requestId)).returned;
      return item.returnedAmount === null ? undefined : item;
    }, 20_000, () => JSON.stringify(logs.slice(-5)));
    expect(returned).toMatchObject({ itemStatus: 'SUCCESS', returnedAmount: 25, bankReasonCode: 'AC06', returnReason: 'The recipient account is blocked' });
    expect(returned.returnedDate).toMatch(/^\d{4}-\d{2}-\d{2}T/);
    const byId = await itemsOf(merchant, requestId);
    expect(byId.paid).toMatchObject({ itemStatus: 'SUCCESS', returnedAmount: null, bankReasonCode: null });
    expect(byId.late).toMatchObject({ itemStatus: 'SUCCESS', returnedAmount: null });
    expect(byId.rejected).toMatchObject({ itemStatus: 'DEPOSIT_SUCCESS', errorMessages: ['The recipient account is closed'], bankReasonCode: 'AC04' });
    const detail = await service.signed(merchant, 'GET', `/v1/mass/payout/retrieve/items/${byId.returned.referenceCode}`, {}, { query: '?locale=tr' });
    expect(detail.json.item).toMatchObject({ returnedAmount: 25, bankReasonCode: 'AC06', returnReason: 'Alıcı hesabı işleme kapalı' });

    // 1000 − (100 + 1) − (60 + 1) − (25 + 1) + 25 returned; the commission of the returned item stays charged.
    expect(await balanceOf(service, merchant)).toEqual({ available: '837', reserved: '0' });
    const event = await service.db.query<{ after: any }>(`select after from audit_events where action = 'item.returned' and entity = $1`, [`item:${byId.returned.referenceCode}`]);
    expect(event.rows.map((r) => r.after)).toEqual([{ status: 'SUCCESS', returnedAmount: '2500', returnedOn: expect.stringMatching(/^\d{4}-\d{2}-\d{2}$/), bankReason: 'AC06' }]);
    // Settled by the reports as they were applied, not by a status check (those wait limits.bankItemCheckMs).
    const stories = await itemStories(service.db, requestId);
    const settledBy = [byId.paid.referenceCode, byId.rejected.referenceCode].map((code) =>
      stories.get(code)!.filter((step) => step.action === 'item.status' && ['SUCCESS', 'FAILED'].includes(step.after.status)).map((step) => step.actor),
    );
    expect(settledBy).toEqual([['worker:test/bank-files'], ['worker:test/bank-files']]);
    await expectOneTransactionPerKey();
    await expectBooksBalanced(service.db);
    await auditVerifies();
  }, 90_000);

  it('rejects a tampered or truncated report whole, changes nothing, and records an unknown EndToEndId as an exception', async () => {
    const before = await service.db.query('select * from bank_file_transactions order by end_to_end_id');
    const processed = path.join(folders.config.inboxDir, 'processed');
    const names = await readdir(processed);
    const camt = await readFile(path.join(processed, names.find((n) => n.startsWith('camt.054.'))!), 'utf8');
    const pain002 = await readFile(path.join(processed, names.find((n) => n.startsWith('pain.002.BNK'))!), 'utf8');

    // Tampered: another message id, and one booking raised by 1.00 (entry and transaction alike, so the file is self-consistent).
    const msgId = /<MsgId>([^<]+)<\/MsgId>/.exec(camt)![1];
    const raise = (xml: string, after: string) => {
      const open = '<Amt Ccy="TRY">';
      const start = xml.indexOf(open, xml.indexOf(after)) + open.length;
      const end = xml.indexOf('</Amt>', start);
      return xml.slice(0, start) + (Number(xml.slice(start, end)) + 1).toFixed(2) + xml.slice(end);
    };
    const tampered = raise(raise(camt.replaceAll(msgId, 'TAMPERED1'), '<Ntry>'), '<TxDtls>');
    await writeFile(path.join(folders.config.inboxDir, 'camt.054.TAMPERED1.xml'), tampered);
    await writeFile(path.join(folders.config.inboxDir, 'pain.002.TRUNCATED.xml'), pain002.slice(0, Math.floor(pain002.length / 2)));

    const rejected = path.join(folders.config.inboxDir, 'rejected');
    const alerts = () => logs.filter((l) => l.startsWith('ALERT operator: bank file'));
    // The alert is the last step of a rejection (after the reason file and the move).
    await waitFor(async () => (alerts().length === 2 ? true : undefined), 10_000, () => JSON.stringify(logs.slice(-5)));
    expect((await readdir(rejected)).sort()).toEqual(['camt.054.TAMPERED1.xml', 'camt.054.TAMPERED1.xml.reason.txt', 'pain.002.TRUNCATED.xml', 'pain.002.TRUNCATED.xml.reason.txt']);
    expect(await readFile(path.join(rejected, 'camt.054.TAMPERED1.xml.reason.txt'), 'utf8')).toMatch(/DBIT of \d+ TRY, sent \d+ TRY/);
    expect(await readFile(path.join(rejected, 'pain.002.TRUNCATED.xml.reason.txt'), 'utf8')).toMatch(/not well-formed XML/);
    expect((await service.db.query('select * from bank_file_transactions order by end_to_end_id')).rows).toEqual(before.rows);
    expect((await fileRows('IN')).filter((f) => f.state === 'REJECTED').map((f) => f.name).sort()).toEqual(['camt.054.TAMPERED1.xml', 'pain.002.TRUNCATED.xml']);

    // Once per message: the same file again (under another name) changes nothing and is filed as processed;
    // another file under a message id already applied is rejected whole.
    const reportId = /<MsgId>([^<]+)<\/MsgId>/.exec(pain002)![1];
    await writeFile(path.join(folders.config.inboxDir, 'pain.002.AGAIN.xml'), pain002);
    await writeFile(path.join(folders.config.inboxDir, 'pain.002.OTHER.xml'), pain002.replace(/<CreDtTm>[^<]*/, '<CreDtTm>2020-01-01T00:00:00Z'));
    await waitFor(async () => (alerts().length === 3 ? true : undefined), 10_000, () => JSON.stringify(logs.slice(-5)));
    expect(await readFile(path.join(rejected, 'pain.002.OTHER.xml.reason.txt'), 'utf8')).toBe(`message ${reportId} was applied already, from a file with other content\n`);
    await waitFor(async () => ((await readdir(processed)).includes('pain.002.AGAIN.xml') ? true : undefined), 10_000, () => JSON.stringify(logs.slice(-5)));
    expect((await service.db.query<{ n: number }>(`select count(*)::int as n from bank_files where direction = 'IN' and msg_id = $1`, [reportId])).rows[0].n).toBe(1);
    expect((await service.db.query('select * from bank_file_transactions order by end_to_end_id')).rows).toEqual(before.rows);

    // A booking naming an EndToEndId we never sent: recorded for the operator, nothing guessed.
    const stranger = endToEndIdOf('0badc0de-0000-4000-8000-000000000000');
    await writeFile(
      path.join(folders.config.inboxDir, 'camt.054.STRANGER1.xml'),
      buildCamt054({ version: 'camt.054.001.08', msgId: 'STRANGER1', createdAt: new Date(), accountIban: folders.config.debtor.iban, entries: [{ direction: 'DBIT', bookingDate: '2026-12-01', transactions: [{ endToEndId: stranger, amount: 500n, currency: 'TRY' }] }] }),
    );
    const listed = await waitFor(async () => {
      const response = await service.admin('GET', '/admin/v1/rails/bank-files/exceptions');
      return response.json.exceptions.some((e: any) => e.endToEndId === stranger) ? response.json.exceptions : undefined;
    }, 10_000, () => JSON.stringify(logs.slice(-5)));
    expect(listed.find((e: any) => e.endToEndId === stranger)).toMatchObject({ fileName: 'camt.054.STRANGER1.xml', kind: 'UNKNOWN_END_TO_END_ID' });
    expect((await service.db.query('select * from bank_file_transactions order by end_to_end_id')).rows).toEqual(before.rows);

    const listing = await service.admin('GET', '/admin/v1/rails/bank-files?direction=OUT');
    expect(listing.status).toBe(200);
    expect(listing.json.files.every((f: any) => f.direction === 'OUT' && /^pain\.001\.MP/.test(f.name))).toBe(true);
    await expectBooksBalanced(service.db);
  }, 60_000);

  it("the console's bank files page lists every file out and in with its state and counts, and the exceptions", async () => {
    const operator = await operatorSession(service.url, service.adminToken);
    const all = await operator.get('/console/bank-files');
    expect(all.status).toBe(200);
    const rows = await service.db.query<{ name: string; state: string; tx_count: number; direction: string }>('select name, state, tx_count, direction from bank_files order by id');
    expect(rows.rows.some((f) => f.direction === 'OUT') && rows.rows.some((f) => f.direction === 'IN')).toBe(true);
    for (const file of rows.rows) {
      const row = new RegExp(`<tr data-bank-file="${file.name.replaceAll('.', '\\.')}">(.*?)</tr>`).exec(all.text)?.[1];
      expect(row, file.name).toBeDefined();
      expect(row).toContain(`<span class="badge">${file.state}</span>`);
      expect(row).toContain(`<td class="num">${file.tx_count}</td>`);
    }
    const exceptions = all.text.slice(all.text.indexOf('id="exceptions-heading"'));
    expect(exceptions).toMatch(/<code>camt\.054\.STRANGER1\.xml<\/code><\/td><td>[^<]+<\/td><td>UNKNOWN_END_TO_END_ID<\/td>/);
    // The filters are the admin API's: direction and state.
    const rejectedIn = await operator.get('/console/bank-files?direction=IN&state=REJECTED');
    const listed = [...rejectedIn.text.matchAll(/data-bank-file="([^"]+)"/g)].map((m) => m[1]).sort();
    const expected = rows.rows.filter((f) => f.direction === 'IN' && f.state === 'REJECTED').map((f) => f.name).sort();
    expect(expected).toEqual(expect.arrayContaining(['camt.054.TAMPERED1.xml', 'pain.002.TRUNCATED.xml']));
    expect(listed).toEqual(expected);
  }, 60_000);
});

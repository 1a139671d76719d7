import { readdir } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runBankSimulator } from '../src/bank-simulator/simulator.ts';
import { endToEndIdOf } from '../src/rails/iso20022/end-to-end-id.ts';
import { sftpFolders } from '../src/rails/iso20022/sftp-folders.ts';
import type { FileRailLoop } from '../src/rails/iso20022/start-file-rail.ts';
import { bankFolders, outboxFiles, startFileRailEngine } from './support/bank-files.ts';
import { schemaErrors } from './support/iso20022-xsd.ts';
import { ibanItem } from './support/items.ts';
import { balanceOf, retrieveBatch, submitBatch, waitUntilFinal, type TestWorkers } from './support/processing.ts';
import { expectBooksBalanced, startTestService, type TestService } from './support/service.ts';
import { waitUntil } from './support/wait.ts';
import { sshdMissing, sshdPath, startSshd, type TestSshd } from './support/sshd.ts';

/**
 * A payout through the ISO 20022 bank rail whose files travel over SFTP: the engine (workers and the
 * file rail's rounds, in this process) reaches its outbox and inbox only through a real OpenSSH
 * server started here (MASSPAYOUT_ISO20022_SFTP_URL and its key), and the bank simulator plays the
 * bank on the server's side, answering in the same folders.
 */
describe.skipIf(sshdMissing)(`a payout over SFTP (a real OpenSSH server; needs ${sshdPath}, Debian's openssh-server, which .ci/run installs)`, () => {
  let sshd: TestSshd;
  let service: TestService;
  let workers: TestWorkers;
  let files: FileRailLoop;
  let folders: Awaited<ReturnType<typeof bankFolders>>;
  const logs: string[] = [];
  const simulator = new AbortController();
  let simulated: Promise<void> | undefined;

  beforeAll(async () => {
    sshd = await startSshd();
    service = await startTestService();
    folders = await bankFolders({ transport: { kind: 'sftp', url: sshd.url, privateKeyFile: sshd.privateKeyFile } });
    // The folders are paths on the server (this machine's, under the server's temp dir).
    folders.config.outboxDir = path.join(sshd.dir, 'outbox');
    folders.config.inboxDir = path.join(sshd.dir, 'inbox');
    const log = (line: string) => logs.push(line);
    ({ workers, files } = startFileRailEngine(service, folders.config, 'worker:test/bank-sftp', log));
    simulated = runBankSimulator({ outboxDir: folders.config.outboxDir, inboxDir: folders.config.inboxDir, pollMs: 50, log }, simulator.signal);
  }, 180_000);

  afterAll(async () => {
    simulator.abort();
    await simulated;
    await workers?.stop();
    await files?.stop();
    await service?.close();
    await folders?.remove();
    await sshd?.stop();
  });

  it('pays the batch, refunds the item the bank rejects with its reason, and keeps the books and the audit chain', async () => {
    const merchant = await service.createMerchant({ fixed: '1.00' });
    await service.deposit(merchant, '1000');
    const items = [
      { ...ibanItem(11, '100.00'), itemExternalId: 'paid-1' },
      { ...ibanItem(12, '50.00'), itemExternalId: 'paid-2' },
      { ...ibanItem(99, '40.00'), itemExternalId: 'rejected' },
    ];
    const requestId = await submitBatch(service, merchant, items);
    expect(await waitUntilFinal(service, merchant, requestId, 60_000)).toMatchObject({ massPayoutStatus: 'COMPLETED', totalSuccessfulAmount: 150, totalCommissionAmount: 2 });

    const page = await retrieveBatch(service, merchant, requestId);
    const byId = Object.fromEntries(page.massPayoutItems.items.map((item: any) => [item.itemExternalId, item]));
    expect(byId['paid-1']).toMatchObject({ itemStatus: 'SUCCESS', bankReasonCode: null });
    expect(byId['paid-2']).toMatchObject({ itemStatus: 'SUCCESS', bankReasonCode: null });
    expect(byId.rejected).toMatchObject({ itemStatus: 'DEPOSIT_SUCCESS', errorMessages: ['The recipient account is closed'], bankReasonCode: 'AC04' });
    // 1000 − (100 + 1) − (50 + 1); the rejected 40 + 1 is back.
    expect(await balanceOf(service, merchant)).toEqual({ available: '848', reserved: '0' });

    // One pain.001, on the server, valid against the official schema, with the three keys once each.
    const written = await outboxFiles(folders.config.outboxDir);
    expect(written).toHaveLength(1);
    expect(schemaErrors('pain.001.001.09', written[0].xml)).toEqual([]);
    expect(written[0].endToEndIds.sort()).toEqual(Object.values(byId).map((item: any) => endToEndIdOf(item.referenceCode)).sort());

    // The engine reached its folders through the server alone (its transport is SFTP): the server
    // accepted its key and served it SFTP sessions, and the reports it read are filed on the server.
    // The batch is final once the pain.002 is applied; the camt.054 booking the debits may be filed a round later.
    const processed = path.join(folders.config.inboxDir, 'processed');
    await waitUntil(`a pain.002 and a camt.054 filed in ${processed}`, async () => {
      const reports = await readdir(processed).catch(() => []);
      return reports.some((name) => name.startsWith('pain.002.')) && reports.some((name) => name.startsWith('camt.054.'));
    }, 30_000);
    expect(sshd.log()).toMatch(/Accepted publickey for \S+ from 127\.0\.0\.1/);
    expect(sshd.log()).toMatch(/Starting session: subsystem 'sftp'/);
    expect(logs.filter((line) => line.startsWith('ALERT') || line.includes('failed (tried again'))).toEqual([]);

    const transactions = await service.db.query<{ status: string; reason_code: string | null }>('select status, reason_code from bank_file_transactions order by status');
    expect(transactions.rows).toEqual([
      { status: 'PAID', reason_code: null },
      { status: 'PAID', reason_code: null },
      { status: 'REJECTED', reason_code: 'AC04' },
    ]);
    await expectBooksBalanced(service.db);
    const verified = await service.admin('GET', '/admin/v1/audit/verify');
    expect(verified.json).toEqual({ ok: true });
  }, 90_000);

  it('takes calls made at once (the rail sends and receives in two loops) on one connection, one after another', async () => {
    const sessions = () => sshd.log().split("Starting session: subsystem 'sftp'").length - 1;
    const before = sessions();
    const shared = await sftpFolders({ url: sshd.url, privateKeyFile: sshd.privateKeyFile });
    const dir = path.join(sshd.dir, 'at-once');
    try {
      const names = Array.from({ length: 12 }, (_, i) => `file-${String(i).padStart(2, '0')}.xml`);
      const written = await Promise.all([...names.map((name) => shared.writeNew(dir, name, `<${name}/>`)), shared.list(dir)]);
      expect(written.slice(0, names.length)).toEqual(names.map(() => 'written'));
      const [listed, ...contents] = await Promise.all([shared.list(dir), ...names.map((name) => shared.read(dir, name))]);
      expect(listed.map((entry) => entry.name)).toEqual(names);
      expect(contents.map((bytes) => bytes.toString('utf8'))).toEqual(names.map((name) => `<${name}/>`));
      await waitUntil('the server to log the session', async () => sessions() > before, 5_000);
      expect(sessions() - before).toBe(1);
    } finally {
      await shared.close();
    }
  }, 60_000);
});

import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Db } from '../src/db/port.ts';
import { outboxFiles } from './support/bank-files.ts';
import { ensureGone, expectKilledAt, expectOperatorChecksPass, newPayer, sharedEnv, startServe, stopGracefully, submit, type Served } from './support/deployment.ts';
import { waitUntilBatchFinal } from './support/exactly-once.ts';
import { ibanItem } from './support/items.ts';
import { installationDb } from './support/db.ts';
import { type CliProcess, runCli } from './support/process.ts';
import { expectBooksBalanced } from './support/service.ts';

/**
 * The ISO 20022 rail killed with SIGKILL: a `masspayout worker` dies between recording a pain.001
 * and writing it into the outbox, then another between reading the bank's report and applying it;
 * restarted without the failpoint, with `masspayout bank-simulator` answering, every item ends
 * final, every key is in exactly one file, the books balance and the audit trail verifies.
 */
const databaseUrl = process.env.DATABASE_URL;

describe.skipIf(!databaseUrl)('the bank rail killed with SIGKILL (needs DATABASE_URL=postgres://…; CI sets it in its second run)', () => {
  let env: Record<string, string>;
  let served: Served;
  let db: Db;
  let dir: string;
  const running: CliProcess[] = [];
  const cleanups: Array<() => Promise<void>> = [];

  beforeAll(async () => {
    const database = await installationDb({ required: true });
    cleanups.push(database.drop);
    dir = await mkdtemp(path.join(tmpdir(), 'masspayout-crash-bank-'));
    cleanups.push(() => rm(dir, { recursive: true, force: true }));
    env = sharedEnv({
      ...database.env,
      MASSPAYOUT_DATA_DIR: path.join(dir, 'data'),
      MASSPAYOUT_BANK_RAIL: 'iso20022',
      MASSPAYOUT_ISO20022_OUTBOX_DIR: path.join(dir, 'outbox'),
      MASSPAYOUT_ISO20022_INBOX_DIR: path.join(dir, 'inbox'),
      MASSPAYOUT_ISO20022_DEBTOR_IBAN: 'TR330006100519786457841326',
      MASSPAYOUT_ISO20022_DEBTOR_NAME: 'Crash Test Payer',
      MASSPAYOUT_ISO20022_FILE_INTERVAL_MS: '300',
      MASSPAYOUT_ISO20022_INBOX_POLL_MS: '100',
    });
    served = await startServe({ ...env, MASSPAYOUT_WORKER_CONCURRENCY: '0' });
    running.push(served.cli);
    db = await database.open();
  }, 180_000);

  afterAll(async () => {
    for (const cli of running) await ensureGone(cli);
    for (const cleanup of cleanups.reverse()) await cleanup().catch(() => undefined);
  }, 120_000);

  it('loses nothing and pays nothing twice', async () => {
    const payer = await newPayer(served);
    const items = [...Array.from({ length: 20 }, (_, i) => ibanItem(i + 1, '10.00')), ibanItem(99, '40.00'), ibanItem(98, '60.00')];
    const requestId = await submit(payer, items);

    const first = runCli(['worker'], { ...env, MASSPAYOUT_FAILPOINT: 'after-file-recorded' });
    running.push(first);
    await expectKilledAt(first, 'after-file-recorded');
    const recorded = await db.query<{ state: string }>(`select state from bank_files where direction = 'OUT'`);
    expect(recorded.rows.map((r) => r.state)).toEqual(['RECORDED']);
    expect(await outboxFiles(env.MASSPAYOUT_ISO20022_OUTBOX_DIR)).toEqual([]);

    const simulator = runCli(['bank-simulator', '--outbox', env.MASSPAYOUT_ISO20022_OUTBOX_DIR, '--inbox', env.MASSPAYOUT_ISO20022_INBOX_DIR, '--pending-ms', '300'], {});
    running.push(simulator);
    const second = runCli(['worker'], { ...env, MASSPAYOUT_FAILPOINT: 'before-report-applied' });
    running.push(second);
    await expectKilledAt(second, 'before-report-applied');
    const applied = await db.query<{ n: number }>(`select count(*)::int as n from bank_files where direction = 'IN'`);
    expect(applied.rows[0].n).toBe(0);

    const third = runCli(['worker'], env);
    running.push(third);
    expect(await waitUntilBatchFinal(db, requestId, 120_000)).toBe('COMPLETED');
    await stopGracefully(third);
    simulator.child.kill('SIGTERM');

    const files = await outboxFiles(env.MASSPAYOUT_ISO20022_OUTBOX_DIR);
    const ids = files.flatMap((f) => f.endToEndIds);
    expect(ids.length).toBe(items.length);
    expect(new Set(ids).size).toBe(items.length);
    const statuses = await db.query<{ status: string; n: number }>(`select status, count(*)::int as n from items where batch_id = $1 group by status order by status`, [requestId]);
    expect(statuses.rows).toEqual([{ status: 'DEPOSIT_SUCCESS', n: 1 }, { status: 'SUCCESS', n: 21 }]);
    const posted = await db.query<{ n: number }>(`select count(*)::int as n from (select item_id, kind from ledger_transfers where item_id is not null group by item_id, kind having count(*) > 1) d`);
    expect(posted.rows[0].n).toBe(0);
    await expectBooksBalanced(db);
    await expectOperatorChecksPass(served);
    await stopGracefully(served.cli);
  }, 400_000);
});

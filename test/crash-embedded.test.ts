import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { openDb } from '../src/db/open.ts';
import type { Db } from '../src/db/port.ts';
import { parseMinor } from '../src/money.ts';
import { chunkFailpoints, type ChunkFailpoint } from '../src/workers/failpoints.ts';
import { expectCrashState } from './support/crash-state.ts';
import { ensureGone, expectBalance, expectKilledAt, expectOperatorChecksPass, newPayer, payerOn, sharedEnv, startServe, stopGracefully } from './support/deployment.ts';
import { expectSettledExactlyOnce } from './support/exactly-once.ts';
import { mixedItems } from './support/mixed-items.ts';
import type { CliProcess } from './support/process.ts';
import { expectBooksBalanced } from './support/service.ts';

/**
 * Exactly once on the embedded default: the workers run inside `masspayout serve` on PGlite, so the
 * whole service is killed with SIGKILL at the failpoint — the embedded database's process with it,
 * in the middle of whatever it was writing — and started again on the same data dir. PGlite
 * recovers its data dir like PostgreSQL does (WAL replay) and the engine finishes the batch.
 * The data dir is also opened by this test between the two runs, to see what the kill left.
 *
 * PostgreSQL runs of the suite skip this file: crash-workers.test.ts kills worker processes there.
 */
const onServer = Boolean(process.env.DATABASE_URL);

describe.skipIf(onServer)('the embedded service killed with SIGKILL and restarted on its data dir (runs when DATABASE_URL is unset)', () => {
  const cleanups: Array<() => Promise<void>> = [];
  const running: CliProcess[] = [];
  afterEach(async () => {
    for (const cli of running.splice(0)) await ensureGone(cli);
    for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
  }, 60_000);

  /** Opens the data dir in this process (the service must be down), runs `look`, closes it. */
  async function inDataDir<T>(dataDir: string, look: (db: Db) => Promise<T>): Promise<T> {
    const db = await openDb({ dataDir });
    try {
      return await look(db);
    } finally {
      await db.close();
    }
  }

  it.each(chunkFailpoints.map((failpoint) => [failpoint]))(
    'SIGKILL of serve at %s, restart on the same data dir: every item final, one bank transfer per key, one posting per item and kind, books balanced',
    async (failpoint: ChunkFailpoint) => {
      const dataDir = await mkdtemp(path.join(tmpdir(), 'masspayout-crash-embedded-'));
      cleanups.push(() => rm(dataDir, { recursive: true, force: true }));
      const env = sharedEnv({ MASSPAYOUT_DATA_DIR: dataDir });

      const first = await startServe({ ...env, MASSPAYOUT_FAILPOINT: failpoint });
      running.push(first.cli);
      await first.admin.addMember({ memberId: '9001', name: 'Wallet Member' });
      const payer = await newPayer(first);
      const init = await payer.client.init({ externalId: `crash-embedded-${failpoint}`, items: mixedItems(300, 50_000, '9001', '9999') as never });
      expect(init.invalidItems).toEqual([]);
      // The workers start on the batch as soon as auth commits; the kill may cut auth's answer.
      await payer.client.auth(init.requestId).catch(async (error: unknown) => {
        await first.cli.exited(30_000).catch(() => undefined);
        if (first.cli.child.signalCode !== 'SIGKILL') throw error;
      });
      await expectKilledAt(first.cli, failpoint);

      await inDataDir(dataDir, (db) => expectCrashState(db, init.requestId, failpoint));

      const second = await startServe(env);
      running.push(second.cli);
      const client = payerOn(second.url, payer);
      const progress = await client.client.waitUntilFinal(init.requestId, { intervalMs: 200, timeoutMs: 120_000 });
      expect(progress.status).toBe('COMPLETED');
      const { massPayout } = await client.client.retrieve({ requestId: init.requestId, page: 0, size: 1 });
      const spent = { paid: parseMinor(String(massPayout.totalSuccessfulAmount))!, commission: parseMinor(String(massPayout.totalCommissionAmount))! };
      await expectBalance(client, spent);
      await expectOperatorChecksPass(second);
      await stopGracefully(second.cli);

      const settled = await inDataDir(dataDir, async (db) => {
        await expectBooksBalanced(db);
        return expectSettledExactlyOnce(db, init.requestId);
      });
      expect(settled).toMatchObject({ status: 'COMPLETED', items: { SUCCESS: 285, DEPOSIT_SUCCESS: 15 }, ...spent });
    },
    300_000,
  );
});

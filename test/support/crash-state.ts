import { expect } from 'vitest';
import type { Queryable } from '../../src/db/port.ts';
import type { Failpoint } from '../../src/workers/failpoints.ts';
import { batchSnapshot } from './exactly-once.ts';

/**
 * The state the kill left, read before the restart, so each test proves its failpoint landed where
 * it says: nothing at the bank before the rail call; transfers at the bank but nothing settled
 * between the answer and the post; something settled, but not the whole batch, after the post.
 */
export async function expectCrashState(db: Queryable, requestId: string, failpoint: Failpoint): Promise<void> {
  const state = await db.query<{ bank: number; posted: number; settled: number; queued: number }>(
    `select
       (select count(*)::int from sandbox_bank_transfers b join items i on i.reference_code::text = b.idempotency_key where i.batch_id = $1) as bank,
       (select count(*)::int from ledger_transfers t join items i on i.id = t.item_id where i.batch_id = $1) as posted,
       (select count(*)::int from items where batch_id = $1 and status in ('SUCCESS', 'DEPOSIT_SUCCESS')) as settled,
       (select count(*)::int from items where batch_id = $1 and status = 'QUEUED') as queued`,
    [requestId],
  );
  const now = state.rows[0];
  const where = `${failpoint}: ${JSON.stringify(now)}, batch ${JSON.stringify(await batchSnapshot(db, requestId))}`;
  switch (failpoint) {
    case 'before-rail':
      expect(now.queued, where).toBeGreaterThan(0);
      expect([now.bank, now.posted, now.settled], where).toEqual([0, 0, 0]);
      break;
    case 'after-rail':
      expect(now.bank, where).toBeGreaterThan(0);
      expect([now.posted, now.settled], where).toEqual([0, 0]);
      break;
    case 'after-post':
      expect(now.settled, where).toBeGreaterThan(0);
      expect(now.posted, where).toBeGreaterThan(0);
      expect(['IN_PROGRESS', 'PUBLISHED_TO_QUEUE'], where).toContain((await batchSnapshot(db, requestId)).status);
      break;
  }
}

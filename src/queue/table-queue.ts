import { appendAudit, type Actor } from '../audit/append.ts';
import type { Tx } from '../db/port.ts';
import type { AuthorizedBatch, BatchQueue } from './port.ts';

/**
 * The embedded queue is the items table itself: once auth's transaction commits, the PROCESSING
 * items are durably in the queue, so the batch is PUBLISHED_TO_QUEUE in that same transaction.
 */
export const tableQueue: BatchQueue = {
  kind: 'table',
  async enqueueAuthorized(tx: Tx, batch: AuthorizedBatch, actor: Actor) {
    const moved = await tx.query(`update batches set status = 'PUBLISHED_TO_QUEUE' where id = $1 and status = 'IN_PROGRESS'`, [batch.id]);
    if (moved.rowCount !== 1) throw new Error(`batch ${batch.id} was not IN_PROGRESS when queued`);
    await appendAudit(tx, { chainId: batch.merchantId, actor, requestId: batch.id }, [
      { action: 'batch.status', entity: `batch:${batch.id}`, before: { status: 'IN_PROGRESS' }, after: { status: 'PUBLISHED_TO_QUEUE' } },
    ]);
  },
};

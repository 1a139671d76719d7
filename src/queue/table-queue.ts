import { appendAudit, type Actor } from '../audit/append.ts';
import type { Tx } from '../db/port.ts';
import type { AuthorizedBatch, BatchQueue } from '../payouts/batch-queue.ts';
import { writeWorkChunks } from './work-chunks.ts';

/**
 * The embedded queue is the database itself: auth's transaction writes the batch's work chunks, due
 * at once, so once it commits the batch is durably in the queue and PUBLISHED_TO_QUEUE in that
 * same transaction.
 */
export function tableQueue(chunkItems: number): BatchQueue {
  return {
    kind: 'table',
    async enqueueAuthorized(tx: Tx, batch: AuthorizedBatch, actor: Actor) {
      await writeWorkChunks(tx, batch, chunkItems, 0);
      const moved = await tx.query(`update batches set status = 'PUBLISHED_TO_QUEUE' where id = $1 and status = 'IN_PROGRESS'`, [batch.id]);
      if (moved.rowCount !== 1) throw new Error(`batch ${batch.id} was not IN_PROGRESS when queued`);
      await appendAudit(tx, { chainId: batch.merchantId, actor, requestId: batch.id }, [
        { action: 'batch.status', entity: `batch:${batch.id}`, before: { status: 'IN_PROGRESS' }, after: { status: 'PUBLISHED_TO_QUEUE' } },
      ]);
    },
  };
}

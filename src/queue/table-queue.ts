import type { TransactionEvents } from '../audit/transaction-events.ts';
import type { Tx } from '../db/port.ts';
import type { AuthorizedBatch, BatchQueue } from '../payouts/batch-queue.ts';
import { moveBatch } from '../payouts/batch-transitions.ts';
import { writeWorkChunks } from './work-chunks.ts';

/**
 * The embedded queue is the database itself: auth's transaction writes the batch's work chunks, due
 * at once, so once it commits the batch is durably in the queue and PUBLISHED_TO_QUEUE in that
 * same transaction.
 */
export function tableQueue(chunkItems: number): BatchQueue {
  return {
    kind: 'table',
    async enqueueAuthorized(tx: Tx, events: TransactionEvents, batch: AuthorizedBatch) {
      await writeWorkChunks(tx, batch, chunkItems, 0);
      if (!(await moveBatch(tx, events, batch, 'publish', 'IN_PROGRESS'))) throw new Error(`batch ${batch.id} was not IN_PROGRESS when queued`);
    },
  };
}

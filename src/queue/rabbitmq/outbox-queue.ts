import type { TransactionEvents } from '../../audit/transaction-events.ts';
import type { Tx } from '../../db/port.ts';
import type { AuthorizedBatch, BatchQueue } from '../../payouts/batch-queue.ts';
import { writeWorkChunks } from '../work-chunks.ts';
import { writeOutbox } from './outbox.ts';

/**
 * The RabbitMQ transport's side of auth: the batch's work chunks and one outbox row per chunk are
 * written in auth's transaction, so its messages exist exactly when the auth does; the batch stays
 * IN_PROGRESS until a relay has had every one of them confirmed by the broker (promote-batches.ts).
 * The chunks are due only after `sweepAfterMs`: their messages come first, and the table takes over
 * only what no message brought (a dead-lettered or lost message, a broker away for long). Nothing
 * here talks to the broker, so auth works (and its items wait) while the broker is away.
 */
export function outboxQueue(chunkItems: number, sweepAfterMs: number): BatchQueue {
  return {
    kind: 'rabbitmq',
    async enqueueAuthorized(tx: Tx, _events: TransactionEvents, batch: AuthorizedBatch) {
      const chunks = await writeWorkChunks(tx, batch, chunkItems, sweepAfterMs);
      const rows = await writeOutbox(tx, batch.id);
      if (rows !== chunks) throw new Error(`batch ${batch.id}: wrote ${rows} outbox rows for ${chunks} work chunks`);
    },
  };
}

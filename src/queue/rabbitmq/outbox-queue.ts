import type { Actor } from '../../audit/append.ts';
import type { Tx } from '../../db/port.ts';
import type { AuthorizedBatch, BatchQueue } from '../port.ts';
import { writeOutbox } from './outbox.ts';

/**
 * The RabbitMQ transport's side of auth: the batch's chunk messages are written to the outbox in
 * auth's transaction, so they exist exactly when the auth does; the batch stays IN_PROGRESS until a
 * relay has had every one of them confirmed by the broker (promote-batches.ts). Nothing here talks
 * to the broker, so auth works (and its items wait) while the broker is away.
 */
export function outboxQueue(chunkItems: number): BatchQueue {
  return {
    kind: 'rabbitmq',
    async enqueueAuthorized(tx: Tx, batch: AuthorizedBatch, _actor: Actor) {
      const rows = await writeOutbox(tx, batch.id, chunkItems);
      const expected = Math.ceil(batch.itemCount / chunkItems);
      if (rows !== expected) throw new Error(`batch ${batch.id}: wrote ${rows} outbox rows for ${batch.itemCount} items, expected ${expected}`);
    },
  };
}

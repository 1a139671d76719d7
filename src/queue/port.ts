import type { Actor } from '../audit/append.ts';
import type { Tx } from '../db/port.ts';

export interface AuthorizedBatch {
  id: string;
  merchantId: bigint;
  /** Number of items that auth moved to PROCESSING. */
  itemCount: number;
}

/**
 * How an authorised batch reaches the workers. Called inside auth's transaction, after the batch is
 * IN_PROGRESS and its items PROCESSING: the implementation writes whatever drives the transfers
 * (nothing more for the table queue; outbox rows for RabbitMQ) in that same transaction.
 */
export interface BatchQueue {
  readonly kind: 'table' | 'rabbitmq';
  enqueueAuthorized(tx: Tx, batch: AuthorizedBatch, actor: Actor): Promise<void>;
}

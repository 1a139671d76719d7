import type { TransactionEvents } from '../audit/transaction-events.ts';
import type { Tx } from '../db/port.ts';

export interface AuthorizedBatch {
  id: string;
  merchantId: bigint;
  /** All the batch's items, valid or not: their seqs are 0 … itemCount − 1. */
  itemCount: number;
  /** Number of items that auth moved to PROCESSING. */
  validCount: number;
}

/**
 * How an authorised batch reaches the workers: the port auth needs, implemented by src/queue/
 * (table-queue.ts, rabbitmq/outbox-queue.ts), which imports it from here, never the other way. Called inside auth's transaction, after the batch is
 * IN_PROGRESS and its items PROCESSING: the implementation writes whatever drives the transfers
 * (its work chunks; for RabbitMQ also their outbox rows) in that same transaction.
 */
export interface BatchQueue {
  readonly kind: 'table' | 'rabbitmq';
  /** `events` are auth's: a state change made here is recorded with them. */
  enqueueAuthorized(tx: Tx, events: TransactionEvents, batch: AuthorizedBatch): Promise<void>;
}

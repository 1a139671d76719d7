import type { Db } from '../db/port.ts';
import { limits } from '../limits.ts';
import type { BatchQueue } from '../payouts/batch-queue.ts';
import type { ChunkSource } from './chunk-source.ts';
import type { QueueConfig } from './queue-config.ts';
import { consumerSource } from './rabbitmq/consumer-source.ts';
import { outboxQueue } from './rabbitmq/outbox-queue.ts';
import { startRelay } from './rabbitmq/relay.ts';
import { topologyOf } from './rabbitmq/topology.ts';
import { tableQueue } from './table-queue.ts';
import { tableSource } from './table-source.ts';

/** How batches reach workers in one process: auth's side (queue) and the workers' side (sources). */
export interface QueueTransport {
  /** What auth calls in its transaction (buildServer's `queue`). */
  queue: BatchQueue;
  /** Where this process's worker loops take chunks from, tried in turn; empty without consumers. */
  sources: ChunkSource[];
  /** RabbitMQ: chunk messages this process received and has not acked yet (0 on the table queue). */
  unackedMessages(): number;
  /** RabbitMQ: whether this process holds a broker connection now; undefined on the table queue. */
  brokerConnected?: () => boolean;
  /** One line for the start-up log. */
  describe: string;
  /** The relay, then the broker connection (call after the workers stopped). */
  close(): Promise<void>;
}

export interface TransportOptions {
  /** QUEUE_URL: RabbitMQ; unset: the table queue alone. */
  queueUrl?: string;
  queue: QueueConfig;
  /** Worker loops that will consume here; 0: no consumer (the relay still runs on RabbitMQ). */
  consumers: number;
  /** Names this process in the broker's connection list and the relay's audit events. */
  name: string;
  log: (line: string) => void;
}

/**
 * The transport the configuration asks for.
 *
 * Table queue (no QUEUE_URL): auth writes work chunks due at once; workers claim due chunks.
 *
 * RabbitMQ (QUEUE_URL): auth writes work chunks due only after `sweepAfterMs`, and one outbox row per
 * chunk; this process runs a relay that publishes them with publisher confirms; its workers take
 * chunks from the queue's messages, and from the table what no message announces: due status
 * checks, and chunks no message brought in time (a dead-lettered chunk, a lost message). The relay
 * runs in every process, workers or not, so a deployment publishes while any of its processes is up.
 */
export async function openQueueTransport(db: Db, options: TransportOptions): Promise<QueueTransport> {
  const { queue, consumers, log } = options;
  const { leaseMs, chunkItems, sweepAfterMs } = queue;
  if (!options.queueUrl) {
    return {
      queue: tableQueue(chunkItems),
      sources: consumers > 0 ? [tableSource(db, { leaseMs })] : [],
      unackedMessages: () => 0,
      describe: 'queue: the database (work_chunks)',
      close: async () => undefined,
    };
  }

  // The broker's client (amqplib) is loaded only by a process that uses the broker.
  const { openRabbitLink } = await import('./rabbitmq/link.ts');
  const topology = topologyOf(queue.name, limits.queueDeliveriesMax);
  const consumer = consumers > 0 ? consumerSource(db, { leaseMs, log }) : undefined;
  const link = await openRabbitLink({
    url: options.queueUrl,
    topology,
    connectionName: `masspayout ${options.name}`,
    log,
    consumer: consumer && { prefetch: consumers * limits.queuePrefetchMessagesPerLoop, onDelivery: consumer.onDelivery },
  });
  consumer?.attach(link);
  const relay = startRelay({ db, link, actor: `worker:${options.name}/relay`, log });
  return {
    queue: outboxQueue(chunkItems, sweepAfterMs),
    sources: consumer ? [consumer, tableSource(db, { leaseMs })] : [],
    unackedMessages: () => consumer?.unacked() ?? 0,
    brokerConnected: () => link.generation() !== undefined,
    describe: `queue: RabbitMQ, ${topology.queue} (relay here${consumer ? ', consuming' : ''})`,
    async close() {
      await relay.stop();
      await link.close();
    },
  };
}

import { randomBytes } from 'node:crypto';
import { hostname } from 'node:os';
import type { Config } from '../config.ts';
import type { Db } from '../db/port.ts';
import { limits } from '../limits.ts';
import type { BatchQueue } from '../queue/port.ts';
import { consumerSource } from '../queue/rabbitmq/consumer-source.ts';
import { openRabbitLink } from '../queue/rabbitmq/link.ts';
import { outboxQueue } from '../queue/rabbitmq/outbox-queue.ts';
import { startRelay } from '../queue/rabbitmq/relay.ts';
import { topologyOf } from '../queue/rabbitmq/topology.ts';
import { tableQueue } from '../queue/table-queue.ts';
import { createRails } from '../rails/index.ts';
import { tableSource, type ChunkSource } from './chunk-sources.ts';
import { armRails, armSources } from './failpoints.ts';
import { startWorkers, type Workers } from './start-workers.ts';

/** The processing side of one process: how auth hands batches over, and this process's workers. */
export interface Engine {
  /** What auth calls in its transaction (buildServer's `queue`). */
  queue: BatchQueue;
  /** This process's worker loops; undefined with a concurrency of 0 (the API alone). */
  workers?: Workers;
  /** RabbitMQ: chunk messages this process received and has not acked yet (0 on the table queue). */
  unackedMessages(): number;
  /** One line for the start-up log: the transport and what runs here. */
  describe: string;
  /** Workers first (each finishes its chunk), then the relay, then the broker connection. */
  stop(): Promise<void>;
}

export interface EngineOptions {
  /** Worker loops in this process; 0 runs none (the relay still runs in RabbitMQ mode). */
  concurrency: number;
  log: (line: string) => void;
  /** Names this process in claims, audit events and the broker's connection list. */
  name?: string;
}

/**
 * Starts the engine the configuration asks for, in `masspayout serve` and `masspayout worker` alike.
 *
 * Table queue (no QUEUE_URL): auth writes work chunks due at once; workers claim due chunks.
 *
 * RabbitMQ (QUEUE_URL): auth writes work chunks due only after config.queue.sweepAfterMs, and one
 * outbox row per chunk; this process runs a relay that publishes them with publisher confirms; its
 * workers take chunks from the queue's messages, and from the table what no message announces: due
 * status checks, and chunks no message brought in time (a dead-lettered chunk, a lost message). The
 * relay runs in every process, workers or not, so a deployment publishes while any of its processes
 * is up.
 */
export async function startEngine(config: Config, db: Db, options: EngineOptions): Promise<Engine> {
  const { log, concurrency } = options;
  const name = options.name ?? `${hostname()}:${process.pid}:${randomBytes(3).toString('hex')}`;
  const { leaseMs, chunkItems, sweepAfterMs } = config.queue;
  const rails = armRails(createRails(db, config.sandbox), config.failpoint);
  const begin = (sources: ChunkSource[]) =>
    concurrency > 0 ? startWorkers({ db, rails, concurrency, name, log, leaseMs, sources: armSources(sources, config.failpoint) }) : undefined;

  if (!config.queueUrl) {
    const workers = begin([tableSource(db, { leaseMs })]);
    return {
      queue: tableQueue(chunkItems),
      workers,
      unackedMessages: () => 0,
      describe: `queue: the database (work_chunks)${workers ? `, ${concurrency} worker loop(s) here` : ', no workers here'}`,
      stop: async () => workers?.stop(),
    };
  }

  const topology = topologyOf(config.queue.name, limits.queueDeliveryLimit);
  const consumer = concurrency > 0 ? consumerSource(db, { leaseMs, log }) : undefined;
  const link = await openRabbitLink({
    url: config.queueUrl,
    topology,
    connectionName: `masspayout ${name}`,
    log,
    consumer: consumer && { prefetch: concurrency * limits.queuePrefetchPerLoop, onDelivery: consumer.onDelivery },
  });
  consumer?.attach(link);
  const relay = startRelay({ db, link, actor: `worker:${name}/relay`, log });
  const workers = consumer
    ? begin([consumer, tableSource(db, { leaseMs })])
    : undefined;
  return {
    queue: outboxQueue(chunkItems, sweepAfterMs),
    workers,
    unackedMessages: () => consumer?.unacked() ?? 0,
    describe: `queue: RabbitMQ, ${topology.queue} (relay here${workers ? `, ${concurrency} worker loop(s) consuming` : ', no workers here'})`,
    async stop() {
      await workers?.stop();
      await relay.stop();
      await link.close();
    },
  };
}

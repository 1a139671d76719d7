import { randomBytes } from 'node:crypto';
import { hostname } from 'node:os';
import type { Db } from '../db/port.ts';
import type { InfoLogger } from '../observability/batch-log.ts';
import type { BatchQueue } from '../payouts/batch-queue.ts';
import type { QueueConfig } from '../queue/queue-config.ts';
import { openQueueTransport } from '../queue/transport.ts';
import { createRails } from '../rails/index.ts';
import type { Iso20022Config } from '../rails/iso20022/iso20022-config.ts';
import { startFileRail } from '../rails/iso20022/start-file-rail.ts';
import type { SandboxConfig } from '../rails/sandbox-config.ts';
import { armRails, armSources, failpointAt, type Failpoint } from './failpoints.ts';
import { settleReported } from './settle-reported.ts';
import { startWorkers, type Workers } from './start-workers.ts';
import type { SecretBox } from '../merchants/secret-box.ts';
import { countWebhookAttempt } from '../observability/metrics.ts';
import { startWebhookDispatcher } from '../webhooks/dispatcher.ts';
import { defaultWebhookConfig, type WebhookConfig } from '../webhooks/webhook-config.ts';

/** The settings the engine reads (the service's Config has them all). */
export interface EngineConfig {
  queueUrl?: string;
  queue: QueueConfig;
  sandbox: SandboxConfig;
  iso20022?: Iso20022Config;
  failpoint?: Failpoint;
  /** Outcome webhooks' retry schedule and private-address opt-in; the defaults when absent. */
  webhooks?: WebhookConfig;
}

/** The processing side of one process: how auth hands batches over, and this process's workers. */
export interface Engine {
  /** What auth calls in its transaction (buildServer's `queue`). */
  queue: BatchQueue;
  /** This process's worker loops; undefined with a concurrency of 0 (the API alone). */
  workers?: Workers;
  /** RabbitMQ: chunk messages this process received and has not acked yet (0 on the table queue). */
  unackedMessages(): number;
  /** RabbitMQ: whether this process holds a broker connection now; undefined on the table queue. */
  brokerConnected?: () => boolean;
  /** One line for the start-up log: the transport and what runs here. */
  describe: string;
  /** Workers first (each finishes its chunk), then the transport (relay, broker connection). */
  stop(): Promise<void>;
}

export interface EngineOptions {
  /** Worker loops in this process; 0 runs none (the relay still runs in RabbitMQ mode). */
  concurrency: number;
  log: (line: string) => void;
  /** The JSON log: a line per batch state change the workers make. */
  logger?: InfoLogger;
  /** Names this process in claims, audit events and the broker's connection list. */
  name?: string;
  /** Opens endpoints' webhook secrets; with it, this process's workers deliver webhooks too. */
  box?: SecretBox;
}

/**
 * Starts the engine the configuration asks for, in `masspayout serve` and `masspayout worker` alike:
 * the queue transport (src/queue/transport.ts), the rails, and the worker loops that take chunks
 * from the transport's sources.
 */
export async function startEngine(config: EngineConfig, db: Db, options: EngineOptions): Promise<Engine> {
  const { log, concurrency } = options;
  const name = options.name ?? `${hostname()}:${process.pid}:${randomBytes(3).toString('hex')}`;
  const transport = await openQueueTransport(db, { queueUrl: config.queueUrl, queue: config.queue, consumers: concurrency, name, log });
  const rails = armRails(createRails(db, config.sandbox, config.iso20022), config.failpoint);
  const workers =
    concurrency > 0
      ? startWorkers({ db, rails, concurrency, name, log, logger: options.logger, leaseMs: config.queue.leaseMs, sources: armSources(transport.sources, config.failpoint) })
      : undefined;
  // The bank's files are written and read where the workers run; with none here, another process does it.
  const filesActor = `worker:${name}/bank-files` as const;
  const files =
    config.iso20022 && workers
      ? startFileRail(db, config.iso20022, {
          actor: filesActor,
          log,
          settleReported: (ids) => settleReported(db, rails.bank, ids, { actor: filesActor, log, logger: options.logger }),
          hooks: { afterFileRecorded: failpointAt(config.failpoint, 'after-file-recorded'), beforeReportApplied: failpointAt(config.failpoint, 'before-report-applied') },
        })
      : undefined;
  // Webhooks are delivered where the workers run: the same processes, the same scaling.
  const webhooks =
    workers && options.box
      ? startWebhookDispatcher({
          db,
          box: options.box,
          config: config.webhooks ?? defaultWebhookConfig,
          claimer: `${name}/webhooks`,
          log,
          onAttempt: countWebhookAttempt,
          beforeClaimCommit: failpointAt(config.failpoint, 'before-webhook'),
        })
      : undefined;
  return {
    queue: transport.queue,
    workers,
    unackedMessages: transport.unackedMessages,
    brokerConnected: transport.brokerConnected,
    describe: `${transport.describe}${workers ? `, ${concurrency} worker loop(s) here` : ', no workers here'}${webhooks ? ', webhooks delivered here' : ''}`,
    async stop() {
      await Promise.all([workers?.stop(), files?.stop(), webhooks?.stop()]);
      await transport.close();
    },
  };
}

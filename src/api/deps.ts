import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import type { FastifyBaseLogger, FastifyInstance } from 'fastify';
import type { Db } from '../db/port.ts';
import type { SecretBox } from '../merchants/secret-box.ts';
import type { BatchQueue } from '../payouts/batch-queue.ts';
import type { EdgeConfig } from './edge-config.ts';
import type { ObservabilityConfig } from '../observability/observability-config.ts';
import type { TlsConfig } from './tls-config.ts';
import type { WebhookConfig } from '../webhooks/webhook-config.ts';

/** The settings the HTTP edge reads (the service's Config has them all). */
export interface ApiConfig {
  itemsPerBatchMax: number;
  requestBodyBytesMax: number;
  tls: TlsConfig;
  edge: EdgeConfig;
  /** LOG_LEVEL and the /metrics token. */
  observability: ObservabilityConfig;
  /** Outcome webhooks: the private-address opt-in (registration) and the retry schedule (re-sends). */
  webhooks: WebhookConfig;
}

/** What every route may use. Built once at start; tests build their own. */
export interface Deps {
  db: Db;
  box: SecretBox;
  config: ApiConfig;
  adminToken: string;
  queue: BatchQueue;
  /** With QUEUE_URL: whether this process is connected to the broker (for /readyz). */
  brokerConnected?: () => boolean;
}

/** The fastify instance routes register on, typed by the TypeBox provider. */
export type ApiServer = FastifyInstance<Server, IncomingMessage, ServerResponse, FastifyBaseLogger, TypeBoxTypeProvider>;

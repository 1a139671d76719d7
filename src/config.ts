import { edgeConfigFromEnv, type EdgeConfig } from './api/edge-config.ts';
import { tlsConfigFromEnv, type TlsConfig } from './api/tls-config.ts';
import { dataDirFromEnv } from './data-dir.ts';
import { integerFromEnv, optionalFromEnv, type Env } from './env.ts';
import { limits } from './limits.ts';
import { observabilityConfigFromEnv, type ObservabilityConfig } from './observability/observability-config.ts';
import { queueConfigFromEnv, type QueueConfig } from './queue/queue-config.ts';
import { iso20022ConfigFromEnv, type Iso20022Config } from './rails/iso20022/iso20022-config.ts';
import { sandboxConfigFromEnv, type SandboxConfig } from './rails/sandbox-config.ts';
import { failpointFromEnv, type Failpoint } from './workers/failpoints.ts';
import { webhookConfigFromEnv, type WebhookConfig } from './webhooks/webhook-config.ts';
import { workerConcurrencyFromEnv } from './workers/worker-config.ts';

export interface Config {
  port: number;
  host: string;
  dataDir: string;
  databaseUrl?: string;
  queueUrl?: string;
  adminToken?: string;
  /** 32-byte key (hex or base64) that seals merchants' secret keys; generated into dataDir when unset. */
  masterKey?: string;
  itemsPerBatchMax: number;
  requestBodyBytesMax: number;
  /** Worker loops in this process (`serve` and `worker`); 0: the API alone. */
  workerConcurrency: number;
  sandbox: SandboxConfig;
  /** Set when MASSPAYOUT_BANK_RAIL=iso20022: IBAN payouts go to the bank as files (src/rails/iso20022/). */
  iso20022?: Iso20022Config;
  /** Queue name, lease, sweep age and chunk size (src/queue/queue-config.ts). */
  queue: QueueConfig;
  /** HTTPS certificate and key, and whether X-Forwarded-Proto is trusted (src/api/tls-config.ts). */
  tls: TlsConfig;
  /** Rate limit and connection cap of the HTTP edge (src/api/edge-config.ts). */
  edge: EdgeConfig;
  /** LOG_LEVEL and the /metrics token (src/observability/observability-config.ts). */
  observability: ObservabilityConfig;
  /** Crash tests only: where a worker kills itself (src/workers/failpoints.ts). */
  failpoint?: Failpoint;
  /** Outcome webhooks: retry schedule and the private-address opt-in (src/webhooks/webhook-config.ts). */
  webhooks: WebhookConfig;
}

const positive = { min: 1, max: Number.MAX_SAFE_INTEGER };

export function configFromEnv(env: Env = process.env): Config {
  return {
    port: integerFromEnv(env, 'PORT', 8080, { min: 1, max: 65_535 }),
    // Loopback unless asked: the admin API must not be on the network by accident (HOST=0.0.0.0 to serve others).
    host: optionalFromEnv(env, 'HOST') ?? '127.0.0.1',
    dataDir: dataDirFromEnv(env),
    databaseUrl: optionalFromEnv(env, 'DATABASE_URL'),
    queueUrl: optionalFromEnv(env, 'QUEUE_URL'),
    adminToken: optionalFromEnv(env, 'MASSPAYOUT_ADMIN_TOKEN'),
    masterKey: optionalFromEnv(env, 'MASSPAYOUT_MASTER_KEY'),
    itemsPerBatchMax: integerFromEnv(env, 'MASSPAYOUT_ITEMS_PER_BATCH_MAX', limits.itemsPerBatchMax, positive),
    requestBodyBytesMax: integerFromEnv(env, 'MASSPAYOUT_BODY_BYTES_MAX', limits.requestBodyBytesMax, positive),
    workerConcurrency: workerConcurrencyFromEnv(env),
    sandbox: sandboxConfigFromEnv(env),
    iso20022: iso20022ConfigFromEnv(env),
    queue: queueConfigFromEnv(env),
    tls: tlsConfigFromEnv(env),
    edge: edgeConfigFromEnv(env),
    observability: observabilityConfigFromEnv(env),
    failpoint: failpointFromEnv(env),
    webhooks: webhookConfigFromEnv(env),
  };
}

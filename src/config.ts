import { tlsConfigFromEnv, type TlsConfig } from './api/tls-config.ts';
import { limits } from './limits.ts';
import { queueConfigFromEnv, type QueueConfig } from './queue/queue-config.ts';
import { sandboxConfigFromEnv, type SandboxConfig } from './rails/sandbox-config.ts';
import { failpointFromEnv, type Failpoint } from './workers/failpoints.ts';
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
  /** Queue name, lease, sweep age and chunk size (src/queue/queue-config.ts). */
  queue: QueueConfig;
  /** HTTPS certificate and key, and whether X-Forwarded-Proto is trusted (src/api/tls-config.ts). */
  tls: TlsConfig;
  /** Crash tests only: where a worker kills itself (src/workers/failpoints.ts). */
  failpoint?: Failpoint;
}

function intFromEnv(env: NodeJS.ProcessEnv, name: string, fallback: number): number {
  const raw = env[name];
  if (raw === undefined || raw === '') return fallback;
  const value = Number(raw);
  if (!Number.isSafeInteger(value) || value <= 0) throw new Error(`${name} must be a positive integer, got "${raw}"`);
  return value;
}

export function configFromEnv(env: NodeJS.ProcessEnv = process.env): Config {
  return {
    port: intFromEnv(env, 'PORT', 8080),
    host: env.HOST || '0.0.0.0',
    dataDir: env.MASSPAYOUT_DATA_DIR || './data',
    databaseUrl: env.DATABASE_URL || undefined,
    queueUrl: env.QUEUE_URL || undefined,
    adminToken: env.MASSPAYOUT_ADMIN_TOKEN || undefined,
    masterKey: env.MASSPAYOUT_MASTER_KEY || undefined,
    itemsPerBatchMax: intFromEnv(env, 'MASSPAYOUT_ITEMS_PER_BATCH_MAX', limits.itemsPerBatchMax),
    requestBodyBytesMax: intFromEnv(env, 'MASSPAYOUT_BODY_BYTES_MAX', limits.requestBodyBytesMax),
    workerConcurrency: workerConcurrencyFromEnv(env),
    sandbox: sandboxConfigFromEnv(env),
    queue: queueConfigFromEnv(env),
    tls: tlsConfigFromEnv(env),
    failpoint: failpointFromEnv(env),
  };
}

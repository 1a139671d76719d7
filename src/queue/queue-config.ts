import { limits } from '../limits.ts';

/** How the queue behaves beyond its URL (config.queueUrl): names and leases, for operators and tests. */
export interface QueueConfig {
  /**
   * The RabbitMQ quorum queue of chunk messages; its dead-letter exchange and queue are
   * `<name>.dead`. Every process of one deployment must use the same name.
   */
  name: string;
  /** How long a worker's lease on a chunk holds (the reaper frees it after). */
  leaseMs: number;
  /** RabbitMQ mode: a chunk no message brought this long after its auth is taken from the table. */
  sweepAfterMs: number;
  /** Consecutive items (by seq) per work chunk: one claim, and one message on RabbitMQ. */
  chunkItems: number;
}

const queueNamePattern = /^[A-Za-z0-9._-]{1,200}$/;

function intFromEnv(env: NodeJS.ProcessEnv, name: string, fallback: number, min: number, max: number): number {
  const raw = env[name];
  if (raw === undefined || raw === '') return fallback;
  const value = Number(raw);
  if (!Number.isSafeInteger(value) || value < min || value > max) throw new Error(`${name} must be an integer between ${min} and ${max}, got "${raw}"`);
  return value;
}

/** MASSPAYOUT_QUEUE_NAME, MASSPAYOUT_LEASE_MS, MASSPAYOUT_SWEEP_AFTER_MS, MASSPAYOUT_CHUNK_ITEMS. */
export function queueConfigFromEnv(env: NodeJS.ProcessEnv): QueueConfig {
  const name = env.MASSPAYOUT_QUEUE_NAME || 'masspayout.chunks';
  if (!queueNamePattern.test(name)) throw new Error(`MASSPAYOUT_QUEUE_NAME must be 1-200 letters, digits, '.', '_' or '-', got "${name}"`);
  return {
    name,
    // Below 1 s a lease would expire under an ordinary chunk; above 1 h a crashed worker's items wait too long.
    leaseMs: intFromEnv(env, 'MASSPAYOUT_LEASE_MS', limits.leaseDurationMs, 1_000, 3_600_000),
    sweepAfterMs: intFromEnv(env, 'MASSPAYOUT_SWEEP_AFTER_MS', limits.queueSweepAfterMs, 1_000, 86_400_000),
    chunkItems: intFromEnv(env, 'MASSPAYOUT_CHUNK_ITEMS', limits.claimChunkItems, 1, 10_000),
  };
}

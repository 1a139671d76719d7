import { integerFromEnv, textFromEnv, type Env } from '../env.ts';
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

/** MASSPAYOUT_QUEUE_NAME, MASSPAYOUT_LEASE_MS, MASSPAYOUT_SWEEP_AFTER_MS, MASSPAYOUT_CHUNK_ITEMS. */
export function queueConfigFromEnv(env: Env): QueueConfig {
  return {
    name: textFromEnv(env, 'MASSPAYOUT_QUEUE_NAME', 'masspayout.chunks', /^[A-Za-z0-9._-]{1,200}$/, "1-200 letters, digits, '.', '_' or '-'"),
    leaseMs: integerFromEnv(env, 'MASSPAYOUT_LEASE_MS', limits.leaseDurationMs, { min: limits.leaseDurationMsMin, max: limits.leaseDurationMsMax }),
    sweepAfterMs: integerFromEnv(env, 'MASSPAYOUT_SWEEP_AFTER_MS', limits.queueSweepAfterMs, { min: limits.queueSweepAfterMsMin, max: limits.queueSweepAfterMsMax }),
    chunkItems: integerFromEnv(env, 'MASSPAYOUT_CHUNK_ITEMS', limits.claimChunkItems, { min: 1, max: limits.claimChunkItemsMax }),
  };
}

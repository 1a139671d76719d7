import { type Env, integerFromEnv } from '../env.ts';
import { limits } from '../limits.ts';
import type { RateLimit } from './rate-limit.ts';

/** How the HTTP edge protects itself, beyond the fixed limits of limits.ts. */
export interface EdgeConfig {
  /** Signed requests per merchant (admin routes are not limited). */
  rateLimit: RateLimit;
  /** Open connections at most; the next is closed at once. */
  connectionsMax: number;
}

/** MASSPAYOUT_RATE_LIMIT_PER_SECOND (0: off), MASSPAYOUT_RATE_LIMIT_BURST, MASSPAYOUT_CONNECTIONS_MAX. */
export function edgeConfigFromEnv(env: Env): EdgeConfig {
  return {
    rateLimit: {
      perSecond: integerFromEnv(env, 'MASSPAYOUT_RATE_LIMIT_PER_SECOND', limits.merchantRequestsPerSecond, { min: 0, max: 1_000_000 }),
      burst: integerFromEnv(env, 'MASSPAYOUT_RATE_LIMIT_BURST', limits.merchantRequestBurst, { min: 1, max: 1_000_000 }),
    },
    connectionsMax: integerFromEnv(env, 'MASSPAYOUT_CONNECTIONS_MAX', limits.connectionsMax, { min: 1, max: 1_000_000 }),
  };
}

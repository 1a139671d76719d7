import { type Env, integerFromEnv } from '../env.ts';
import { limits } from '../limits.ts';
import type { RateLimit } from './rate-limit.ts';

/** How the HTTP edge protects itself, beyond the fixed limits of limits.ts. */
export interface EdgeConfig {
  /** Signed requests per merchant (admin routes are not limited). */
  rateLimit: RateLimit;
  /** Open connections at most; the next is closed at once. */
  connectionsMax: number;
  /** A whole request (headers and body) must arrive within this, or it gets 408. */
  requestTimeoutMs: number;
  /** The request line and headers must arrive within this; never more than requestTimeoutMs. */
  headersTimeoutMs: number;
}

/**
 * MASSPAYOUT_RATE_LIMIT_PER_SECOND (0: off), MASSPAYOUT_RATE_LIMIT_BURST, MASSPAYOUT_CONNECTIONS_MAX,
 * MASSPAYOUT_REQUEST_TIMEOUT_MS, MASSPAYOUT_HEADERS_TIMEOUT_MS.
 */
export function edgeConfigFromEnv(env: Env): EdgeConfig {
  const requestTimeoutMs = integerFromEnv(env, 'MASSPAYOUT_REQUEST_TIMEOUT_MS', limits.requestTimeoutMs, timeoutBounds);
  return {
    rateLimit: {
      perSecond: integerFromEnv(env, 'MASSPAYOUT_RATE_LIMIT_PER_SECOND', limits.merchantRequestsPerSecond, { min: 0, max: 1_000_000 }),
      burst: integerFromEnv(env, 'MASSPAYOUT_RATE_LIMIT_BURST', limits.merchantRequestsBurstMax, { min: 1, max: 1_000_000 }),
    },
    connectionsMax: integerFromEnv(env, 'MASSPAYOUT_CONNECTIONS_MAX', limits.connectionsMax, { min: 1, max: 1_000_000 }),
    requestTimeoutMs,
    // Node refuses a headers timeout longer than the request's: a shorter request timeout takes it along.
    headersTimeoutMs: Math.min(requestTimeoutMs, integerFromEnv(env, 'MASSPAYOUT_HEADERS_TIMEOUT_MS', limits.headersTimeoutMs, timeoutBounds)),
  };
}

/** Below a second an ordinary client on a slow link is cut off; above an hour a slow client holds its connection for ever. */
const timeoutBounds = { min: limits.edgeTimeoutMsMin, max: limits.edgeTimeoutMsMax };

import type { FastifyInstance, FastifyRequest } from 'fastify';
import { limits } from '../limits.ts';
import { ApiError } from './errors.ts';

declare module 'fastify' {
  interface FastifyRequest {
    /** Seconds until the merchant's rate limit has room again, set when a request is refused with 15. */
    retryAfterSeconds?: number;
  }
}

export interface RateLimit {
  /** Requests per second a merchant may make on average; 0 turns the limit off. */
  perSecond: number;
  /** Requests a merchant may make at once after being idle. */
  burst: number;
}

interface Bucket {
  tokens: number;
  at: number;
}

/**
 * A token bucket per merchant, in this process: `burst` requests at once, refilled at `perSecond`.
 * Counted after the signature verified (a stranger who knows an apiKey cannot spend a merchant's
 * allowance); a refusal is 429 with Retry-After. Buckets of merchants idle long enough to be full
 * again are forgotten, so the map holds only the merchants active in the last burst/perSecond seconds.
 */
export function limitMerchantRate(scope: FastifyInstance, rate: RateLimit): void {
  if (rate.perSecond <= 0) return;
  const buckets = new Map<bigint, Bucket>();
  const fullAfterMs = (rate.burst / rate.perSecond) * 1000;
  let swept = Date.now();
  const take = (merchantId: bigint, request: FastifyRequest) => {
    const now = Date.now();
    if (now - swept > fullAfterMs && buckets.size > limits.rateLimitBucketsMax) {
      for (const [id, bucket] of buckets) if (now - bucket.at > fullAfterMs) buckets.delete(id);
      swept = now;
    }
    const bucket = buckets.get(merchantId) ?? { tokens: rate.burst, at: now };
    bucket.tokens = Math.min(rate.burst, bucket.tokens + ((now - bucket.at) / 1000) * rate.perSecond);
    bucket.at = now;
    buckets.set(merchantId, bucket);
    if (bucket.tokens < 1) {
      request.retryAfterSeconds = Math.max(1, Math.ceil((1 - bucket.tokens) / rate.perSecond));
      throw new ApiError('RATE_LIMITED');
    }
    bucket.tokens -= 1;
  };
  scope.addHook('preValidation', async (request) => {
    // A streamed body (init) is verified only once it has been read: counted then.
    const streamed = request.streamedSignature;
    if (streamed && request.merchant === undefined) {
      streamed.afterVerified.push(() => take(streamed.claimed.id, request));
      return;
    }
    const merchantId = request.merchant?.id;
    if (merchantId === undefined) return;
    take(merchantId, request);
  });
}

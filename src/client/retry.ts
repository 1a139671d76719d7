import { setTimeout as delay } from 'node:timers/promises';
import { clientErrorCodes, MassPayoutError } from './errors.ts';

export interface RetryPolicy {
  /** Attempts in all, the first included. */
  attemptsMax: number;
  /** The wait before the second attempt; it doubles for each one after. */
  backoffBaseMs: number;
}

export interface RetryNotice {
  /** The call, e.g. "POST /v1/mass/payout/init". */
  operation: string;
  /** The attempt that failed, from 1. */
  attempt: number;
  error: MassPayoutError;
  delayMs: number;
}

/**
 * Only a fault that happened on the way or on the server is retried: no response at all, or a 5xx.
 * A 4xx would fail the same way again, and a timeout has used up the call's deadline.
 */
export function isTransient(error: MassPayoutError): boolean {
  return (error.httpStatus === 0 && error.errorCode === clientErrorCodes.NETWORK_ERROR) || error.httpStatus >= 500;
}

/** Backoff before attempt `failed + 1`: base · 2^(failed−1), with up to half of it taken off at random. */
export function backoffMs(policy: RetryPolicy, failed: number): number {
  const full = policy.backoffBaseMs * 2 ** (failed - 1);
  return Math.round(full * (0.5 + Math.random() * 0.5));
}

/**
 * Runs `attempt` until it succeeds, a failure is not transient, the attempts run out or the deadline
 * passes. `attempt` is called afresh each time (it signs anew with a fresh random key: the server
 * refuses a random key it has already seen) and gets the milliseconds left before the deadline.
 */
export interface RetryPlan {
  policy: RetryPolicy;
  /** Epoch ms by which the call must be over, retries included. */
  deadline: number;
  /** False for a call that a retry could duplicate on the server. */
  retryAllowed: boolean;
  operation: string;
  onRetry?: (notice: RetryNotice) => void;
}

export async function withRetries<T>(plan: RetryPlan, attempt: (timeoutMs: number) => Promise<T>): Promise<T> {
  const { policy, deadline, retryAllowed, operation, onRetry } = plan;
  for (let n = 1; ; n++) {
    const left = deadline - Date.now();
    if (left <= 0) {
      throw new MassPayoutError({ errorCode: clientErrorCodes.TIMEOUT, errorMessage: 'the call ran out of time before an answer', httpStatus: 0, retryable: true });
    }
    try {
      return await attempt(left);
    } catch (error) {
      if (!(error instanceof MassPayoutError) || !retryAllowed || n >= policy.attemptsMax || !isTransient(error)) throw error;
      const wait = backoffMs(policy, n);
      // No time left for another attempt after the wait: the real failure says more than a timeout.
      if (Date.now() + wait >= deadline) throw error;
      onRetry?.({ operation, attempt: n, error, delayMs: wait });
      await delay(wait);
    }
  }
}

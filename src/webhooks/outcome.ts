import type { AttemptResult } from './send.ts';

/** What an attempt's answer means for its delivery and endpoint (pure). */
export type AttemptOutcome =
  | { kind: 'succeeded' }
  /** 410 Gone: the receiver says it will never take one; the endpoint is disabled. */
  | { kind: 'gone' }
  /** Another attempt after `delayMs`. */
  | { kind: 'retry'; delayMs: number }
  /** The schedule is spent: the delivery is failed (an operator can still re-send it). */
  | { kind: 'failed' };

/**
 * A 2xx is success; a redirect, any other status or a network error is a failure. The next attempt
 * waits the schedule's next delay, or longer when a 429/503 said Retry-After. `attemptsBefore`
 * counts the scheduled attempts made before this one; the schedule's length is the number of attempts.
 */
export function outcomeOf(result: AttemptResult, attemptsBefore: number, scheduleMs: readonly number[]): AttemptOutcome {
  const status = result.httpStatus;
  if (status !== null && status >= 200 && status < 300) return { kind: 'succeeded' };
  if (status === 410) return { kind: 'gone' };
  const attempt = attemptsBefore + 1;
  if (attempt >= scheduleMs.length) return { kind: 'failed' };
  return { kind: 'retry', delayMs: Math.max(scheduleMs[attempt], result.retryAfterMs ?? 0) };
}

/** The label of an attempt in the delivery metrics: success, gone, redirect, http_4xx/5xx, or network error. */
export function metricOutcome(result: AttemptResult): string {
  const status = result.httpStatus;
  if (status === null) return /^timeout/.test(result.error ?? '') ? 'timeout' : /^URL refused|EADDRNOTPUBLIC/.test(result.error ?? '') ? 'refused' : 'network_error';
  if (status >= 200 && status < 300) return 'success';
  if (status === 410) return 'gone';
  if (status >= 300 && status < 400) return 'redirect';
  return status >= 500 ? 'http_5xx' : 'http_4xx';
}

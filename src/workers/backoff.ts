import { limits } from '../limits.ts';

/**
 * Wait before the next status check of an item whose outcome is unknown, after `attempts` rail
 * rounds: 250 ms, 500 ms, 1 s, 2 s, 4 s, 8 s, then 10 s apart for ever (bounded, never given up: an
 * ambiguous payout may have been made, so its money is never released on a guess). With the
 * sandbox's 2 s settle time, an IBAN ending 98 resolves on the 4th or 5th check, ≈ 4 s after auth.
 */
export function retryDelayMs(attempts: number, baseMs: number = limits.railRetryBaseMs, maxMs: number = limits.railRetryMaxMs): number {
  const exponent = Math.min(Math.max(attempts - 1, 0), 30);
  return Math.min(baseMs * 2 ** exponent, maxMs);
}

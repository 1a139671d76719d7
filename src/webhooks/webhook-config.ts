import { booleanFromEnv, optionalFromEnv, type Env } from '../env.ts';
import { limits } from '../limits.ts';

/** How webhooks are sent: the retry schedule, and whether private addresses may be called. */
export interface WebhookConfig {
  /** The wait before each attempt, the first included (ms): its length is the number of attempts. */
  retryScheduleMs: readonly number[];
  /** MASSPAYOUT_WEBHOOK_ALLOW_PRIVATE=1: http:// and loopback/private addresses allowed (tests, a local receiver). */
  allowPrivate: boolean;
}

export const defaultWebhookConfig: WebhookConfig = { retryScheduleMs: limits.webhookRetryScheduleMs, allowPrivate: false };

export function webhookConfigFromEnv(env: Env): WebhookConfig {
  return {
    retryScheduleMs: retryScheduleFromEnv(env),
    allowPrivate: booleanFromEnv(env, 'MASSPAYOUT_WEBHOOK_ALLOW_PRIVATE', false),
  };
}

/** MASSPAYOUT_WEBHOOK_RETRY_MS: a comma list of waits in ms (`0,200,500`), replacing the default schedule. */
function retryScheduleFromEnv(env: Env): readonly number[] {
  const text = optionalFromEnv(env, 'MASSPAYOUT_WEBHOOK_RETRY_MS');
  if (text === undefined) return limits.webhookRetryScheduleMs;
  const parts = text.split(',').map((part) => part.trim());
  const delays = parts.map(Number);
  const valid =
    parts.length <= limits.webhookRetryAttemptsMax && parts.every((part) => /^[0-9]+$/.test(part)) && delays.every((d) => Number.isSafeInteger(d) && d <= limits.webhookRetryDelayMsMax);
  if (!valid) {
    throw new Error(`MASSPAYOUT_WEBHOOK_RETRY_MS must be 1..${limits.webhookRetryAttemptsMax} comma-separated waits in ms, each at most ${limits.webhookRetryDelayMsMax}, got "${text}"`);
  }
  return delays;
}

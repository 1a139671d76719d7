import type { Db } from '../db/port.ts';
import { claimForRetry, recordAttempt, type ClaimedDelivery, type RecordedAttempt } from './deliveries.ts';
import { metricOutcome } from './outcome.ts';
import { sendWebhook, type AttemptResult } from './send.ts';
import { signWebhook } from './secrets.ts';
import type { WebhookConfig } from './webhook-config.ts';
import type { SecretBox } from '../merchants/secret-box.ts';

/** What an attempt needs besides its delivery; `onAttempt` feeds the metrics, `log` the operator's alerts. */
export interface AttemptContext {
  db: Db;
  config: WebhookConfig;
  claimer: string;
  log: (line: string) => void;
  onAttempt?: (outcome: string, durationMs: number) => void;
  timeoutMs?: number;
}

export interface AttemptReport {
  result: AttemptResult;
  recorded: RecordedAttempt;
}

/**
 * One attempt of a claimed delivery, outside any transaction: signed now (webhook-timestamp is the
 * time of this attempt, webhook-id the delivery's own), sent, and recorded. The log line names the
 * delivery and the status, never the response body.
 */
export async function attemptDelivery(context: AttemptContext, delivery: ClaimedDelivery, manual = false): Promise<AttemptReport> {
  const at = new Date();
  const headers = signWebhook(delivery.messageId, at, delivery.payload, delivery.secrets);
  const result = await sendWebhook(delivery.url, { ...headers }, delivery.payload, { allowPrivate: context.config.allowPrivate, timeoutMs: context.timeoutMs });
  context.onAttempt?.(metricOutcome(result), result.durationMs);
  const recorded = await recordAttempt(context.db, delivery, context.claimer, at, result, context.config.retryScheduleMs, manual);
  if (recorded.disabled) {
    context.log(`ALERT operator: webhook endpoint ${delivery.endpointId} of merchant ${delivery.merchantId} (${delivery.url}) is disabled: ${recorded.disabled}; its deliveries wait until it is enabled`);
  }
  if (recorded.outcome.kind === 'failed') {
    context.log(`webhook delivery ${delivery.id} (${delivery.messageId}) to endpoint ${delivery.endpointId} failed for good after its last attempt: ${result.httpStatus ?? result.error}`);
  }
  return { result, recorded };
}

/** POST …/deliveries/{id}/retry: claims the delivery and attempts it now. */
export async function retryDeliveryNow(
  context: AttemptContext,
  box: SecretBox,
  ids: { merchantId: bigint; endpointId: bigint; deliveryId: bigint },
): Promise<AttemptReport | 'in-flight' | undefined> {
  const claimed = await claimForRetry(context.db, box, ids.merchantId, ids.endpointId, ids.deliveryId, context.claimer);
  if (claimed === undefined || claimed === 'in-flight') return claimed;
  return attemptDelivery(context, claimed, true);
}

/**
 * The events an endpoint can be sent, one list (the API's enum, the README's table). Batch events
 * are one per change; item outcomes are grouped into `mass_payout.items.settled` (a settlement's
 * paid items in one, its refunds in another; up to limits.webhookItemsPerEventMax items each)
 * unless the endpoint asks for one event per item.
 */
export const batchEventTypes = [
  'mass_payout.authorized',
  'mass_payout.insufficient_balance',
  'mass_payout.completed',
  'mass_payout.failed',
  'mass_payout.canceled',
] as const;

export const itemEventTypes = ['mass_payout.item.succeeded', 'mass_payout.item.refunded', 'mass_payout.item.refund_failed', 'mass_payout.item.returned'] as const;

export const webhookEventTypes = [...batchEventTypes, ...itemEventTypes] as const;
export type WebhookEventType = (typeof webhookEventTypes)[number];
export type BatchEventType = (typeof batchEventTypes)[number];
export type ItemEventType = (typeof itemEventTypes)[number];

/** The envelope of grouped item outcomes (never subscribed to by name: its items are the item types subscribed). */
export const itemsSettledType = 'mass_payout.items.settled';

/** How an endpoint hears of items: grouped per settlement (default), or each on its own. */
export const itemEventModes = ['grouped', 'each'] as const;
export type ItemEventMode = (typeof itemEventModes)[number];

/** The batch status a batch event announces (the state reached). */
export const batchEventOf: Record<string, BatchEventType> = {
  IN_PROGRESS: 'mass_payout.authorized',
  INSUFFICIENT_BALANCE: 'mass_payout.insufficient_balance',
  COMPLETED: 'mass_payout.completed',
  FAIL: 'mass_payout.failed',
  CANCELED: 'mass_payout.canceled',
};

/** The item status an item outcome announces; other item moves (PROCESSING, QUEUED, FAILED on the way) are not events. */
export const itemEventOf: Record<string, ItemEventType> = {
  SUCCESS: 'mass_payout.item.succeeded',
  DEPOSIT_SUCCESS: 'mass_payout.item.refunded',
  DEPOSIT_FAIL: 'mass_payout.item.refund_failed',
};

export function isWebhookEventType(value: string): value is WebhookEventType {
  return (webhookEventTypes as readonly string[]).includes(value);
}

import { Webhook, WebhookVerificationError } from 'standardwebhooks';

/**
 * Receiving masspayout's outcome webhooks: `verifyWebhook(rawBody, headers, secret)` checks the
 * Standard Webhooks signature (with the standardwebhooks package, as the service signs) and the
 * timestamp (at most 5 minutes off), and returns the event. Pass the body exactly as it arrived —
 * the bytes, not a re-serialised object. During a rotation pass both secrets: either one verifies.
 */

/** A batch's state as its events show it. */
export interface WebhookBatchData {
  requestId: string;
  externalId: string;
  conversationId: string | null;
  massPayoutStatus: string;
  currency: string;
  totalAmount: number;
  totalSuccessfulAmount: number;
  totalCommissionAmount: number;
  itemCount: number;
  /** Increases with every event of the batch in the order the changes committed: drop one older than what you have. */
  sequence: number;
}

export interface WebhookItem {
  type: 'mass_payout.item.succeeded' | 'mass_payout.item.refunded' | 'mass_payout.item.refund_failed' | 'mass_payout.item.returned';
  referenceCode: string;
  itemExternalId: string;
  itemStatus: string;
  totalAmount: number;
  commissionAmount: number;
  currencyCode: string;
  errorCodes: string[];
  errorMessage: string | null;
  bankReasonCode: string | null;
  returnedAmount: number | null;
  returnedDate: string | null;
}

interface Ref {
  requestId: string;
  externalId: string;
  conversationId: string | null;
  sequence: number;
}

export type WebhookEvent =
  | { type: 'mass_payout.authorized' | 'mass_payout.insufficient_balance' | 'mass_payout.completed' | 'mass_payout.failed' | 'mass_payout.canceled'; timestamp: string; data: WebhookBatchData }
  | { type: 'mass_payout.items.settled'; timestamp: string; data: Ref & { currency: string; items: WebhookItem[] } }
  | { type: WebhookItem['type']; timestamp: string; data: Ref & { item: WebhookItem } };

/** The request headers as Node gives them (IncomingHttpHeaders) or as a plain record. */
export type WebhookHeaders = Record<string, string | string[] | undefined>;

/** Thrown when no secret verifies the request, a header is missing, or the timestamp is too far off. */
export class WebhookSignatureError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'WebhookSignatureError';
  }
}

export function verifyWebhook(rawBody: string | Buffer, headers: WebhookHeaders, secret: string | readonly string[]): WebhookEvent {
  const plain: Record<string, string> = {};
  for (const [name, value] of Object.entries(headers)) if (value !== undefined) plain[name.toLowerCase()] = Array.isArray(value) ? value.join(' ') : value;
  const body = typeof rawBody === 'string' ? rawBody : rawBody.toString('utf8');
  const secrets = typeof secret === 'string' ? [secret] : secret;
  if (secrets.length === 0) throw new TypeError('verifyWebhook needs at least one secret');
  let last: unknown;
  for (const one of secrets) {
    try {
      return new Webhook(one).verify(body, plain) as WebhookEvent;
    } catch (error) {
      if (!(error instanceof WebhookVerificationError)) throw error;
      last = error;
    }
  }
  throw new WebhookSignatureError((last as Error).message);
}

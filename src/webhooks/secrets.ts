import { randomBytes } from 'node:crypto';
import { Webhook } from 'standardwebhooks';

/** A new endpoint secret, Standard Webhooks' form: `whsec_` + base64 of 32 random bytes. */
export function newWebhookSecret(): string {
  return `whsec_${randomBytes(32).toString('base64')}`;
}

/** The headers of one attempt: the same id on every attempt, the time of this one, a signature per secret. */
export interface SignedHeaders {
  'webhook-id': string;
  'webhook-timestamp': string;
  'webhook-signature': string;
}

/**
 * Signs `payload` as Standard Webhooks says (`v1,` + base64 HMAC-SHA256 of `id.timestamp.body`),
 * with the standardwebhooks package the SDK verifies with. During a rotation both secrets sign: the
 * header carries both signatures, space-separated, and a receiver holding either one accepts.
 */
export function signWebhook(messageId: string, at: Date, payload: string, secrets: readonly string[]): SignedHeaders {
  if (secrets.length === 0) throw new Error('webhooks: nothing to sign with');
  return {
    'webhook-id': messageId,
    'webhook-timestamp': String(Math.floor(at.getTime() / 1000)),
    'webhook-signature': secrets.map((secret) => new Webhook(secret).sign(messageId, at, payload)).join(' '),
  };
}

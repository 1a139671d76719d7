import { createHmac, randomBytes } from 'node:crypto';

const secretPrefix = 'whsec_';

/** A new endpoint secret, Standard Webhooks' form: `whsec_` + base64 of 32 random bytes. */
export function newWebhookSecret(): string {
  return `${secretPrefix}${randomBytes(32).toString('base64')}`;
}

/** The headers of one attempt: the same id on every attempt, the time of this one, a signature per secret. */
export interface SignedHeaders {
  'webhook-id': string;
  'webhook-timestamp': string;
  'webhook-signature': string;
}

/**
 * Signs `payload` as the Standard Webhooks spec says: `v1,` + base64 of HMAC-SHA256, keyed with the
 * base64-decoded secret after `whsec_`, of `id.timestamp.body` (timestamp in whole seconds). During
 * a rotation both secrets sign: the header carries both signatures, space-separated, and a receiver
 * holding either one accepts.
 *
 * Node's native HMAC, not the standardwebhooks package's pure-JavaScript one: a grouped delivery
 * carries up to 1,000 items (~300 KB), and hashing that in JavaScript cost the worker more than the
 * rest of the attempt. The tests check the signature against the package's own signer and verifier.
 */
export function signWebhook(messageId: string, at: Date, payload: string, secrets: readonly string[]): SignedHeaders {
  if (secrets.length === 0) throw new Error('webhooks: nothing to sign with');
  const timestamp = String(Math.floor(at.getTime() / 1000));
  return {
    'webhook-id': messageId,
    'webhook-timestamp': timestamp,
    'webhook-signature': secrets.map((secret) => `v1,${hmacOf(secret, messageId, timestamp, payload)}`).join(' '),
  };
}

function hmacOf(secret: string, messageId: string, timestamp: string, payload: string): string {
  const key = Buffer.from(secret.startsWith(secretPrefix) ? secret.slice(secretPrefix.length) : secret, 'base64');
  if (key.length === 0) throw new Error('webhooks: an empty secret cannot sign');
  return createHmac('sha256', key).update(`${messageId}.${timestamp}.`).update(payload).digest('base64');
}

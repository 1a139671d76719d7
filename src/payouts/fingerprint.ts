import { createHash } from 'node:crypto';

export interface FingerprintedRequest {
  externalId: string;
  purpose?: string;
  items: readonly unknown[];
}

/**
 * sha256 of what makes an init request that request: externalId, purpose and the items as sent
 * (parsed, so whitespace and number spelling such as 10.50 vs 10.5 do not matter; key order does).
 * locale and conversationId are left out: a retry may change them and is still the same request.
 * Hashed item by item so no second copy of a 100,000-item body is built.
 */
export function requestFingerprint(request: FingerprintedRequest): string {
  const hash = createHash('sha256');
  hash.update(JSON.stringify([request.externalId, request.purpose ?? null, request.items.length]));
  for (const item of request.items) hash.update('\n').update(JSON.stringify(item) ?? 'undefined');
  return hash.digest('hex');
}

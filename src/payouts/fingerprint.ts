import { createHash, type Hash } from 'node:crypto';

export interface FingerprintedRequest {
  externalId: string;
  purpose?: string;
  items: readonly unknown[];
}

/**
 * What makes an init request that request: externalId, purpose and the items as sent (parsed, so
 * whitespace and number spelling such as 10.50 vs 10.5 do not matter; key order inside an item does).
 * locale and conversationId are left out: a retry may change them and is still the same request.
 */
export interface RequestFingerprint {
  /** sha256 of `JSON.stringify([externalId, purpose ?? null, itemsDigest])`, itemsDigest the hex sha256 of the items' JSON joined by commas. */
  value: string;
  /**
   * The same request in the form batches were stored with before init was streamed:
   * sha256 of `JSON.stringify([externalId, purpose ?? null, items])`. It needs externalId and purpose
   * before the first item, so it is known only when the body put them there (every official client
   * does); a batch stored under it is still recognised when the same request comes again.
   */
  legacy?: string;
}

/** Items stringified per hash update: ~200 KB of JSON, where one update per item cost twice as much. */
const itemsPerUpdate = 1000;

/**
 * A request's fingerprint, fed one item at a time as the items arrive: the items are hashed on their
 * own, so it does not matter whether externalId and purpose come before or after them in the body.
 */
export class FingerprintHasher {
  private readonly items = createHash('sha256');
  private readonly legacyHash: Hash | undefined;
  private readonly legacyHead: string | undefined;
  private pending: unknown[] = [];
  private hashed = 0;

  /** `known`: externalId and purpose as they stood before the first item, when the body had them there. */
  constructor(known?: { externalId: unknown; purpose: unknown }) {
    if (known && typeof known.externalId === 'string') {
      this.legacyHead = JSON.stringify([known.externalId, known.purpose ?? null]);
      this.legacyHash = createHash('sha256').update(this.legacyHead.slice(0, -1) + ',[');
    }
  }

  add(item: unknown): void {
    this.pending.push(item);
    if (this.pending.length >= itemsPerUpdate) this.flush();
  }

  finish(externalId: string, purpose: string | null | undefined): RequestFingerprint {
    this.flush();
    const head = JSON.stringify([externalId, purpose ?? null]);
    const value = createHash('sha256').update(JSON.stringify([externalId, purpose ?? null, this.items.digest('hex')])).digest('hex');
    const legacy = this.legacyHash && this.legacyHead === head ? this.legacyHash.update(']]').digest('hex') : undefined;
    return legacy === undefined ? { value } : { value, legacy };
  }

  private flush(): void {
    if (this.pending.length === 0) return;
    // An array's JSON is its items' JSON joined by commas (an undefined item as null) inside brackets:
    // one stringify of the run, not one per item, and one UTF-8 encoding for both hashes.
    const json = JSON.stringify(this.pending);
    const text = Buffer.from(this.hashed === 0 ? json.slice(1, -1) : ',' + json.slice(1, -1), 'utf8');
    this.items.update(text);
    this.legacyHash?.update(text);
    this.hashed += this.pending.length;
    this.pending = [];
  }
}

/** The fingerprint of a request held whole (a console upload). */
export function requestFingerprint(request: FingerprintedRequest): RequestFingerprint {
  const hasher = new FingerprintHasher({ externalId: request.externalId, purpose: request.purpose });
  for (const item of request.items) hasher.add(item);
  return hasher.finish(request.externalId, request.purpose);
}

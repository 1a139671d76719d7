import { createHash, type Hmac } from 'node:crypto';
import { limits } from '../limits.ts';
import { clientErrorCodes, MassPayoutError } from './errors.ts';
import type { InitInput, InitItemInput } from './types.ts';

/**
 * The body of an init too large to hold (1,000,000 items are ~190 MB of JSON), made from its items
 * as they are read. IYZWSv2 signs the whole body and the signature goes in a header, before the
 * body: so the items are read once to sign (length, SHA-256 and the HMAC of the first attempt),
 * then again to send. Every read must give the same items: the bytes sent are checked against the
 * SHA-256 as they go, and the last piece is held back until they match, so a body that differs
 * from the signed one is cut off before its end and the service creates nothing from it.
 */
export interface StreamedInitInput extends Omit<InitInput, 'items'> {
  /** The items in order, a run at a time; each call starts again from the first (a file read again) and gives the same items. */
  items: () => AsyncIterable<readonly InitItemInput[]>;
}

/** What `prepareInit` learnt of the body; `sendInit` sends it. */
export interface PreparedInit {
  readonly input: StreamedInitInput;
  /** The signed path: a prepared init goes out through the client that signed it. */
  readonly path: string;
  readonly itemCount: number;
  readonly byteLength: number;
  /** Hex SHA-256 of the body. */
  readonly sha256: string;
  /** The first attempt's random key and signature, computed as the body was made. */
  readonly randomKey: string;
  readonly signature: string;
}

const utf8 = new TextEncoder();

/** Told how many items have gone into the body so far. */
export type ItemsProgress = (items: number) => void;

/**
 * The body's bytes, those of JSON.stringify({...members, items}) for the same request: the members
 * other than items in their order, then items last.
 */
export async function* initBodyChunks(input: StreamedInitInput, onItems?: ItemsProgress): AsyncGenerator<Uint8Array> {
  const { items, ...members } = input;
  // The JSON of the request with no items ends in `[]}`: the items go between those brackets.
  let pending: Uint8Array[] = [utf8.encode(JSON.stringify({ ...members, items: [] }).slice(0, -2))];
  let pendingBytes = pending[0].length;
  let count = 0;
  for await (const run of items()) {
    if (run.length === 0) continue;
    // One JSON.stringify per run, encoded at once (half the CPU of encoding each item's text joined
    // to the others), by TextEncoder (Buffer.from took ~1.8 times as long for text with Turkish
    // letters): its `[` becomes the comma after the items before, its `]` is cut off.
    const json = utf8.encode(JSON.stringify(run));
    json[0] = 0x2c;
    pending.push(json.subarray(count === 0 ? 1 : 0, -1));
    pendingBytes += json.length;
    count += run.length;
    onItems?.(count);
    if (pendingBytes >= limits.clientStreamChunkBytes) {
      yield pending.length === 1 ? pending[0] : Buffer.concat(pending);
      pending = [];
      pendingBytes = 0;
    }
  }
  pending.push(utf8.encode(']}'));
  yield Buffer.concat(pending);
}

/** One read of the items through the body's hashes: its length, SHA-256, item count and `hmac`'s signature. */
export async function readInitBody(input: StreamedInitInput, hmac: Hmac): Promise<{ itemCount: number; byteLength: number; sha256: string; signature: string }> {
  const sha = createHash('sha256');
  let byteLength = 0;
  let itemCount = 0;
  for await (const chunk of initBodyChunks(input, (n) => (itemCount = n))) {
    sha.update(chunk);
    hmac.update(chunk);
    byteLength += chunk.length;
  }
  return { itemCount, byteLength, sha256: sha.digest('hex'), signature: hmac.digest('hex') };
}

/** The body made again, as it is sent: refused (BODY_CHANGED) before its last piece unless it is the prepared one. */
export async function* sameInitBody(prepared: PreparedInit, onItems?: ItemsProgress): AsyncGenerator<Uint8Array> {
  const sha = createHash('sha256');
  let bytes = 0;
  let held: Uint8Array | undefined;
  for await (const chunk of initBodyChunks(prepared.input, onItems)) {
    sha.update(chunk);
    bytes += chunk.length;
    if (bytes > prepared.byteLength) throw bodyChanged(prepared);
    if (held) yield held;
    held = chunk;
  }
  if (bytes !== prepared.byteLength || sha.digest('hex') !== prepared.sha256) throw bodyChanged(prepared);
  if (held) yield held;
}

export function bodyChanged(prepared: PreparedInit): MassPayoutError {
  return new MassPayoutError({
    errorCode: clientErrorCodes.BODY_CHANGED,
    errorMessage: `the items read again are not those the init body was signed from (${prepared.itemCount} items, ${prepared.byteLength} bytes); the request was cut off before its end`,
    httpStatus: 0,
    retryable: false,
  });
}

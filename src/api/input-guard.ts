import type { FastifyInstance } from 'fastify';
import { limits } from '../limits.ts';
import { isStorableText } from '../text.ts';
import { ApiError } from './errors.ts';

declare module 'fastify' {
  interface FastifyRequest {
    /** The body's text escapes U+0000 or a surrogate: its strings are checked after parsing. */
    bodyEscapesSuspect?: boolean;
  }
}

const backslash = 0x5c;
const quote = 0x22;

/** The code unit of `\uXXXX` at `at` (the backslash), or -1 when it is not one. */
function escapedUnit(raw: Buffer, at: number): number {
  if (raw[at + 1] !== 0x75 /* u */) return -1;
  const text = raw.toString('latin1', at + 2, at + 6);
  return /^[0-9a-fA-F]{4}$/.test(text) ? Number.parseInt(text, 16) : -1;
}

export interface JsonTextScan {
  /** Nesting deeper than limits.jsonDepthLevelsMax: refused before JSON.parse builds it. */
  tooDeep: boolean;
  /** Some string escapes U+0000 or a surrogate (almost no real body does): worth a look once parsed. */
  suspectEscapes: boolean;
}

/**
 * One pass over a JSON body before it is parsed, tracking strings so that brackets inside them do
 * not count: its nesting (anything recursive, such as the request fingerprint, crashed ~4,000
 * levels down) and whether any string escapes U+0000 or a surrogate. Raw control bytes and broken
 * JSON are left to JSON.parse; invalid UTF-8 decodes to U+FFFD. ~15 ms for a 20 MB init.
 */
export function scanJsonText(raw: Buffer): JsonTextScan {
  let depth = 0;
  let inString = false;
  let suspectEscapes = false;
  for (let i = 0; i < raw.length; i++) {
    const byte = raw[i];
    if (inString) {
      if (byte === quote) inString = false;
      else if (byte === backslash) {
        const unit = escapedUnit(raw, i);
        if (unit === 0 || (unit >= 0xd800 && unit <= 0xdfff)) suspectEscapes = true;
        i += unit >= 0 ? 5 : 1;
      }
    } else if (byte === quote) {
      inString = true;
    } else if (byte === 0x5b || byte === 0x7b) {
      if (++depth > limits.jsonDepthLevelsMax) return { tooDeep: true, suspectEscapes };
    } else if (byte === 0x5d || byte === 0x7d) {
      depth -= 1;
    }
  }
  return { tooDeep: false, suspectEscapes };
}

/** Whether any string in `value` (keys included) cannot be stored; `skip` names top-level keys left to their route. */
export function holdsUnstorableText(value: unknown, skip: ReadonlySet<string> = new Set()): boolean {
  if (typeof value === 'string') return !isStorableText(value);
  if (Array.isArray(value)) return value.some((v) => holdsUnstorableText(v));
  if (value && typeof value === 'object') {
    return Object.entries(value).some(([key, v]) => !isStorableText(key) || (!skip.has(key) && holdsUnstorableText(v)));
  }
  return false;
}

/**
 * Item lists are validated item by item: there a NUL or a lone surrogate makes that one item
 * INVALID (6100), as any malformed field does, and the rest of the batch goes on.
 */
const checkedByTheirRoute = new Set(['items']);

/**
 * No NUL and no lone surrogate reaches SQL: query and path parameters (percent-decoded, so
 * `?idempotencyKey=%00` is a NUL) and the body's strings (only when its text escapes one) are
 * refused with 400 code 21 before a route or its schema sees them.
 */
export function guardText(app: FastifyInstance): void {
  app.addHook('preValidation', async (request) => {
    if (holdsUnstorableText(request.query) || holdsUnstorableText(request.params)) throw new ApiError('INVALID_CHARACTERS');
    if (request.bodyEscapesSuspect && holdsUnstorableText(request.body, checkedByTheirRoute)) throw new ApiError('INVALID_CHARACTERS');
  });
}

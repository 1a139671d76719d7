import { Readable } from 'node:stream';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { limits } from '../limits.ts';
import { type BodyBudget, reserveBody } from './body-budget.ts';
import { ApiError } from './errors.ts';
import { scanJsonText } from './input-guard.ts';

declare module 'fastify' {
  interface FastifyRequest {
    /**
     * The request body exactly as received: what signatures are computed over. Empty when none.
     * Once the body has parsed, only its first rawBodyHeadBytes are kept (all that localeOf reads).
     */
    rawBody?: Buffer;
    /** On a route that streams its body (init): the body's bytes, unread, for the route to read as they arrive. */
    bodyStream?: AsyncIterable<Buffer>;
  }
}

/** A route's config says `streamedBody: true` when its handler reads the body itself, as it arrives. */
export function streamsItsBody(request: FastifyRequest): boolean {
  return (request.routeOptions.config as { streamedBody?: boolean } | undefined)?.streamedBody === true;
}

/** A body declared at most limits.smallBodyBytesMax, read whole (refused past it). */
export async function readSmallBody(payload: AsyncIterable<Buffer>): Promise<Buffer> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of payload) {
    size += chunk.length;
    if (size > limits.smallBodyBytesMax) throw new ApiError('BODY_TOO_LARGE');
    chunks.push(chunk);
  }
  return Buffer.concat(chunks, size);
}

/** What localeOf (locale.ts) looks at for `"locale"` in a body. */
const rawBodyHeadBytes = 4096;

/**
 * Reads every body into a buffer before anything else looks at it (GET bodies too: the Node
 * client signs `{}` on GET), enforcing the route's body limit, then parses JSON from that buffer.
 * A route that streams its body (streamsItsBody) gets it unread instead, once it has taken
 * `streamedBudgetBytes(declared length)` of the budget; it enforces the limit as it reads.
 */
export function captureRawBodies(app: FastifyInstance, budget: BodyBudget, streamedBudgetBytes: (declared: number | undefined) => number): void {
  app.addHook('preParsing', async (request, reply, payload) => {
    const limit = request.routeOptions.bodyLimit ?? app.initialConfig.bodyLimit ?? 1024 * 1024;
    const declared = Number(request.headers['content-length']);
    if (Number.isFinite(declared) && declared > limit) throw new ApiError('BODY_TOO_LARGE');
    const free = limits.bodyBytesUnbudgetedMax;
    if (streamsItsBody(request)) {
      const bytes = streamedBudgetBytes(Number.isSafeInteger(declared) ? declared : undefined);
      if (bytes > free) await reserveBody(budget, reply, bytes);
      return payload;
    }
    // A declared length is reserved whole before a byte is read; a body of unknown length reserves
    // in steps as it grows, and is refused at once when the budget has no room.
    let reserved = Number.isSafeInteger(declared) && declared > free ? declared : free;
    if (reserved > free) await reserveBody(budget, reply, reserved);
    // With a declared length the bytes go straight into one buffer of that size: gathering chunks
    // and concatenating them held the body twice (~40 MB for an init of 100,000 items).
    let into = Number.isSafeInteger(declared) && declared > 0 ? Buffer.allocUnsafe(declared) : undefined;
    const chunks: Buffer[] = [];
    let size = 0;
    for await (const chunk of payload) {
      const bytes = chunk as Buffer;
      if (size + bytes.length > limit) throw new ApiError('BODY_TOO_LARGE');
      if (size + bytes.length > reserved) {
        const step = Math.max(free, size + bytes.length - reserved);
        await reserveBody(budget, reply, step, 0);
        reserved += step;
      }
      if (into && size + bytes.length <= into.length) {
        bytes.copy(into, size);
      } else {
        // More than declared (HTTP/1.1's parser stops at the length, so only in theory): gather.
        if (into) chunks.push(into.subarray(0, size));
        into = undefined;
        chunks.push(bytes);
      }
      size += bytes.length;
    }
    request.rawBody = into ? into.subarray(0, size) : Buffer.concat(chunks, size);
    return Readable.from([]);
  });

  app.removeAllContentTypeParsers();
  const parseJson = (request: FastifyRequest, payload: AsyncIterable<Buffer>, done: (error: Error | null, body?: unknown) => void) => {
    if (streamsItsBody(request)) {
      request.bodyStream = payload;
      return done(null, undefined);
    }
    const raw = request.rawBody;
    if (!raw || raw.length === 0) return done(null, undefined);
    const scan = scanJsonText(raw);
    if (scan.tooDeep) return done(new ApiError('NESTING_TOO_DEEP', `at most ${limits.jsonDepthLevelsMax} levels`));
    request.bodyEscapesSuspect = scan.suspectEscapes;
    let body: unknown;
    try {
      body = JSON.parse(raw.toString('utf8'));
    } catch {
      return done(new ApiError('MALFORMED_JSON'));
    }
    // Signatures are checked before parsing (merchant-auth.ts, preParsing); past this point the whole
    // body (~20 MB for an init of 100,000 items) would only be memory held while the items are
    // stored. A copy of the head, as a subarray would keep the whole buffer alive.
    if (raw.length > rawBodyHeadBytes) request.rawBody = Buffer.from(raw.subarray(0, rawBodyHeadBytes));
    done(null, body);
  };
  app.addContentTypeParser('application/json', parseJson);
  // Some clients omit or vary the content type of a JSON body; the bytes decide, not the label.
  app.addContentTypeParser('*', parseJson);
}

import { Readable } from 'node:stream';
import type { FastifyInstance } from 'fastify';
import { ApiError } from './errors.ts';

declare module 'fastify' {
  interface FastifyRequest {
    /** The request body exactly as received: what signatures are computed over. Empty when none. */
    rawBody?: Buffer;
  }
}

/**
 * Reads every body into a buffer before anything else looks at it (GET bodies too: the Node
 * client signs `{}` on GET), enforcing the route's body limit, then parses JSON from that buffer.
 */
export function captureRawBodies(app: FastifyInstance): void {
  app.addHook('preParsing', async (request, _reply, payload) => {
    const limit = request.routeOptions.bodyLimit ?? app.initialConfig.bodyLimit ?? 1024 * 1024;
    const declared = Number(request.headers['content-length']);
    if (Number.isFinite(declared) && declared > limit) throw new ApiError('BODY_TOO_LARGE');
    const chunks: Buffer[] = [];
    let size = 0;
    for await (const chunk of payload) {
      size += (chunk as Buffer).length;
      if (size > limit) throw new ApiError('BODY_TOO_LARGE');
      chunks.push(chunk as Buffer);
    }
    request.rawBody = Buffer.concat(chunks, size);
    return Readable.from([]);
  });

  app.removeAllContentTypeParsers();
  const parseJson = (request: { rawBody?: Buffer }, _payload: unknown, done: (error: Error | null, body?: unknown) => void) => {
    const raw = request.rawBody;
    if (!raw || raw.length === 0) return done(null, undefined);
    try {
      done(null, JSON.parse(raw.toString('utf8')));
    } catch {
      done(new ApiError('MALFORMED_JSON'));
    }
  };
  app.addContentTypeParser('application/json', parseJson);
  // Some clients omit or vary the content type of a JSON body; the bytes decide, not the label.
  app.addContentTypeParser('*', parseJson);
}

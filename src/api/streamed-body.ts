import type { FastifyRequest } from 'fastify';
import { ApiError } from './errors.ts';
import { streamedSignatureOf } from './streamed-signature.ts';

/**
 * The bytes of a streamed body as they arrive, each fed to the request's signature check first,
 * refused with 413 the moment they pass `limitBytes` (a declared length over it was refused before
 * the first byte). Nothing when the request has no body.
 */
export async function* streamedBody(request: FastifyRequest, limitBytes: number): AsyncGenerator<Buffer> {
  const signature = streamedSignatureOf(request);
  const stream = request.bodyStream;
  if (!stream) return;
  let size = 0;
  for await (const chunk of stream) {
    size += chunk.length;
    if (size > limitBytes) throw new ApiError('BODY_TOO_LARGE');
    signature.update(chunk);
    yield chunk;
  }
}

import { createHash, timingSafeEqual } from 'node:crypto';
import type { FastifyInstance } from 'fastify';
import { ApiError } from './errors.ts';

const digest = (text: string) => createHash('sha256').update(text).digest();

/** Bearer-token guard for the admin scope; merchant signatures are never accepted here. */
export function requireAdminToken(scope: FastifyInstance, adminToken: string): void {
  const expected = digest(adminToken);
  scope.addHook('onRequest', async (request) => {
    // The scheme name is case-insensitive (RFC 9110 §11.1): "bearer x" is as good as "Bearer x".
    const match = /^Bearer (\S+)$/i.exec(request.headers.authorization ?? '');
    // Comparing digests keeps the comparison constant-time whatever the presented length.
    if (!match || !timingSafeEqual(digest(match[1]), expected)) throw new ApiError('ADMIN_UNAUTHORIZED');
  });
}

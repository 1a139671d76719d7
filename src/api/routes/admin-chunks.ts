import { Type } from 'typebox';
import { listParkedChunks, retryParkedChunk } from '../../queue/parked-chunks.ts';
import { responses } from '../../wire/schemas.ts';
import { PagingQuery, pagingOf } from '../admin-paging.ts';
import type { ApiServer, Deps } from '../deps.ts';
import { ApiError } from '../errors.ts';

const Chunk = Type.Object({
  id: Type.String(),
  requestId: Type.String({ format: 'uuid' }),
  seqFrom: Type.Integer(),
  seqTo: Type.Integer(),
  failures: Type.Integer(),
  lastError: Type.Union([Type.String(), Type.Null()]),
  parkedAt: Type.String({ format: 'date-time' }),
});

const ChunkList = Type.Object({
  chunks: Type.Array(Chunk),
  nextAfterId: Type.Union([Type.String(), Type.Null()], { description: 'afterId of the next page; null on the last page' }),
});

/** GET /admin/v1/chunks/parked and POST /admin/v1/chunks/:id/retry: work chunks that stopped being retried. */
export function adminChunkRoutes(app: ApiServer, deps: Deps): void {
  app.get(
    '/admin/v1/chunks/parked',
    {
      schema: {
        tags: ['admin'],
        summary: 'Work chunks parked after failing too often, with their last error (their items keep state and money)',
        security: [{ adminToken: [] }],
        querystring: Type.Object(PagingQuery, { additionalProperties: false }),
        response: responses(ChunkList),
      },
    },
    async (request) => {
      const paging = pagingOf(request.query);
      const chunks = await listParkedChunks(deps.db, paging);
      return {
        chunks: chunks.map((c) => ({ id: c.id.toString(), requestId: c.batchId, seqFrom: c.seqFrom, seqTo: c.seqTo, failures: c.failures, lastError: c.lastError, parkedAt: c.parkedAt.toISOString() })),
        nextAfterId: chunks.length === paging.limit ? chunks[chunks.length - 1].id.toString() : null,
      };
    },
  );

  app.post(
    '/admin/v1/chunks/:id/retry',
    {
      schema: {
        tags: ['admin'],
        summary: 'Make a parked chunk due again, its failure count reset',
        security: [{ adminToken: [] }],
        params: Type.Object({ id: Type.String({ pattern: '^[0-9]{1,18}$' }) }),
        response: responses(Type.Object({ id: Type.String(), retried: Type.Literal(true) })),
      },
    },
    async (request) => {
      if (!(await retryParkedChunk(deps.db, BigInt(request.params.id)))) throw new ApiError('CHUNK_NOT_PARKED');
      return { id: request.params.id, retried: true as const };
    },
  );
}

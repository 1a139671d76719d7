import { Type } from 'typebox';
import { listAuditEvents } from '../../audit/list.ts';
import { verifyAuditAndTransfers } from '../../ledger/verify-transfer-sets.ts';
import { PagingQuery, pagingOf } from '../admin-paging.ts';
import { responses } from '../../wire/schemas.ts';
import type { ApiServer, Deps } from '../deps.ts';

const AuditEvent = Type.Object({
  id: Type.String(),
  at: Type.String({ format: 'date-time' }),
  actor: Type.String(),
  action: Type.String(),
  entity: Type.String(),
  before: Type.Unknown(),
  after: Type.Unknown(),
  hash: Type.String(),
});

const AuditList = Type.Object({
  events: Type.Array(AuditEvent),
  nextAfterId: Type.Union([Type.String(), Type.Null()], { description: 'afterId of the next page; null on the last page' }),
});

const Verdict = Type.Object({
  ok: Type.Boolean(),
  firstBrokenEventId: Type.Optional(Type.String({ description: 'the first event whose hash does not match (or chain:<id> when a chain lost its tail)' })),
});

/** GET /admin/v1/audit (a batch's trail, or everything, paged) and GET /admin/v1/audit/verify. */
export function adminAuditRoutes(app: ApiServer, deps: Deps): void {
  app.get(
    '/admin/v1/audit',
    {
      schema: {
        tags: ['admin'],
        summary: 'Audit events in order, optionally of one batch (requestId)',
        security: [{ adminToken: [] }],
        querystring: Type.Object({ requestId: Type.Optional(Type.String({ format: 'uuid' })), ...PagingQuery }, { additionalProperties: false }),
        response: responses(AuditList),
      },
    },
    async (request) => {
      const paging = pagingOf(request.query);
      const page = await listAuditEvents(deps.db, { requestId: request.query.requestId, afterId: paging.afterId, limit: paging.limit });
      return {
        events: page.events.map((e) => ({
          id: e.id.toString(),
          at: new Date(e.at).toISOString(),
          actor: e.actor,
          action: e.action,
          entity: e.entity,
          before: e.before,
          after: e.after,
          hash: e.hash,
        })),
        nextAfterId: page.nextAfterId === undefined ? null : page.nextAfterId.toString(),
      };
    },
  );

  app.get(
    '/admin/v1/audit/verify',
    { schema: { tags: ['admin'], summary: 'Recompute every hash chain, and check the transfers each ledger.transfers event stands for', security: [{ adminToken: [] }], response: responses(Verdict) } },
    async () => {
      const verdict = await verifyAuditAndTransfers(deps.db);
      return verdict.ok ? { ok: true } : { ok: false, firstBrokenEventId: verdict.firstBrokenEventId };
    },
  );
}

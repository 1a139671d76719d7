import { Type } from 'typebox';
import { formatDecimal } from '../../money.ts';
import { listSandboxTransfers } from '../../rails/sandbox-transfers.ts';
import { PagingQuery, pagingOf } from '../admin-paging.ts';
import { responses } from '../../wire/schemas.ts';
import type { ApiServer, Deps } from '../deps.ts';

const Transfers = Type.Object({
  transfers: Type.Array(
    Type.Object({
      idempotencyKey: Type.String({ description: "the item's referenceCode" }),
      iban: Type.String(),
      amount: Type.String({ description: 'decimal string' }),
      currency: Type.String(),
      status: Type.Union([Type.Literal('PAID'), Type.Literal('REJECTED')]),
      reason: Type.Union([Type.String(), Type.Null()]),
      at: Type.String({ format: 'date-time' }),
    }),
  ),
  nextAfterId: Type.Union([Type.String(), Type.Null()]),
});

/** GET /admin/v1/rails/sandbox-bank/transfers: what the sandbox bank did, one row per idempotency key. */
export function adminSandboxBankRoutes(app: ApiServer, deps: Deps): void {
  app.get(
    '/admin/v1/rails/sandbox-bank/transfers',
    {
      schema: {
        tags: ['admin'],
        summary: "The sandbox bank's transfers, in the order it received them",
        security: [{ adminToken: [] }],
        querystring: Type.Object({ idempotencyKey: Type.Optional(Type.String({ maxLength: 64 })), ...PagingQuery }, { additionalProperties: false }),
        response: responses(Transfers),
      },
    },
    async (request) => {
      const paging = pagingOf(request.query);
      const page = await listSandboxTransfers(deps.db, { afterSeq: paging.afterId, limit: paging.limit, idempotencyKey: request.query.idempotencyKey });
      return {
        transfers: page.transfers.map((t) => ({
          idempotencyKey: t.idempotencyKey,
          iban: t.iban,
          amount: formatDecimal(t.amount),
          currency: t.currency,
          status: t.status,
          reason: t.reason,
          at: new Date(t.at).toISOString(),
        })),
        nextAfterId: page.nextAfterSeq === undefined ? null : page.nextAfterSeq.toString(),
      };
    },
  );
}

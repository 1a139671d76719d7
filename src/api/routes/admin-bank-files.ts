import { Type } from 'typebox';
import { limits } from '../../limits.ts';
import { formatDecimal } from '../../money.ts';
import { listBankExceptions, listBankFiles, reissueRejectedFile } from '../../rails/iso20022/bank-files.ts';
import { ApiError } from '../errors.ts';
import { responses } from '../../wire/schemas.ts';
import type { ApiServer, Deps } from '../deps.ts';

const Paging = {
  // The admin client sends the operator's locale with every request (errorMessage's language).
  locale: Type.Optional(Type.String({ maxLength: 8, description: 'tr or en: the language of errorMessage' })),
  limit: Type.Optional(Type.String({ pattern: '^[0-9]{1,6}$', description: `rows per page, 1..${limits.bankFilesPageRowsMax} (default 100)` })),
  beforeId: Type.Optional(Type.String({ pattern: '^[0-9]{1,18}$', description: 'the nextBeforeId of the previous page (pages go from the newest)' })),
};

function pageOf(query: { limit?: string; beforeId?: string }): { limit: number; beforeId?: bigint } {
  const limit = query.limit === undefined ? 100 : Number(query.limit);
  if (limit < 1 || limit > limits.bankFilesPageRowsMax) throw new ApiError('INVALID_REQUEST', `limit must be 1..${limits.bankFilesPageRowsMax}`);
  return { limit, beforeId: query.beforeId === undefined ? undefined : BigInt(query.beforeId) };
}

const Nullable = <T extends Parameters<typeof Type.Union>[0][number]>(schema: T) => Type.Union([schema, Type.Null()]);

const Files = Type.Object({
  files: Type.Array(
    Type.Object({
      id: Type.String(),
      direction: Type.Union([Type.Literal('OUT'), Type.Literal('IN')]),
      msgId: Nullable(Type.String()),
      name: Type.String(),
      message: Type.String({ description: 'pain.001.001.09, pain.002.001.10, camt.054.001.08, …' }),
      state: Type.String({ description: 'out: RECORDED, SUBMITTED, ACCEPTED, REJECTED, REISSUED; in: PROCESSED, REJECTED' }),
      txCount: Type.Integer(),
      ctrlSum: Type.String({ description: 'out: the sum of its transactions, decimal string' }),
      reason: Nullable(Type.String()),
      reissueOf: Nullable(Type.String()),
      createdAt: Type.String({ format: 'date-time' }),
      updatedAt: Type.String({ format: 'date-time' }),
    }),
  ),
  nextBeforeId: Nullable(Type.String()),
});

const Exceptions = Type.Object({
  exceptions: Type.Array(
    Type.Object({
      id: Type.String(),
      fileName: Type.String(),
      endToEndId: Nullable(Type.String()),
      kind: Type.String(),
      detail: Type.String(),
      at: Type.String({ format: 'date-time' }),
    }),
  ),
  nextBeforeId: Nullable(Type.String()),
});

const Reissued = Type.Object({ msgId: Type.String(), name: Type.String(), txCount: Type.Integer() });

/** The ISO 20022 bank rail's files, exceptions and re-issue, under /admin/v1/rails/bank-files. */
export function adminBankFileRoutes(app: ApiServer, deps: Deps): void {
  app.get(
    '/admin/v1/rails/bank-files',
    {
      schema: {
        tags: ['admin'],
        summary: 'Files exchanged with the bank (pain.001 out; pain.002 and camt.054 in), newest first',
        security: [{ adminToken: [] }],
        querystring: Type.Object({ direction: Type.Optional(Type.Union([Type.Literal('OUT'), Type.Literal('IN')])), state: Type.Optional(Type.String({ pattern: '^[A-Z]{1,16}$' })), ...Paging }, { additionalProperties: false }),
        response: responses(Files),
      },
    },
    async (request) => {
      const page = await listBankFiles(deps.db, { direction: request.query.direction, state: request.query.state, ...pageOf(request.query) });
      return {
        files: page.files.map((f) => ({ ...f, id: f.id.toString(), ctrlSum: formatDecimal(f.ctrlSum), reissueOf: f.reissueOf?.toString() ?? null, createdAt: f.createdAt.toISOString(), updatedAt: f.updatedAt.toISOString() })),
        nextBeforeId: page.nextBeforeId?.toString() ?? null,
      };
    },
  );

  app.get(
    '/admin/v1/rails/bank-files/exceptions',
    {
      schema: {
        tags: ['admin'],
        summary: "What the bank's reports said that could not be applied (an unknown EndToEndId, a status after a final one), newest first",
        security: [{ adminToken: [] }],
        querystring: Type.Object(Paging, { additionalProperties: false }),
        response: responses(Exceptions),
      },
    },
    async (request) => {
      const page = await listBankExceptions(deps.db, pageOf(request.query));
      return {
        exceptions: page.exceptions.map((e) => ({ id: e.id.toString(), fileName: e.fileName, endToEndId: e.endToEndId, kind: e.kind, detail: e.detail, at: e.at.toISOString() })),
        nextBeforeId: page.nextBeforeId?.toString() ?? null,
      };
    },
  );

  app.post(
    '/admin/v1/rails/bank-files/:msgId/reissue',
    {
      schema: {
        tags: ['admin'],
        summary: 'Put the transactions of a file the bank rejected whole into a new file, with the same EndToEndIds',
        security: [{ adminToken: [] }],
        params: Type.Object({ msgId: Type.String({ minLength: 1, maxLength: 35 }) }),
        response: responses(Reissued),
      },
    },
    async (request) => {
      const outcome = await reissueRejectedFile(deps.db, request.params.msgId);
      if (!outcome.ok) throw new ApiError(outcome.code, request.params.msgId);
      return outcome.file;
    },
  );
}

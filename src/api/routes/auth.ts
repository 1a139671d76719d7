import { logBatchChange } from '../../observability/batch-log.ts';
import { authorizeFromApi, type ApiAuthOutcome } from '../../payouts/approvals.ts';
import { AuthRequest, EnvelopeResponse, paths } from '../../wire/contract.ts';
import { success } from '../envelope.ts';
import { ApiError, type ApiErrorName } from '../errors.ts';
import { merchantOf } from '../merchant-auth.ts';
import { LocaleQuery, responses } from '../../wire/schemas.ts';
import type { ApiServer, Deps } from '../deps.ts';

const failures: Record<Extract<ApiAuthOutcome, { ok: false }>['code'], ApiErrorName> = {
  APPROVAL_REQUIRED: 'APPROVAL_REQUIRED',
  MASS_PAYOUT_NOT_FOUND: 'MASS_PAYOUT_NOT_FOUND',
  MASS_PAYOUT_CANCELED: 'MASS_PAYOUT_CANCELED',
  NO_VALID_ITEMS: 'NO_VALID_ITEMS',
  INSUFFICIENT_BALANCE: 'INSUFFICIENT_BALANCE',
};

/** POST /v1/mass/payout/auth: reserve, move to PROCESSING, queue. A retry of a done auth succeeds. */
export function authRoute(app: ApiServer, deps: Deps): void {
  app.post(
    paths.auth,
    {
      schema: {
        tags: ['mass payout'],
        summary: 'Authorise a batch: reserve its funds and queue its valid items',
        security: [{ IYZWSv2: [] }],
        querystring: LocaleQuery,
        body: AuthRequest,
        response: responses(EnvelopeResponse),
      },
    },
    async (request) => {
      const merchant = merchantOf(request);
      const outcome = await authorizeFromApi(deps.db, deps.queue, {
        merchantId: merchant.id,
        batchId: request.body.requestId,
        actor: `merchant:${merchant.apiKey}`,
        policy: merchant.approval,
      });
      const change = { batchId: request.body.requestId, merchantId: merchant.id, actor: `merchant:${merchant.apiKey}` };
      if (!outcome.ok && outcome.code === 'INSUFFICIENT_BALANCE') logBatchChange(request.log, { ...change, to: 'INSUFFICIENT_BALANCE' });
      if (!outcome.ok) throw new ApiError(failures[outcome.code]);
      if (outcome.authorizedNow) logBatchChange(request.log, { ...change, to: 'IN_PROGRESS' });
      return success(request, {});
    },
  );
}

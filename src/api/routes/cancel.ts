import { Type } from 'typebox';
import { logBatchChange } from '../../observability/batch-log.ts';
import { cancelBatch, type CancelFailure } from '../../payouts/cancel-batch.ts';
import { CancelParams, EnvelopeResponse, paths } from '../../wire/contract.ts';
import { success } from '../envelope.ts';
import { ApiError, type ApiErrorName } from '../errors.ts';
import { merchantOf } from '../merchant-auth.ts';
import { LocaleQuery, RequestBody, responses } from '../../wire/schemas.ts';
import type { ApiServer, Deps } from '../deps.ts';

const failures: Record<CancelFailure, ApiErrorName> = {
  MASS_PAYOUT_NOT_FOUND: 'MASS_PAYOUT_NOT_FOUND',
  ALREADY_AUTHORIZED: 'ALREADY_AUTHORIZED',
};

/**
 * No body is needed: the Java client sends none, the Node client `{}`, the Python client `null`, the
 * PHP client `[]` (its empty request), and a body may still carry `locale` and `conversationId`.
 */
const CancelBody = Type.Union([RequestBody({}), Type.Null(), Type.Array(Type.Never(), { maxItems: 0 })]);

/** POST /v1/mass/payout/cancel/{requestId}: only before auth; canceling again succeeds. */
export function cancelRoute(app: ApiServer, deps: Deps): void {
  app.post(
    paths.cancel,
    {
      schema: {
        tags: ['mass payout'],
        summary: 'Cancel a batch that is not yet authorised',
        security: [{ IYZWSv2: [] }],
        params: CancelParams,
        querystring: LocaleQuery,
        body: CancelBody,
        response: responses(EnvelopeResponse),
      },
    },
    async (request) => {
      const merchant = merchantOf(request);
      const outcome = await cancelBatch(deps.db, {
        merchantId: merchant.id,
        batchId: request.params.requestId,
        actor: `merchant:${merchant.apiKey}`,
      });
      if (!outcome.ok) throw new ApiError(failures[outcome.code]);
      if (outcome.canceledNow) logBatchChange(request.log, { batchId: request.params.requestId, merchantId: merchant.id, to: 'CANCELED', actor: `merchant:${merchant.apiKey}` });
      return success(request, {});
    },
  );
}

import { InitRequest, InitResponse, paths } from '../../wire/contract.ts';
import { errors, type Locale } from '../../errors.ts';
import { ApiError } from '../errors.ts';
import { success } from '../envelope.ts';
import { localeOf } from '../locale.ts';
import { merchantOf } from '../merchant-auth.ts';
import { LocaleQuery, responses } from '../../wire/schemas.ts';
import type { ApiServer, Deps } from '../deps.ts';
import { logBatchChange } from '../../observability/batch-log.ts';
import { requestFingerprint } from '../../payouts/fingerprint.ts';
import { initBatch } from '../../payouts/init-batch.ts';
import { type CheckedBatch, validateItems } from '../../payouts/validate-item.ts';

/** POST /v1/mass/payout/init: validate every item, store the batch INIT, answer with its id and the invalid items. */
export function initRoute(app: ApiServer, deps: Deps): void {
  app.post(
    paths.init,
    {
      // The one large body of the API: 100,000 items are ~20 MB of JSON.
      bodyLimit: deps.config.requestBodyBytesMax,
      schema: {
        tags: ['mass payout'],
        summary: 'Create a mass payout (first phase)',
        security: [{ IYZWSv2: [] }],
        querystring: LocaleQuery,
        body: InitRequest,
        response: responses(InitResponse),
      },
    },
    async (request) => {
      const body = request.body;
      if (body.items.length === 0) throw new ApiError('NO_ITEMS');
      if (body.items.length > deps.config.itemsPerBatchMax) throw new ApiError('TOO_MANY_ITEMS', `at most ${deps.config.itemsPerBatchMax}`);
      const merchant = merchantOf(request);
      const checked = validateItems(body.items);
      const outcome = await initBatch(deps.db, {
        merchant,
        actor: `merchant:${merchant.apiKey}`,
        externalId: body.externalId,
        conversationId: body.conversationId ?? null,
        purpose: body.purpose ?? null,
        fingerprint: requestFingerprint(body),
        checked,
      });
      if (outcome.kind === 'conflict') throw new ApiError('EXTERNAL_ID_CONFLICT');
      if (outcome.kind === 'created') logBatchChange(request.log, { batchId: outcome.requestId, merchantId: merchant.id, to: 'INIT', actor: `merchant:${merchant.apiKey}` });
      // A replay carries the same items, so validating them again gives the same invalid items.
      return success(request, { requestId: outcome.requestId, invalidItems: invalidItemsOf(checked, localeOf(request)) });
    },
  );
}

function invalidItemsOf(checked: CheckedBatch, locale: Locale) {
  const invalid: { externalId: string | null; errorCode: string; errorMessage: string }[] = [];
  for (const entry of checked.items) {
    if (entry.valid) continue;
    invalid.push({
      externalId: entry.item.itemExternalId,
      errorCode: errors[entry.reasons[0]].code,
      errorMessage: entry.reasons.map((reason) => errors[reason][locale]).join('; '),
    });
  }
  return invalid;
}

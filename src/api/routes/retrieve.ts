import { retrieveBatchPage } from '../../payouts/batch-page.ts';
import { limits } from '../../limits.ts';
import { paths, RetrieveRequest, RetrieveResponse } from '../../wire/contract.ts';
import { success } from '../envelope.ts';
import { ApiError } from '../errors.ts';
import { localeOf } from '../locale.ts';
import { merchantOf } from '../merchant-auth.ts';
import { massPayoutView, payoutItemView } from '../payout-views.ts';
import { integerOf } from '../integer-of.ts';
import { LocaleQuery, responses } from '../../wire/schemas.ts';
import type { ApiServer, Deps } from '../deps.ts';

/**
 * POST /v1/mass/payout/retrieve: a batch by requestId and/or externalMassPayoutId (both given: they
 * must name the same batch) with one page of its items in submission order. page/size/total appear
 * both inside massPayoutItems and at the top level, as the public docs show both. page and size may
 * be left out (the first page of limits.retrievePageSizeDefault items) or sent as digit strings.
 */
export function retrieveRoute(app: ApiServer, deps: Deps): void {
  app.post(
    paths.retrieve,
    {
      schema: {
        tags: ['mass payout'],
        summary: 'A batch and one page of its items',
        security: [{ IYZWSv2: [] }],
        querystring: LocaleQuery,
        body: RetrieveRequest,
        response: responses(RetrieveResponse),
      },
    },
    async (request) => {
      const { requestId, externalMassPayoutId, itemType, itemStatuses } = request.body;
      const page = integerOf('page', request.body.page, 0, 0, limits.retrievePageIndexMax);
      const size = integerOf('size', request.body.size, limits.retrievePageSizeDefault, 1, limits.retrievePageSizeMax);
      if (requestId === undefined && externalMassPayoutId === undefined) {
        throw new ApiError('INVALID_REQUEST', 'requestId or externalMassPayoutId is required');
      }
      const merchant = merchantOf(request);
      const found = await retrieveBatchPage(deps.db, merchant.id, { requestId, externalId: externalMassPayoutId }, { page, size, filter: itemType, statuses: itemStatuses });
      if (!found) throw new ApiError('MASS_PAYOUT_NOT_FOUND');
      const locale = localeOf(request);
      const paging = { page, size, total: found.total };
      return success(request, {
        massPayout: massPayoutView(found.batch, found.counts, merchant.statusVocabulary),
        massPayoutItems: { items: found.items.map((item) => payoutItemView(item, locale)), ...paging },
        ...paging,
      });
    },
  );
}

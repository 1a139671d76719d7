import { findMerchantItem } from '../../payouts/read-batch.ts';
import { ItemParams, ItemResponse, paths } from '../../wire/contract.ts';
import { success } from '../envelope.ts';
import { ApiError } from '../errors.ts';
import { localeOf } from '../locale.ts';
import { merchantOf } from '../merchant-auth.ts';
import { payoutItemView } from '../payout-views.ts';
import { LocaleQuery, responses } from '../../wire/schemas.ts';
import type { ApiServer, Deps } from '../deps.ts';

/**
 * GET /v1/mass/payout/retrieve/items/{referenceCode}: one of the merchant's items. Clients differ in
 * the body of a GET (the Node client signs and sends `{}`, the Python client `null`, others nothing);
 * the signature covers whatever came, and the body itself is not read.
 */
export function itemRoute(app: ApiServer, deps: Deps): void {
  app.get(
    paths.item,
    {
      schema: {
        tags: ['mass payout'],
        summary: 'One payout item by its reference code',
        security: [{ IYZWSv2: [] }],
        params: ItemParams,
        querystring: LocaleQuery,
        response: responses(ItemResponse),
      },
    },
    async (request) => {
      const item = await findMerchantItem(deps.db, merchantOf(request).id, request.params.referenceCode);
      if (!item) throw new ApiError('ITEM_NOT_FOUND');
      return success(request, { item: payoutItemView(item, localeOf(request)) });
    },
  );
}

import { Readable } from 'node:stream';
import { stringify } from 'csv-stringify/sync';
import type { FastifyInstance } from 'fastify';
import { messageFor } from '../../../errors.ts';
import type { Deps } from '../../deps.ts';
import { payoutColumns } from '../../../wire/payout-columns.ts';
import { formatDecimal } from '../../../money.ts';
import { merchantItemsPage, type ItemFilter, type ItemRecord } from '../../../payouts/read-batch.ts';
import { viewer } from '../viewer.ts';
import { visibleBatch } from './batches.ts';

const pageItems = 1000;

/** The submit columns, in the order the CLI and the upload read them. */
function submitFields(item: ItemRecord): string[] {
  return [item.itemExternalId, item.recipientType, item.recipientInfo, item.recipientName ?? '', formatDecimal(item.amount), item.currency, item.description ?? ''];
}

/**
 * Items as CSV, streamed a page at a time: the submit columns first (the file can be uploaded
 * again as it is, the extra columns are ignored), then what became of each item. The invalid
 * export holds only the INVALID lines, with their reasons: fix them and upload the file again.
 */
export function itemCsvRoutes(scope: FastifyInstance, deps: Deps): void {
  const exportRoute = (path: string, filter: ItemFilter | undefined, extra: string[], fields: (item: ItemRecord, locale: 'tr' | 'en') => string[]) =>
    scope.get(path, { schema: { hide: true } }, async (request, reply) => {
      const batch = await visibleBatch(deps, viewer(request), (request.params as { id: string }).id);
      const locale = request.console!.locale;
      async function* lines() {
        yield stringify([[...payoutColumns, ...extra]]);
        for (let page = 0; ; page++) {
          const items = await merchantItemsPage(deps.db, batch.merchantId, batch.id, { page, size: pageItems, filter });
          if (items.length > 0) yield stringify(items.map((item) => [...submitFields(item), ...fields(item, locale)]));
          if (items.length < pageItems) return;
        }
      }
      const name = `${batch.externalId.replace(/[^A-Za-z0-9._-]/g, '_')}${filter === 'INVALID' ? '-invalid' : ''}.csv`;
      return reply.type('text/csv; charset=utf-8').header('content-disposition', `attachment; filename="${name}"`).send(Readable.from(lines()));
    });
  const reasons = (item: ItemRecord, locale: 'tr' | 'en') => item.errorCodes.map((code) => messageFor(code, locale)).join('; ');
  exportRoute('/console/batches/:id/items.csv', undefined, ['itemStatus', 'referenceCode', 'errorCodes', 'errorMessage'], (item, locale) => [item.status, item.referenceCode, item.errorCodes.join(';'), reasons(item, locale)]);
  exportRoute('/console/batches/:id/invalid.csv', 'INVALID', ['errorMessage'], (item, locale) => [reasons(item, locale)]);
}

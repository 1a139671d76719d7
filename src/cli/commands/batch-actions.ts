import type { Command } from 'commander';
import { itemJson, progressJson } from '../json-views.ts';
import { formatMoney } from '../money.ts';
import { type MerchantOptions, merchantClient, uuid, withMerchantOptions } from '../options.ts';
import { run } from '../output.ts';
import { progressLine } from '../progress-view.ts';

/**
 * `auth REQUEST_ID`, `cancel REQUEST_ID` and `item REFERENCE_CODE`: one merchant call each. auth and
 * cancel are safe to repeat (the service answers success for a batch already authorised or canceled),
 * so each prints where the batch stands afterwards rather than claiming it did something new.
 */
export function registerBatchActionCommands(program: Command): void {
  withMerchantOptions(
    program
      .command('auth')
      .description('authorise a submitted batch: reserve its amount and commission and start its payouts (safe to repeat)')
      .argument('<requestId>', 'the batch, as submit printed it', uuid),
  ).action(
    run(async (out, requestId: string, options: MerchantOptions) => {
      const client = await merchantClient(options);
      await client.auth(requestId);
      const now = await client.progress(requestId);
      if (out.json) return out.data({ requestId, authorized: true, progress: progressJson(now) });
      out.line(`batch ${requestId} is authorised: ${progressLine(now, options.locale)}`);
    }),
  );

  withMerchantOptions(
    program
      .command('cancel')
      .description('cancel a batch that is not authorised yet (safe to repeat)')
      .argument('<requestId>', 'the batch, as submit printed it', uuid),
  ).action(
    run(async (out, requestId: string, options: MerchantOptions) => {
      const client = await merchantClient(options);
      await client.cancel(requestId);
      const now = await client.progress(requestId);
      if (out.json) return out.data({ requestId, canceled: true, progress: progressJson(now) });
      out.line(`batch ${requestId} is canceled: ${progressLine(now, options.locale)}`);
    }),
  );

  withMerchantOptions(
    program
      .command('item')
      .description('show one payout item by its referenceCode (as items and items --csv print it)')
      .argument('<referenceCode>', "the item's referenceCode", uuid),
  ).action(
    run(async (out, referenceCode: string, options: MerchantOptions) => {
      const client = await merchantClient(options);
      const { item } = await client.item(referenceCode);
      if (out.json) return out.data(itemJson(item));
      const lines: [string, string | null][] = [
        ['itemExternalId', item.itemExternalId],
        ['referenceCode', item.referenceCode],
        ['requestId', item.massPayoutRequestId],
        ['status', item.itemStatus],
        ['recipient', `${item.recipientType} ${item.recipientInfo}${item.recipientName ? ` (${item.recipientName})` : ''}`],
        ['amount', formatMoney(item.totalAmount, item.currencyCode, options.locale)],
        ['commission', formatMoney(item.commissionAmount, item.currencyCode, options.locale)],
        ['description', item.description],
        ['reason', item.errorMessages.length > 0 ? item.errorMessages.join('; ') : null],
      ];
      for (const [name, value] of lines) if (value !== null) out.line(`${`${name}:`.padEnd(16)}${value}`);
    }),
  );
}

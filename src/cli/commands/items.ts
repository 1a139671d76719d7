import { type Command, InvalidArgumentError, Option } from 'commander';
import type { PayoutItem } from '../../wire/contract.ts';
import { type ItemStatus, itemStatuses } from '../../payouts/statuses.ts';
import type { Locale } from '../../errors.ts';
import { itemJson } from '../json-views.ts';
import { formatMoney } from '../money.ts';
import { type MerchantOptions, merchantClient, uuid, withMerchantOptions } from '../options.ts';
import { run } from '../output.ts';
import { type TaskBar, taskBar } from '../task-bar.ts';

interface ItemsOptions extends MerchantOptions {
  status?: ItemStatus[];
  csv?: boolean;
  itemType?: 'VALID' | 'INVALID';
}

function statusList(value: string): ItemStatus[] {
  const wanted = value.split(',').map((s) => s.trim().toUpperCase());
  const unknown = wanted.filter((s) => !(itemStatuses as readonly string[]).includes(s));
  if (unknown.length > 0) throw new InvalidArgumentError(`unknown status ${unknown.join(', ')}; one or more of ${itemStatuses.join(', ')}`);
  return wanted as ItemStatus[];
}

/**
 * `items REQUEST_ID [--status S] [--csv]`: every item of a batch, fetched page by page and written
 * as it arrives, so a batch of 100,000 items never sits in memory whole. --status is filtered by the
 * service (retrieve's itemStatuses), so exporting the 1,000 failed items of a batch reads 1,000.
 */
export function registerItemsCommand(program: Command): void {
  withMerchantOptions(
    program
      .command('items')
      .description("list a batch's items, e.g. the failed ones as CSV to send again")
      .argument('<requestId>', 'the batch', uuid)
      .addOption(
        new Option(
          '--status <statuses>',
          'only items in these states, comma-separated (a payout the rail refused ends DEPOSIT_SUCCESS once its money is back: --status DEPOSIT_SUCCESS,DEPOSIT_FAIL)',
        ).argParser(statusList),
      )
      .addOption(new Option('--item-type <type>', 'only the valid or the invalid items').choices(['VALID', 'INVALID']))
      .option('--csv', 'CSV with the submit columns first (send it again with masspayout submit)'),
  ).action(
    run(async (out, requestId: string, options: ItemsOptions) => {
      const client = await merchantClient(options);
      const format = options.csv ? 'csv' : out.json ? 'json' : 'text';
      // The CSV writer is loaded by the export that writes CSV, not by every start of the CLI.
      const csv = format === 'csv' ? await import('../csv/write-items-csv.ts') : undefined;
      const write = (text: string) => process.stdout.write(text);
      const bar = lazyBar();
      let count = 0;
      if (csv) write(csv.csvHeader());
      if (format === 'json') write('[');
      try {
        const selection = {
          ...(options.itemType ? { itemType: options.itemType } : {}),
          ...(options.status ? { itemStatuses: options.status } : {}),
          onPage: bar.update,
        };
        for await (const item of client.items(requestId, selection)) {
          if (csv) write(csv.csvLines([item]));
          else if (format === 'json') write((count === 0 ? '\n' : ',\n') + JSON.stringify(itemJson(item)));
          else write(textLine(item, options.locale) + '\n');
          count++;
        }
      } finally {
        bar.stop();
      }
      if (format === 'json') write(count === 0 ? ']\n' : '\n]\n');
      if (format === 'text') process.stderr.write(`${count} item${count === 1 ? '' : 's'}\n`);
    }),
  );
}

/** The export's bar, drawn once the first page has told how many items there are. */
function lazyBar(): { update: (seen: number, total: number) => void; stop: () => void } {
  let bar: TaskBar | undefined;
  return {
    update: (seen, total) => {
      bar ??= taskBar('exporting', 'items', total);
      bar.update(seen);
    },
    stop: () => bar?.stop(),
  };
}

function textLine(item: PayoutItem, locale: Locale): string {
  const recipient = item.recipientName ? `${item.recipientInfo} (${item.recipientName})` : item.recipientInfo;
  const reason = item.errorMessage ? `  ${item.errorMessage}` : '';
  return `${item.itemExternalId}\t${item.itemStatus}\t${formatMoney(item.totalAmount, item.currencyCode, locale)}\t${item.recipientType} ${recipient}${reason}`;
}

import { readFile, stat } from 'node:fs/promises';
import type { Command } from 'commander';
import { configFromEnv } from '../../config.ts';
import { checkRows, type BadLine } from '../csv/check-rows.ts';
import { readPayoutCsv } from '../csv/read-payout-csv.ts';
import { type MerchantOptions, merchantClient, withMerchantOptions } from '../options.ts';
import { CliFailure, run } from '../output.ts';

interface SubmitOptions extends MerchantOptions {
  externalId: string;
  auth?: boolean;
  strict?: boolean;
  dryRun?: boolean;
  purpose?: string;
}

/**
 * `submit FILE.csv --external-id ID [--auth]`: read, check locally with the service's own item
 * validator, then init (and auth). Lines with bad values are reported and sent anyway — the service
 * stores them INVALID with the same reasons, as the API does for any client — unless --strict.
 * A file that cannot be read as CSV, or holds more items than one request takes, is refused whole.
 */
export function registerSubmitCommand(program: Command): void {
  withMerchantOptions(
    program
      .command('submit')
      .description('submit a payout CSV as one batch (init), and authorise it with --auth')
      .argument('<file>', 'CSV with the header itemExternalId,recipientType,recipientInfo,recipientName,amount,currency,description')
      .requiredOption('--external-id <id>', "your id for the batch; sending the same file under the same id again is harmless")
      .option('--auth', 'authorise the batch right after init (reserves the funds and starts the payouts)')
      .option('--strict', 'send nothing when any line is bad')
      .option('--dry-run', 'check the file and report, send nothing')
      .option('--purpose <purpose>', 'SALARY, BONUS, SETTLEMENT, GOODS, SERVICES, CASHBACK, REBATES or DONATIONS'),
  ).action(
    run(async (out, file: string, options: SubmitOptions) => {
      // The limits the service runs with by default, or as this environment sets them.
      const { itemsPerBatchMax: itemsMax, requestBodyBytesMax: bytesMax } = configFromEnv();
      const size = (await stat(file)).size;
      if (size > bytesMax) throw new CliFailure(`${file} is ${size} bytes; one request takes at most ${bytesMax} (MASSPAYOUT_BODY_BYTES_MAX): split the file`);

      const read = readPayoutCsv(await readFile(file));
      if (!read.ok) {
        for (const problem of read.problems) out.note(`${file}:${problem.line}: ${problem.reason}`);
        throw new CliFailure(`${file} cannot be read as a payout CSV (${read.problems.length} problem${read.problems.length === 1 ? '' : 's'} above); nothing was sent`, {
          problems: read.problems,
        });
      }
      const { rows } = read;
      if (rows.length === 0) throw new CliFailure(`${file} has a header but no payout line; nothing was sent`);
      if (rows.length > itemsMax) {
        throw new CliFailure(
          `${file} has ${rows.length} payout lines; one request takes at most ${itemsMax} (MASSPAYOUT_ITEMS_PER_BATCH_MAX): split it into batches of ${itemsMax}; nothing was sent`,
          { itemCount: rows.length, itemsPerBatchMax: itemsMax },
        );
      }

      const { validCount, badLines } = checkRows(rows, options.locale);
      for (const bad of badLines) out.note(describeBadLine(file, bad));
      const summary = { file, itemCount: rows.length, validCount, invalidCount: badLines.length, badLines };
      out.line(`${file}: ${rows.length} payout lines, ${validCount} valid, ${badLines.length} invalid`);

      if (validCount === 0) throw new CliFailure(`${file} has no valid line; nothing was sent`, summary);
      if (options.strict && badLines.length > 0) throw new CliFailure(`${badLines.length} bad line(s) and --strict: nothing was sent`, summary);
      if (options.dryRun) {
        if (out.json) out.data({ ...summary, sent: false });
        else out.line('dry run: nothing was sent');
        return;
      }

      const client = merchantClient(options);
      const items = rows.map((row) => row.item);
      const init = await client.init({ externalId: options.externalId, ...(options.purpose ? { purpose: options.purpose as never } : {}), items });
      if (init.invalidItems.length !== badLines.length) {
        // Same validator on both sides: a difference means client and service run different versions.
        out.note(`note: the service marked ${init.invalidItems.length} item(s) invalid, the local check ${badLines.length}`);
      }
      let authorized = false;
      if (options.auth) {
        try {
          await client.auth(init.requestId);
          authorized = true;
        } catch (error) {
          out.note(`batch ${init.requestId} was created but not authorised; once the cause is fixed, run the same command again (init is idempotent on --external-id)`);
          throw error;
        }
      }
      if (out.json) return out.data({ ...summary, sent: true, requestId: init.requestId, externalId: options.externalId, authorized, invalidItems: init.invalidItems });
      out.line(`batch ${init.requestId} created (externalId ${options.externalId})${authorized ? ' and authorised: the payouts are on their way' : '; authorise it with --auth'}`);
      out.line(`requestId: ${init.requestId}`);
    }),
  );
}

function describeBadLine(file: string, bad: BadLine): string {
  const id = bad.itemExternalId ? ` (${bad.itemExternalId})` : '';
  return `${file}:${bad.line}${id}: ${bad.reasons.map((r) => r.errorMessage).join('; ')}`;
}

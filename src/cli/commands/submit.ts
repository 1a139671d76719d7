import type { Command } from 'commander';
import { errors } from '../../errors.ts';
import type { MassPayoutClient } from '../../client/client.ts';
import { clientErrorCodes, MassPayoutError } from '../../client/errors.ts';
import type { BatchProgress } from '../../client/progress.ts';
import type { PreparedInit } from '../../client/streamed-init.ts';
import type { BadLine } from '../csv/check-rows.ts';
import { type MerchantOptions, merchantClient, withMerchantOptions } from '../options.ts';
import { CliFailure, type Localized, run } from '../output.ts';
import { progressLine } from '../progress-view.ts';
import { taskBar } from '../task-bar.ts';

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
 * The file is never held: it is streamed, once to check it and sign the body, once more to send it.
 */
export function registerSubmitCommand(program: Command): void {
  withMerchantOptions(
    program
      .command('submit')
      .description('submit a payout CSV as one batch (init), and authorise it with --auth')
      .argument('<file>', 'CSV with the header itemExternalId,recipientType,recipientInfo,recipientName,amount,currency,description (recipientName and description may be left out)')
      .requiredOption('--external-id <id>', "your id for the batch; sending the same file under the same id again is harmless")
      .option('--auth', 'authorise the batch right after init (reserves the funds and starts the payouts)')
      .option('--strict', 'send nothing when any line is bad')
      .option('--dry-run', 'check the file and report, send nothing')
      .option('--purpose <purpose>', 'SALARY, BONUS, SETTLEMENT, GOODS, SERVICES, CASHBACK, REBATES or DONATIONS'),
  ).action(
    run(async (out, file: string, options: SubmitOptions) => {
      // Loaded here, not with the command tree: the settings, the CSV reader and the item validator
      // are the larger part of the CLI, and only submit needs them.
      const [{ configFromEnv }, { inputFile }, { CsvFileItems }, { RowCheck }] = await Promise.all([
        import('../../config.ts'),
        import('../input-file.ts'),
        import('../csv/file-items.ts'),
        import('../csv/check-rows.ts'),
      ]);
      // The limits the service runs with by default, or as this environment sets them.
      const { itemsPerBatchMax: itemsMax, requestBodyBytesMax: bytesMax } = configFromEnv();
      const input = await inputFile(file, bytesMax, 'MASSPAYOUT_BODY_BYTES_MAX');

      // The client before the file is read: the read that checks the file also signs the body it
      // makes (IYZWSv2 signs the whole body, in a header sent before it), so a file of any size is
      // read twice, not three times. Missing credentials are said where they were before: after the
      // file's own verdict, and never for a dry run.
      let client: MassPayoutClient | undefined;
      let noClient: unknown;
      if (!options.dryRun) {
        try {
          client = await merchantClient(options);
        } catch (error) {
          noClient = error;
        }
      }
      const request = { externalId: options.externalId, ...(options.purpose ? { purpose: options.purpose as never } : {}) };
      const check = new RowCheck(options.locale);
      const megabytes = (bytes: number) => Math.ceil(bytes / 1_000_000);
      const reading = taskBar('reading and checking', 'MB', megabytes(input.size));
      const source = new CsvFileItems(input, (row) => check.add(row), (bytes) => reading.update(Math.min(megabytes(bytes), megabytes(input.size))));
      let prepared: PreparedInit | undefined;
      try {
        if (client) prepared = await client.prepareInit({ ...request, items: source.items });
        else for await (const _ of source.items());
        reading.update(megabytes(input.size));
      } finally {
        reading.stop();
      }
      const read = source.result();
      if (!read.ok) {
        for (const problem of read.problems) out.note(`${file}:${problem.line}: ${problem.reason}`);
        throw new CliFailure('CLI_CSV_UNREADABLE', plural(file, read.problems.length), { file, problems: read.problems });
      }
      const itemCount = read.rows;
      if (itemCount === 0) throw new CliFailure('NO_ITEMS', { en: `${file} has a header but no payout line; nothing was sent`, tr: `${file} başlıktan başka satır içermiyor; hiçbir şey gönderilmedi` }, { file });
      if (itemCount > itemsMax) {
        throw new CliFailure(
          'TOO_MANY_ITEMS',
          {
            en: `${file} has ${itemCount} payout lines; one request takes at most ${itemsMax} (MASSPAYOUT_ITEMS_PER_BATCH_MAX): split it into batches of ${itemsMax}; nothing was sent`,
            tr: `${file} ${itemCount} ödeme satırı içeriyor; bir istek en fazla ${itemsMax} alır (MASSPAYOUT_ITEMS_PER_BATCH_MAX): ${itemsMax} satırlık parçalara bölün; hiçbir şey gönderilmedi`,
          },
          { file, itemCount, itemsPerBatchMax: itemsMax },
        );
      }

      const { validCount, badLines } = check;
      for (const bad of badLines) out.note(describeBadLine(file, bad));
      const summary = { file, itemCount, validCount, invalidCount: badLines.length, badLines };
      out.line(`${file}: ${itemCount} payout lines, ${validCount} valid, ${badLines.length} invalid`);

      if (validCount === 0) throw new CliFailure('NO_VALID_ITEMS', { en: `${file} has no valid line; nothing was sent`, tr: `${file} içinde geçerli satır yok; hiçbir şey gönderilmedi` }, summary);
      if (options.strict && badLines.length > 0) throw new CliFailure('CLI_STRICT_BAD_LINES', { en: `${badLines.length} bad line(s)`, tr: `${badLines.length} hatalı satır` }, summary);
      if (options.dryRun) {
        if (out.json) out.data({ ...summary, sent: false });
        else out.line('dry run: nothing was sent');
        return;
      }
      if (!client || !prepared) throw noClient;

      // Asked first, so that sending the same file again can say what it found rather than "created".
      const before = await findBatch(client, options.externalId);
      // The second read must give the body the first one signed: a file written meanwhile is refused
      // here when its size or time changed, else by the SDK as the bytes go (BODY_CHANGED, the
      // request cut off before its end, so the service creates nothing).
      if (!(await input.unchanged())) throw fileChanged(file);
      const sending = taskBar('sending', 'items', itemCount);
      let init: Awaited<ReturnType<typeof client.sendInit>>;
      try {
        init = await client.sendInit(prepared, { onItems: (sent) => sending.update(sent) });
      } catch (error) {
        if (error instanceof MassPayoutError && error.errorCode === clientErrorCodes.BODY_CHANGED) throw fileChanged(file);
        throw error;
      } finally {
        sending.stop();
      }
      if (init.invalidItems.length !== badLines.length) {
        // Same validator on both sides: a difference means client and service run different versions.
        out.note(`note: the service marked ${init.invalidItems.length} item(s) invalid, the local check ${badLines.length}`);
      }
      const waitingForAuth = before === undefined || before.status === 'INIT' || before.status === 'INSUFFICIENT_BALANCE';
      let authorizedNow = false;
      if (options.auth && waitingForAuth) {
        try {
          await client.auth(init.requestId);
          authorizedNow = true;
        } catch (error) {
          out.note(`batch ${init.requestId} was created but not authorised; once the cause is fixed, run: masspayout auth ${init.requestId}`);
          throw error;
        }
      }
      const now = before === undefined && !authorizedNow ? undefined : await client.progress(init.requestId);
      const result = {
        ...summary,
        sent: true,
        requestId: init.requestId,
        externalId: options.externalId,
        alreadyExisted: before !== undefined,
        authorized: now !== undefined && now.status !== 'INIT' && now.status !== 'INSUFFICIENT_BALANCE' && now.status !== 'CANCELED',
        massPayoutStatus: now?.status ?? 'INIT',
        invalidItems: init.invalidItems,
      };
      if (out.json) return out.data(result);
      if (before !== undefined) {
        out.line(`batch ${init.requestId} already exists (externalId ${options.externalId}): ${progressLine(before, options.locale)}`);
        if (authorizedNow) out.line('authorised now: the payouts are on their way');
        else if (waitingForAuth) out.line(`not authorised yet: masspayout auth ${init.requestId}`);
        else out.line('nothing was created or paid again');
      } else if (authorizedNow) {
        out.line(`batch ${init.requestId} created (externalId ${options.externalId}) and authorised: the payouts are on their way`);
      } else {
        out.line(`batch ${init.requestId} created (externalId ${options.externalId}); authorise it with: masspayout auth ${init.requestId}`);
      }
      out.line(`requestId: ${init.requestId}`);
    }),
  );
}

/** The merchant's batch under this externalId, or undefined when there is none yet. */
async function findBatch(client: MassPayoutClient, externalId: string): Promise<BatchProgress | undefined> {
  try {
    return await client.progress({ externalMassPayoutId: externalId });
  } catch (error) {
    if (error instanceof MassPayoutError && error.errorCode === errors.MASS_PAYOUT_NOT_FOUND.code) return undefined;
    throw error;
  }
}

function fileChanged(file: string): CliFailure {
  return new CliFailure('CLI_FILE_CHANGED', { en: `${file} (is something still writing it? submit it again once it is complete)`, tr: `${file} (hâlâ yazılıyor mu? tamamlandığında yeniden gönderin)` }, { file });
}

function plural(file: string, problems: number): Localized {
  return { en: `${file} (${problems} problem${problems === 1 ? '' : 's'} above)`, tr: `${file} (yukarıda ${problems} sorun)` };
}

function describeBadLine(file: string, bad: BadLine): string {
  const id = bad.itemExternalId ? ` (${bad.itemExternalId})` : '';
  return `${file}:${bad.line}${id}: ${bad.reasons.map((r) => r.errorMessage).join('; ')}`;
}

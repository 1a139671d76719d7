import { type Command, Option } from 'commander';
import type { BatchProgress } from '../../client/progress.ts';
import { limits } from '../../limits.ts';
import { type MerchantOptions, merchantClient, seconds, uuid, withMerchantOptions } from '../options.ts';
import { run } from '../output.ts';
import { progressJson } from '../json-views.ts';
import { progressLine, progressView } from '../progress-view.ts';

interface StatusOptions extends MerchantOptions {
  watch?: boolean;
  interval: number;
  maxWait: number;
}

/** `status REQUEST_ID [--watch]`: where a batch stands, once or live until it is final. */
export function registerStatusCommand(program: Command): void {
  withMerchantOptions(
    program
      .command('status')
      .description("show a batch's progress; with --watch, follow it until it is final")
      .argument('<requestId>', 'the batch, as submit printed it', uuid)
      .option('--watch', 'follow the batch until it is COMPLETED, FAIL or CANCELED (a live bar on a terminal, a line per change elsewhere)')
      .addOption(new Option('--interval <seconds>', 'with --watch: pause between two looks').argParser(seconds).default(limits.waitIntervalMs / 1000))
      .addOption(new Option('--max-wait <seconds>', 'with --watch: give up (exit 1) after this long').argParser(seconds).default(limits.waitTimeoutMs / 1000)),
  ).action(
    run(async (out, requestId: string, options: StatusOptions) => {
      const client = await merchantClient(options);
      let final: BatchProgress;
      if (!options.watch) {
        final = await client.progress(requestId);
      } else {
        const view = out.json ? undefined : progressView(process.stdout, options.locale);
        // Ctrl-C while the bar is drawn: give the terminal its cursor back before leaving.
        process.once('SIGINT', () => {
          view?.stop();
          process.exit(130);
        });
        try {
          final = await client.waitUntilFinal(requestId, {
            onProgress: (p) => view?.update(p),
            intervalMs: options.interval * 1000,
            timeoutMs: options.maxWait * 1000,
          });
        } finally {
          view?.stop();
        }
      }
      if (out.json) return out.data(progressJson(final));
      if (!options.watch || process.stdout.isTTY) out.line(progressLine(final, options.locale));
    }),
  );
}

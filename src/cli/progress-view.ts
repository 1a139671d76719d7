import type { Locale } from '../errors.ts';
import type { BatchProgress } from '../client/progress.ts';
import { formatAmount } from './money.ts';
import { loadSingleBar } from './single-bar.ts';

/** One line for a progress snapshot: what `status` prints, and `status --watch` off a terminal. */
export function progressLine(p: BatchProgress, locale: Locale): string {
  const amounts = `paid ${formatAmount(p.totalSuccessfulAmount, locale)} of ${formatAmount(p.totalAmount, locale)} ${p.currency}`;
  const c = p.counts;
  return `${p.status}: ${c.final}/${p.itemCount} items final, ${c.paid} paid, ${c.failed} failed, ${c.invalid} invalid, ${amounts}`;
}

export interface ProgressView {
  update(progress: BatchProgress): void;
  stop(): void;
}

/**
 * On a terminal, a live bar (cli-progress redraws one line in place); anywhere else (a pipe, a log
 * file, CI), a plain line whenever something changed, so the output stays readable as text.
 */
export function progressView(stream: NodeJS.WriteStream, locale: Locale): ProgressView {
  if (stream.isTTY) {
    const SingleBar = loadSingleBar();
    const bar = new SingleBar(
      {
        stream,
        format: '{bar} {final}/{total} items final | {paid} paid | {failed} failed | {paidAmount} of {totalAmount} {currency} | {status}',
        hideCursor: true,
        barsize: 30,
      },
      undefined,
    );
    let started = false;
    return {
      update(p) {
        const payload = {
          final: p.counts.final,
          paid: p.counts.paid,
          failed: p.counts.failed,
          paidAmount: formatAmount(p.totalSuccessfulAmount, locale),
          totalAmount: formatAmount(p.totalAmount, locale),
          currency: p.currency,
          status: p.status,
        };
        const value = p.counts.final;
        if (!started) {
          bar.start(p.itemCount, value, payload);
          started = true;
        } else {
          bar.update(value, payload);
        }
      },
      stop: () => {
        if (started) bar.stop();
      },
    };
  }
  let last = '';
  return {
    update(p) {
      const line = progressLine(p, locale);
      if (line !== last) stream.write(line + '\n');
      last = line;
    },
    stop() {},
  };
}

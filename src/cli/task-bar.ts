import { loadSingleBar } from './single-bar.ts';

/**
 * A progress bar for a step that may take more than a second (reading and checking a CSV, sending
 * it, exporting items, listing an audit trail), drawn on stderr so stdout stays the command's output.
 * Only on a terminal: in a pipe, a log or CI it draws nothing, and the output stays plain text.
 */
export interface TaskBar {
  /** `done` units so far. */
  update(done: number): void;
  /** Leaves the bar where it is (its last state stays on the screen) and ends its redraws. */
  stop(): void;
}

const silent: TaskBar = { update() {}, stop() {} };

/** `total` 0: unknown (an audit trail, waiting for the service): the bar shows the count and the time so far. */
export function taskBar(label: string, unit: string, total: number, stream: NodeJS.WriteStream = process.stderr): TaskBar {
  if (!stream.isTTY) return silent;
  const format =
    total > 0 ? `${label} {bar} {value}/{total} ${unit} | {duration_formatted}` : unit ? `${label} {value} ${unit} | {duration_formatted}` : `${label} | {duration_formatted}`;
  const SingleBar = loadSingleBar();
  const bar = new SingleBar({ stream, format, hideCursor: true, gracefulExit: true, barsize: 30 }, undefined);
  bar.start(Math.max(total, 1), 0);
  return {
    update: (done) => bar.update(done),
    stop: () => bar.stop(),
  };
}

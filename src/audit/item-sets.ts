import type { AuditInput } from './append.ts';

/**
 * Set-level audit events: one event for a change that many items of one batch made together (a
 * chunk's hand-over, its payments per rail, its refunds per reason, a batch's auth or cancel),
 * naming its items by their seqs within the batch (the event's request_id) instead of one event per
 * item. Measured on the settle bench: per-item events were 5 of the ~11 rows a settled item wrote
 * (46 % of the rows, 62 % of the bytes); a chunk of 1,000 items now writes a handful.
 *
 * The named items travel inside `after` (`after.items`), so they are part of the hashed canonical
 * text like every other field: the chain covers which items moved exactly as it covered one event
 * per item, and events already on disk (one per item) verify unchanged. `items.seqs` is a list of
 * ranges (`1-1000` or `3,5,7-9`); `from`/`to` are its least and greatest seq, which the index
 * `audit_events_item_sets` (request_id, from) finds an item's events by. An event never spans more
 * than itemSetSpanSeqs seqs (a longer set is split), so an item's events are the few whose `from`
 * lies in [seq − itemSetSpanSeqs + 1, seq].
 */
export const itemSetAction = 'items.status';

/** The widest seq window one set event covers: 10,000 seqs, ten of the default 1,000-item chunks. */
export const itemSetSpanSeqs = 10_000;

/** What a set event names, as stored in `after.items`. */
export interface NamedItems {
  from: number;
  to: number;
  count: number;
  seqs: string;
}

/** Whether `seq` is among the ranges of `after.items.seqs` (`0-499,501`). */
export function rangesContain(ranges: string, seq: number): boolean {
  for (const part of ranges.split(',')) {
    const dash = part.indexOf('-');
    const low = Number(dash < 0 ? part : part.slice(0, dash));
    const high = dash < 0 ? low : Number(part.slice(dash + 1));
    if (seq >= low && seq <= high) return true;
  }
  return false;
}

/** A run of consecutive seqs, [low, high] inclusive. */
export interface SeqRun {
  low: number;
  high: number;
}

/**
 * The set events of one change: the named items cut at itemSetSpanSeqs windows, one event per
 * window that holds any. `runs` are sorted, disjoint ranges of seqs (a chunk's items, or a whole
 * batch's valid items). The entity names the window's items' seq range.
 */
export function itemSetEvents(runs: readonly SeqRun[], before: Record<string, unknown>, after: Record<string, unknown>): AuditInput[] {
  const events: AuditInput[] = [];
  let window: SeqRun[] = [];
  let windowStart = Number.NaN;
  let count = 0;
  const flush = () => {
    if (window.length === 0) return;
    const from = window[0].low;
    const to = window[window.length - 1].high;
    const seqs = window.map((run) => (run.low === run.high ? String(run.low) : `${run.low}-${run.high}`)).join(',');
    const items: NamedItems = { from, to, count, seqs };
    events.push({ action: itemSetAction, entity: `items:${from}-${to}`, before, after: { ...after, items } });
    window = [];
    count = 0;
  };
  for (const run of runs) {
    if (run.low > run.high) throw new Error(`audit: empty seq run ${run.low}-${run.high}`);
    let low = run.low;
    while (low <= run.high) {
      const start = Math.floor(low / itemSetSpanSeqs) * itemSetSpanSeqs;
      if (start !== windowStart) {
        flush();
        windowStart = start;
      }
      const high = Math.min(run.high, start + itemSetSpanSeqs - 1);
      const last = window.at(-1);
      if (last && last.high + 1 === low) last.high = high;
      else window.push({ low, high });
      count += high - low + 1;
      low = high + 1;
    }
  }
  flush();
  return events;
}

/** Sorted, disjoint runs of a list of seqs (any order, no duplicates). */
export function runsOf(seqs: readonly number[]): SeqRun[] {
  const sorted = [...seqs].sort((a, b) => a - b);
  const runs: SeqRun[] = [];
  for (const seq of sorted) {
    const last = runs.at(-1);
    if (last && last.high === seq) throw new Error(`audit: seq ${seq} named twice`);
    if (last && last.high + 1 === seq) last.high = seq;
    else runs.push({ low: seq, high: seq });
  }
  return runs;
}

/** The item's own view of a set event's `after`: without the list of the others. */
export function afterForItem(after: unknown): unknown {
  if (after === null || typeof after !== 'object' || !('items' in after)) return after;
  const { items: _named, ...rest } = after as Record<string, unknown>;
  return rest;
}

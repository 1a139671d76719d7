import type { IngestRun } from './ingest.ts';
import type { IsoRun } from './iso20022.ts';
import type { SettleRun } from './settle.ts';

/**
 * The figures as tables: the median of the runs of each setup (a busy shared machine makes single
 * runs noisy), with every run's value beside it, the target and whether the median meets it.
 */

export const targets = {
  /** items/s of one init, by database (issue 2; issue 14 on PostgreSQL, at 100,000 and 1,000,000 items) */
  initItemsPerSecond: { postgres: 100_000, pglite: 30_000 } as Record<string, number>,
  /** auth of one batch on PostgreSQL, ms: of 100,000 items, of 1,000,000 (issue 14) */
  auth100kMs: 500,
  auth1mMs: 5_000,
  /** peak RSS of serve through a 100,000-item init, MB */
  init100kPeakRssMB: 500,
  /** peak RSS of serve through a 1,000,000-item init on PostgreSQL (streamed), MB */
  init1mPeakRssMB: 400,
  /** items/s settled end to end on PostgreSQL (issue 14; issue 3 asked for 10,000) */
  settleItemsPerSecond: 25_000,
  /** IBAN items/s to final through the ISO 20022 rail and the bank simulator on PostgreSQL (issue 15) */
  isoItemsPerSecond: 10_000,
  /** settle rate with a webhook endpoint subscribed to every event, as a share of the rate without */
  webhookSettleRatio: 0.9,
};

export function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
}

function groupBy<T>(values: readonly T[], key: (value: T) => string): Map<string, T[]> {
  const groups = new Map<string, T[]>();
  for (const value of values) {
    const k = key(value);
    groups.set(k, [...(groups.get(k) ?? []), value]);
  }
  return groups;
}

const int = (n: number) => Math.round(n).toLocaleString('en-US');
const secs = (ms: number) => (ms / 1000).toFixed(2);
const runsOf = (values: number[], format: (n: number) => string) => (values.length > 1 ? ` (${values.map(format).join(', ')})` : '');
const verdict = (ok: boolean) => (ok ? 'yes' : 'NO');

function table(header: string[], rows: string[][]): string {
  return [`| ${header.join(' | ')} |`, `|${header.map(() => '---').join('|')}|`, ...rows.map((row) => `| ${row.join(' | ')} |`)].join('\n');
}

export function ingestTable(runs: readonly IngestRun[]): string {
  const rows = [...groupBy(runs, (r) => `${r.db} ${r.size}`).values()].map((group) => {
    const { db, size } = group[0];
    const rate = group.map((r) => r.initItemsPerSecond);
    const auth = group.map((r) => r.authMs);
    // The target is the init's; the peak after the auth (which follows in the same process) is shown beside it.
    const rss = group.map((r) => r.peakRssAfterInitMB);
    const rssAuth = group.map((r) => r.peakRssAfterAuthMB);
    const initTarget = targets.initItemsPerSecond[db];
    const authMaxMs = db !== 'postgres' ? undefined : size >= 1_000_000 ? targets.auth1mMs : size >= 100_000 ? targets.auth100kMs : undefined;
    const authTarget = authMaxMs === undefined ? '–' : `≤ ${secs(authMaxMs)} s: ${verdict(median(auth) <= authMaxMs)}`;
    const rssMax = size >= 1_000_000 && db === 'postgres' ? targets.init1mPeakRssMB : size >= 100_000 && size < 1_000_000 ? targets.init100kPeakRssMB : undefined;
    const rssTarget = rssMax === undefined ? '–' : `≤ ${rssMax}: ${verdict(median(rss) <= rssMax)}`;
    return [
      db,
      int(size),
      String(group.length),
      `${int(median(rate))}${runsOf(rate, int)}`,
      `≥ ${int(initTarget)}: ${verdict(median(rate) >= initTarget)}`,
      `${secs(median(auth))}${runsOf(auth, secs)}`,
      authTarget,
      `${int(median(rss))}${runsOf(rss, int)} / ${int(median(rssAuth))}`,
      rssTarget,
      `${median(group.map((r) => r.initCpuSeconds)).toFixed(2)}${db === 'postgres' ? ` + ${median(group.map((r) => r.initDbCpuSeconds)).toFixed(2)}` : ''}`,
      `${median(group.map((r) => r.authCpuSeconds)).toFixed(2)}${db === 'postgres' ? ` + ${median(group.map((r) => r.authDbCpuSeconds)).toFixed(2)}` : ''}`,
      group.map((r) => r.load1.toFixed(1)).join(', '),
    ];
  });
  return table(['db', 'items', 'runs', 'init items/s', 'target', 'auth s', 'target', 'serve peak RSS MB after init / auth', 'target', 'init CPU s serve (+ pg)', 'auth CPU s serve (+ pg)', 'load (1 min)'], rows);
}

export function settleTable(runs: readonly SettleRun[]): string {
  const rows = [...groupBy(runs, (r) => `${r.case} ${r.size}`).values()].map((group) => {
    const first = group[0];
    const rate = group.map((r) => r.itemsPerSecond);
    const ms = group.map((r) => r.settleMs);
    const onPostgres = first.case.startsWith('postgres') && !/lat\d/.test(first.case);
    const workerRss = group.map((r) => Math.max(0, ...r.workerPeakRssMB));
    return [
      first.case,
      int(first.validItems),
      String(group.length),
      `${secs(median(ms))}${runsOf(ms, secs)}`,
      `${int(median(rate))}${runsOf(rate, int)}`,
      onPostgres ? `≥ ${int(targets.settleItemsPerSecond)}: ${verdict(median(rate) >= targets.settleItemsPerSecond)}` : '–',
      secs(median(group.map((r) => r.authMs))),
      int(median(group.map((r) => r.servePeakRssMB))),
      first.workerPeakRssMB.length > 0 ? int(median(workerRss)) : '–',
      [
        median(group.map((r) => r.serveCpuSeconds)),
        ...first.workerCpuSeconds.map((_, i) => median(group.map((r) => r.workerCpuSeconds[i]))),
        ...(first.case.startsWith('postgres') ? [median(group.map((r) => r.databaseCpuSeconds))] : []),
      ].map((s) => s.toFixed(1)).join(' + '),
      `${verdict(group.every((r) => r.booksBalanced))} / ${group.every((r) => r.auditVerified === 'skipped') ? 'skipped' : verdict(group.every((r) => r.auditVerified === true))}`,
      hotShare(group),
      group.map((r) => r.load1.toFixed(1)).join(', '),
    ];
  });
  return table(['case', 'valid items', 'runs', 'auth → final s', 'items/s', 'target', 'auth s', 'serve peak RSS MB', 'worker peak RSS MB', 'CPU s serve (+ workers) (+ pg)', 'books / audit', 'item updates HOT', 'load (1 min)'], rows);
}

/**
 * Engine / floor, when the runs hold both: each PostgreSQL case's median rate against the floor's
 * of the same size and merchants (issue 14's goal: ≥ 0.8), and PostgreSQL's CPU per item of each.
 */
export function floorLine(runs: readonly SettleRun[]): string {
  const groups = [...groupBy(runs, (r) => `${r.case} ${r.size}`).values()];
  const lines: string[] = [];
  for (const floor of groups.filter((g) => isFloor(g[0].case))) {
    const merchants = /:(\d+)m/.exec(floor[0].case)?.[1] ?? '1';
    const floorRate = median(floor.map((r) => r.itemsPerSecond));
    const perItem = (group: readonly SettleRun[]) => `${Math.round(median(group.map((r) => (1e6 * r.databaseCpuSeconds) / r.validItems)))} µs`;
    for (const engine of groups.filter((g) => g[0].case.startsWith('postgres') && !isFloor(g[0].case) && g[0].size === floor[0].size && (/:(\d+)m/.exec(g[0].case)?.[1] ?? '1') === merchants)) {
      const rate = median(engine.map((r) => r.itemsPerSecond));
      lines.push(`- ${engine[0].case} / ${floor[0].case}, ${int(floor[0].validItems)} items: ${int(rate)} / ${int(floorRate)} items/s = **${(rate / floorRate).toFixed(2)}** (goal ≥ 0.80); PostgreSQL CPU per item ${perItem(engine)} / ${perItem(floor)}`);
    }
  }
  return lines.length === 0 ? '' : `\n\nEngine / floor (the floor: the same rows in the same transactions and lock order, by SQL alone; bench/settle-floor.ts):\n\n${lines.join('\n')}`;
}

const isFloor = (label: string) => label.split(':').includes('floor');

/** The median share of the items' updates that were HOT, with the updates per item: `100 % of 2.9`. */
function hotShare(group: readonly SettleRun[]): string {
  const counted = group.flatMap((r) => (r.itemUpdates && r.itemUpdates.updates > 0 ? [{ ...r.itemUpdates, items: r.validItems }] : []));
  if (counted.length === 0) return '–';
  const share = median(counted.map((c) => (100 * c.hot) / c.updates));
  return `${share.toFixed(0)} % of ${median(counted.map((c) => c.updates / c.items)).toFixed(1)}`;
}

export function isoTable(runs: readonly IsoRun[]): string {
  const rows = [...groupBy(runs, (r) => `${r.case} ${r.size}`).values()].map((group) => {
    const first = group[0];
    const rate = group.map((r) => r.itemsPerSecond);
    const ms = group.map((r) => r.settleMs);
    const files = group.map((r) => r.filesPerSecond);
    const onPostgres = first.case.startsWith('postgres');
    const workerRss = group.map((r) => Math.max(0, ...r.workerPeakRssMB));
    return [
      first.case,
      int(first.size),
      String(group.length),
      `${secs(median(ms))}${runsOf(ms, secs)}`,
      `${int(median(rate))}${runsOf(rate, int)}`,
      onPostgres ? `≥ ${int(targets.isoItemsPerSecond)}: ${verdict(median(rate) >= targets.isoItemsPerSecond)}` : '–',
      `${first.filesOut} + ${first.filesIn}`,
      `${median(files).toFixed(1)}${runsOf(files, (n) => n.toFixed(1))}`,
      int(median(group.map((r) => r.servePeakRssMB))),
      first.workerPeakRssMB.length > 0 ? int(median(workerRss)) : '–',
      int(median(group.map((r) => r.simulatorPeakRssMB))),
      [
        median(group.map((r) => r.serveCpuSeconds)),
        ...first.workerCpuSeconds.map((_, i) => median(group.map((r) => r.workerCpuSeconds[i]))),
        median(group.map((r) => r.simulatorCpuSeconds)),
        ...(onPostgres ? [median(group.map((r) => r.databaseCpuSeconds))] : []),
      ].map((s) => s.toFixed(1)).join(' + '),
      `${verdict(group.every((r) => r.booksBalanced))} / ${group.every((r) => r.auditVerified === 'skipped') ? 'skipped' : verdict(group.every((r) => r.auditVerified === true))}`,
      group.map((r) => r.load1.toFixed(1)).join(', '),
    ];
  });
  return table(
    ['case', 'IBAN items', 'runs', 'auth → final s', 'items/s to final', 'target', 'files out + in', 'files/s', 'serve peak RSS MB', 'worker peak RSS MB', 'simulator peak RSS MB', 'CPU s serve (+ workers) (+ simulator) (+ pg)', 'books / audit', 'load (1 min)'],
    rows,
  );
}

/** The webhooks figure: settle rate without and with an endpoint, their ratio (target ≥ 90 %), and the delivery lag. */
export function webhookTable(runs: readonly { without: SettleRun; with: SettleRun }[]): string {
  const lines = ['| case | items | items/s without | items/s with | ratio | ≥ 90 % | deliveries | lag p50 | lag p99 | last delivery after final |', '|---|---|---|---|---|---|---|---|---|---|'];
  for (const [label, group] of groupBy(runs, (r) => `${r.with.case}|${r.with.size}`)) {
    const [name, size] = label.split('|');
    const without = group.map((r) => r.without.itemsPerSecond);
    const withHooks = group.map((r) => r.with.itemsPerSecond);
    const ratios = group.map((r) => r.with.itemsPerSecond / r.without.itemsPerSecond);
    const hooks = group.map((r) => r.with.webhooks!);
    const ratio = median(ratios);
    const pct = (n: number) => `${(n * 100).toFixed(1)} %`;
    const ms = (n: number) => `${int(n)} ms`;
    lines.push(
      `| ${name} | ${int(Number(size))} | ${int(median(without))}${runsOf(without, int)} | ${int(median(withHooks))}${runsOf(withHooks, int)} | ${pct(ratio)}${runsOf(ratios, pct)} | ${verdict(ratio >= targets.webhookSettleRatio)} | ` +
        `${int(median(hooks.map((h) => h.deliveries)))} | ${ms(median(hooks.map((h) => h.lagP50Ms)))} | ${ms(median(hooks.map((h) => h.lagP99Ms)))} | ${ms(median(hooks.map((h) => h.lastArrivalAfterFinalMs)))} |`,
    );
  }
  return lines.join('\n');
}

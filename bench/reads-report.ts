import type { ReadsRun } from './reads.ts';
import { median } from './report.ts';

/** The reads figure's targets: signed retrieve p99 sequential, and requests/s of the mix at 50 clients. */
export const readsTargets = { retrieveP99Ms: 5, loadPerSecond: 3_000 };

const ms = (n: number) => n.toFixed(2);
const int = (n: number) => Math.round(n).toLocaleString('en-US');
const runsOf = (values: number[], format: (n: number) => string) => (values.length > 1 ? ` (${values.map(format).join(', ')})` : '');
const verdict = (ok: boolean) => (ok ? 'yes' : 'NO');

/** Sequential p50 / p99 of every read, then the concurrent mix: medians of the runs of each setup, each run in parentheses. */
export function readsTable(runs: readonly ReadsRun[]): string {
  const lines: string[] = [];
  const groups = new Map<string, ReadsRun[]>();
  for (const run of runs) {
    const key = `${run.db} ${run.batchItems} ${run.storedItems}`;
    groups.set(key, [...(groups.get(key) ?? []), run]);
  }
  lines.push('| db | batch items | items stored | runs | read | p50 ms | p99 ms | target | load (1 min) |', '|---|---|---|---|---|---|---|---|---|');
  for (const group of groups.values()) {
    const first = group[0];
    for (const name of Object.keys(first.sequential)) {
      const p50 = group.map((r) => r.sequential[name].p50Ms);
      const p99 = group.map((r) => r.sequential[name].p99Ms);
      const target = name === 'retrieve' ? `p99 ≤ ${readsTargets.retrieveP99Ms}: ${verdict(median(p99) <= readsTargets.retrieveP99Ms)}` : '–';
      lines.push(`| ${first.db} | ${int(first.batchItems)} | ${int(first.storedItems)} | ${group.length} | ${name} (sequential) | ${ms(median(p50))}${runsOf(p50, ms)} | ${ms(median(p99))}${runsOf(p99, ms)} | ${target} | ${group.map((r) => r.load1.toFixed(1)).join(', ')} |`);
    }
  }
  lines.push('', '| db | batch items | items stored | runs | mix | clients | requests/s | target | p50 ms | p99 ms | CPU s serve + pg |', '|---|---|---|---|---|---|---|---|---|---|---|');
  for (const group of groups.values()) {
    const first = group[0];
    const rate = group.map((r) => r.load.perSecond);
    const p50 = group.map((r) => r.load.p50Ms);
    const p99 = group.map((r) => r.load.p99Ms);
    lines.push(
      `| ${first.db} | ${int(first.batchItems)} | ${int(first.storedItems)} | ${group.length} | ${Object.keys(first.load.byKind).join(' / ')} | ${first.load.clients} | ${int(median(rate))}${runsOf(rate, int)} | ≥ ${int(readsTargets.loadPerSecond)}: ${verdict(median(rate) >= readsTargets.loadPerSecond)} | ` +
        `${ms(median(p50))}${runsOf(p50, ms)} | ${ms(median(p99))}${runsOf(p99, ms)} | ${median(group.map((r) => r.loadCpuServeSeconds)).toFixed(1)} + ${median(group.map((r) => r.loadCpuDbSeconds)).toFixed(1)} |`,
    );
  }
  const floors = [...groups.values()].filter((group) => group.every((r) => r.floor !== undefined));
  if (floors.length > 0) {
    lines.push(
      '',
      'The floor (one HMAC and one statement per request, the same rows, load generator and mix; serve stopped):',
      '',
      '| db | batch items | runs | retrieve p50 / p99 ms: engine | floor | mix requests/s: engine | floor | engine / floor | CPU s floor + pg |',
      '|---|---|---|---|---|---|---|---|---|',
    );
    for (const group of floors) {
      const first = group[0];
      const floor = group.map((r) => r.floor!);
      const engineRate = median(group.map((r) => r.load.perSecond));
      const floorRate = median(floor.map((f) => f.load.perSecond));
      lines.push(
        `| ${first.db} | ${int(first.batchItems)} | ${group.length} | ${ms(median(group.map((r) => r.sequential.retrieve.p50Ms)))} / ${ms(median(group.map((r) => r.sequential.retrieve.p99Ms)))} | ` +
          `${ms(median(floor.map((f) => f.retrieve.p50Ms)))} / ${ms(median(floor.map((f) => f.retrieve.p99Ms)))} | ${int(engineRate)} | ${int(floorRate)}${runsOf(floor.map((f) => f.load.perSecond), int)} | ` +
          `${(engineRate / floorRate).toFixed(2)} | ${median(floor.map((f) => f.cpuFloorSeconds)).toFixed(1)} + ${median(floor.map((f) => f.cpuDbSeconds)).toFixed(1)} |`,
      );
    }
  }
  return lines.join('\n');
}

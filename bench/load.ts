import { loadavg } from 'node:os';

/** The machine's 1-minute load average: every figure is reported with the load it was taken under. */
export function loadAverage(): number {
  return Math.round(loadavg()[0] * 100) / 100;
}

import { limits } from '../limits.ts';

/** MASSPAYOUT_WORKER_CONCURRENCY: worker loops per process; 0 runs the API without in-process workers. */
export function workerConcurrencyFromEnv(env: NodeJS.ProcessEnv): number {
  const raw = env.MASSPAYOUT_WORKER_CONCURRENCY;
  if (raw === undefined || raw === '') return limits.workerConcurrency;
  const value = Number(raw);
  if (!Number.isSafeInteger(value) || value < 0 || value > 64) {
    throw new Error(`MASSPAYOUT_WORKER_CONCURRENCY must be an integer between 0 and 64, got "${raw}"`);
  }
  return value;
}

import { integerFromEnv, type Env } from '../env.ts';
import { limits } from '../limits.ts';

/** MASSPAYOUT_WORKER_CONCURRENCY: worker loops per process; 0 runs the API without in-process workers. */
export function workerConcurrencyFromEnv(env: Env): number {
  return integerFromEnv(env, 'MASSPAYOUT_WORKER_CONCURRENCY', limits.workerLoops, { min: 0, max: limits.workerLoopsMax });
}

import { InvariantError } from '../faults.ts';
import type { RailOutcome } from './rail.ts';

/**
 * Races a rail call against `timeoutMs`. A call that does not answer in time, or throws, is an
 * AMBIGUOUS outcome: the request may have reached the rail, so the only safe next step is to ask
 * for the key's status later. The late answer, if it comes, is ignored. An InvariantError is not an
 * answer of the rail but a bug of ours (an assertion inside the adapter): it fails the chunk, which
 * is parked (its items stay QUEUED, asked about again once an operator retries it).
 */
export async function withRailTimeout<T extends RailOutcome | 'UNKNOWN'>(call: () => Promise<T>, timeoutMs: number): Promise<T | RailOutcome> {
  let timer: NodeJS.Timeout | undefined;
  const timedOut = new Promise<RailOutcome>((resolve) => {
    timer = setTimeout(() => resolve({ kind: 'AMBIGUOUS', detail: `no answer within ${timeoutMs} ms` }), timeoutMs);
  });
  try {
    return await Promise.race([
      call().catch((error: unknown): RailOutcome => {
        if (error instanceof InvariantError) throw error;
        return { kind: 'AMBIGUOUS', detail: `rail call failed: ${error instanceof Error ? error.message : String(error)}` };
      }),
      timedOut,
    ]);
  } finally {
    clearTimeout(timer);
  }
}

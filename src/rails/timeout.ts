import type { RailOutcome } from './rail.ts';

/**
 * Races a rail call against `timeoutMs`. A call that does not answer in time, or throws, is an
 * AMBIGUOUS outcome: the request may have reached the rail, so the only safe next step is to ask
 * for the key's status later. The late answer, if it comes, is ignored.
 */
export async function withRailTimeout<T extends RailOutcome | 'UNKNOWN'>(call: () => Promise<T>, timeoutMs: number): Promise<T | RailOutcome> {
  let timer: NodeJS.Timeout | undefined;
  const timedOut = new Promise<RailOutcome>((resolve) => {
    timer = setTimeout(() => resolve({ kind: 'AMBIGUOUS', detail: `no answer within ${timeoutMs} ms` }), timeoutMs);
  });
  try {
    return await Promise.race([
      call().catch((error: unknown): RailOutcome => ({ kind: 'AMBIGUOUS', detail: `rail call failed: ${error instanceof Error ? error.message : String(error)}` })),
      timedOut,
    ]);
  } finally {
    clearTimeout(timer);
  }
}

import type { Rail, Rails } from '../rails/rail.ts';
import type { ChunkSource } from './chunk-sources.ts';

/**
 * Failpoints for the crash tests: with MASSPAYOUT_FAILPOINT set, the process kills itself with
 * SIGKILL (no clean-up, no finally, exactly like `kill -9` or a power cut) the first time a chunk
 * reaches that point:
 *   before-rail   the hand-over committed (items QUEUED), the first rail call is about to leave;
 *   after-rail    the first rail call of the chunk has answered — the rail acted on it, and on the
 *                 calls still in flight perhaps — and nothing is settled or posted yet;
 *   after-post    the chunk's settlement (final states, ledger postings, audit) committed, and the
 *                 source has not been told (on RabbitMQ: the message is not acked).
 * The variable is read once at start-up (config.ts); unset, nothing is wrapped and nothing costs.
 */
export const failpoints = ['before-rail', 'after-rail', 'after-post'] as const;
export type Failpoint = (typeof failpoints)[number];

export function failpointFromEnv(env: NodeJS.ProcessEnv): Failpoint | undefined {
  const raw = env.MASSPAYOUT_FAILPOINT;
  if (raw === undefined || raw === '') return undefined;
  if (!(failpoints as readonly string[]).includes(raw)) throw new Error(`MASSPAYOUT_FAILPOINT must be one of ${failpoints.join(', ')}, got "${raw}"`);
  return raw as Failpoint;
}

function die(at: Failpoint): never {
  // Written synchronously, so the test can tell where the process died; then nothing else runs.
  process.stderr.write(`failpoint ${at}: SIGKILL\n`);
  process.kill(process.pid, 'SIGKILL');
  throw new Error('unreachable: SIGKILL was sent');
}

/** The rails with the before-rail / after-rail failpoints around every call. */
export function armRails(rails: Rails, failpoint: Failpoint | undefined): Rails {
  if (failpoint !== 'before-rail' && failpoint !== 'after-rail') return rails;
  const arm = (rail: Rail): Rail => ({
    name: rail.name,
    async send(key, item) {
      if (failpoint === 'before-rail') die(failpoint);
      const outcome = await rail.send(key, item);
      if (failpoint === 'after-rail') die(failpoint);
      return outcome;
    },
    async status(key) {
      if (failpoint === 'before-rail') die(failpoint);
      const outcome = await rail.status(key);
      if (failpoint === 'after-rail') die(failpoint);
      return outcome;
    },
  });
  return { bank: arm(rails.bank), wallet: arm(rails.wallet) };
}

/** The sources with the after-post failpoint between a processed chunk and its source's complete(). */
export function armSources(sources: ChunkSource[], failpoint: Failpoint | undefined): ChunkSource[] {
  if (failpoint !== 'after-post') return sources;
  return sources.map((source) => ({
    name: source.name,
    async next(claimer) {
      const chunk = await source.next(claimer);
      if (!chunk) return chunk;
      return {
        ...chunk,
        complete: async () => {
          die(failpoint);
        },
      };
    },
  }));
}

import { choiceFromEnv, type Env } from '../env.ts';
import type { Rail, Rails } from '../rails/rail.ts';
import type { ChunkSource } from '../queue/chunk-source.ts';

/**
 * Failpoints for the crash tests: with MASSPAYOUT_FAILPOINT set, the process kills itself with
 * SIGKILL (no clean-up, no finally, exactly like `kill -9` or a power cut) the first time a chunk
 * reaches that point:
 *   before-rail   the hand-over committed (items QUEUED), the first rail call is about to leave;
 *   after-rail    the bank has answered the first call — it paid (or refused) that payout and
 *                 perhaps the others in flight — and nothing is settled or posted yet (the wallet
 *                 has no such point: its money moves in the settlement itself);
 *   after-post    the chunk's settlement (final states, ledger postings, audit) committed, and the
 *                 source has not been told (on RabbitMQ: the message is not acked).
 *   after-file-recorded   (ISO 20022 bank rail) a pain.001 and its transactions are recorded in the
 *                 database, and the file is not in the outbox yet;
 *   before-report-applied (ISO 20022 bank rail) a report from the bank has been read and checked,
 *                 and nothing of it is applied yet.
 *   before-webhook        a webhook delivery (written with a committed change) is claimed and the
 *                 claim is not committed yet: nothing of it has left.
 * The variable is read once at start-up (config.ts); unset, nothing is wrapped and nothing costs.
 */
/** The points every chunk passes, whatever its rail; the rest are the ISO 20022 rail's own. */
export const chunkFailpoints = ['before-rail', 'after-rail', 'after-post'] as const;
export type ChunkFailpoint = (typeof chunkFailpoints)[number];
export const failpoints = [...chunkFailpoints, 'after-file-recorded', 'before-report-applied', 'before-webhook'] as const;
export type Failpoint = (typeof failpoints)[number];

export function failpointFromEnv(env: Env): Failpoint | undefined {
  return choiceFromEnv(env, 'MASSPAYOUT_FAILPOINT', failpoints);
}

function die(at: Failpoint): never {
  // Written synchronously, so the test can tell where the process died; then nothing else runs.
  process.stderr.write(`failpoint ${at}: SIGKILL\n`);
  process.kill(process.pid, 'SIGKILL');
  throw new Error('unreachable: SIGKILL was sent');
}

/** The call that kills the process at `at`, when that is the failpoint set; undefined otherwise. */
export function failpointAt(failpoint: Failpoint | undefined, at: Failpoint): (() => void) | undefined {
  return failpoint === at ? () => die(at) : undefined;
}

/** The rails with the before-rail failpoint before every call, or the after-rail one after every bank call. */
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
  return { bank: arm(rails.bank), wallet: failpoint === 'before-rail' ? arm(rails.wallet) : rails.wallet };
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

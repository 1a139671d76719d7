import { setTimeout as sleep } from 'node:timers/promises';
import type { Actor } from '../../audit/append.ts';
import type { Db } from '../../db/port.ts';
import { limits } from '../../limits.ts';
import type { RabbitLink } from './link.ts';
import { encodeChunkMessage } from './message.ts';
import { claimOutbox, markPublished, releaseOutbox } from './outbox.ts';
import { batchesAwaitingPromotion, promoteBatches } from './promote-batches.ts';

export interface RelayOptions {
  db: Db;
  link: Pick<RabbitLink, 'publishConfirmed' | 'generation'>;
  /** Who promotes batches in the audit trail. */
  actor: Actor;
  log: (line: string) => void;
  rowsPerRound?: number;
  leaseMs?: number;
  confirmTimeoutMs?: number;
  pollMs?: number;
  sweepIntervalMs?: number;
}

export interface RelayRound {
  /** Rows this round took. */
  claimed: number;
  /** Rows the broker confirmed (and that are now stamped published). */
  published: number;
  /** Rows given back for a later round (nacked, returned, unconfirmed in time). */
  failed: number;
  /** Batches this round moved to PUBLISHED_TO_QUEUE. */
  promoted: string[];
}

/**
 * One round of the relay: take unpublished outbox rows under a lease, publish their messages, wait
 * for the broker's confirms, stamp the confirmed rows published, give the others back, then promote
 * the batches whose rows are now all published. No transaction is held while the broker is asked.
 *
 * A crash anywhere here is harmless: before the stamp, the row is published again once its lease
 * ends (a duplicate message claims nothing: its items are no longer unclaimed PROCESSING); after
 * the stamp but before the promotion, the relay's sweep promotes the batch later.
 */
export async function relayRound(options: RelayOptions): Promise<RelayRound> {
  const { db, link } = options;
  const rows = await claimOutbox(db, options.rowsPerRound ?? limits.relayRowsPerRound, options.leaseMs ?? limits.relayLeaseMs);
  if (rows.length === 0) return { claimed: 0, published: 0, failed: 0, promoted: [] };
  let confirmed: boolean[];
  try {
    confirmed = await link.publishConfirmed(
      rows.map((row) => ({ content: encodeChunkMessage(row), messageId: `outbox-${row.id}` })),
      options.confirmTimeoutMs ?? limits.relayConfirmTimeoutMs,
    );
  } catch (error) {
    await releaseOutbox(db, rows.map((row) => row.id));
    throw error;
  }
  const published = rows.filter((_, i) => confirmed[i]);
  const failed = rows.filter((_, i) => !confirmed[i]);
  // A row stamped already (its lease ran out and another relay sent it too) keeps its first stamp.
  await markPublished(db, published.map((row) => row.id));
  await releaseOutbox(db, failed.map((row) => row.id));
  const promoted = await promoteBatches(db, published.map((row) => row.batchId), options.actor);
  return { claimed: rows.length, published: published.length, failed: failed.length, promoted };
}

export interface Relay {
  stop(): Promise<void>;
}

/**
 * Runs relay rounds until stopped: back to back while there is work, every `pollMs` (200 ms) when
 * there is none, not at all while the broker is unreachable (rows are not leased for nothing). Any
 * number of relays may run, one per service and worker process. Every `sweepIntervalMs` (5 s) it
 * also promotes batches left IN_PROGRESS with all their rows published by a relay that died.
 */
export function startRelay(options: RelayOptions): Relay {
  const { db, log } = options;
  const stopping = new AbortController();
  const idle = (ms: number) => sleep(ms, undefined, { signal: stopping.signal }).catch(() => undefined);
  const pollMs = options.pollMs ?? limits.relayPollMs;
  const sweepIntervalMs = options.sweepIntervalMs ?? limits.relaySweepIntervalMs;

  const run = async () => {
    let nextSweep = 0;
    while (!stopping.signal.aborted) {
      let busy = false;
      try {
        if (options.link.generation() !== undefined) {
          const round = await relayRound(options);
          busy = round.claimed > 0 && round.failed === 0;
          if (round.failed > 0) log(`relay: ${round.failed} of ${round.claimed} message(s) not confirmed by the broker; they are sent again`);
        }
        if (Date.now() >= nextSweep) {
          nextSweep = Date.now() + sweepIntervalMs;
          const stranded = await batchesAwaitingPromotion(db, limits.relayRowsPerRound);
          if (stranded.length > 0) await promoteBatches(db, stranded, options.actor);
        }
      } catch (error) {
        log(`relay: ${error instanceof Error ? error.message : String(error)}`);
        await idle(limits.workerErrorBackoffMs);
        continue;
      }
      if (!busy) await idle(pollMs);
    }
  };

  const running = run();
  return {
    async stop() {
      stopping.abort();
      await running;
    },
  };
}

import { setTimeout as sleep } from 'node:timers/promises';
import type { Db } from '../db/port.ts';
import { limits } from '../limits.ts';
import type { SecretBox } from '../merchants/secret-box.ts';
import { attemptDelivery, type AttemptContext } from './attempt.ts';
import { claimDeliveries } from './deliveries.ts';
import type { WebhookConfig } from './webhook-config.ts';

export interface DispatcherOptions {
  db: Db;
  box: SecretBox;
  config: WebhookConfig;
  /** Names this process's claims. */
  claimer: string;
  log: (line: string) => void;
  onAttempt?: AttemptContext['onAttempt'];
  pollMs?: number;
  inFlightMax?: number;
  timeoutMs?: number;
  /** Crash tests: called inside the claim's transaction, before it commits (failpoint before-webhook). */
  beforeClaimCommit?: () => void;
}

export interface Dispatcher {
  /** Stops claiming; resolves once every attempt in flight is recorded (each bounded by its timeout). */
  stop(): Promise<void>;
}

/**
 * The delivery loop of a worker process: claims due deliveries (deliveries.ts) as slots free up,
 * at most limits.webhookAttemptsInFlightPerProcessMax attempts at once, and runs each on its own, so a receiver
 * that hangs holds one slot until its timeout and never the loop. Idle, it looks again after
 * `pollMs` (200 ms: one cheap indexed probe), or as soon as a slot frees while work is waiting.
 */
export function startWebhookDispatcher(options: DispatcherOptions): Dispatcher {
  const inFlightMax = options.inFlightMax ?? limits.webhookAttemptsInFlightPerProcessMax;
  const pollMs = options.pollMs ?? limits.webhookPollMs;
  const context: AttemptContext = { db: options.db, config: options.config, claimer: options.claimer, log: options.log, onAttempt: options.onAttempt, timeoutMs: options.timeoutMs };
  const stopping = new AbortController();
  const inFlight = new Set<Promise<void>>();
  let wake: AbortController | undefined;

  const loop = async () => {
    while (!stopping.signal.aborted) {
      const free = inFlightMax - inFlight.size;
      let claimedCount = 0;
      if (free > 0) {
        try {
          const claimed = await claimDeliveries(options.db, options.box, options.claimer, free, options.beforeClaimCommit);
          claimedCount = claimed.length;
          for (const delivery of claimed) {
            const running: Promise<void> = attemptDelivery(context, delivery)
              .then(() => undefined)
              .catch((error: unknown) => options.log(`webhooks: delivery ${delivery.id}: recording its attempt failed (claimed again when its lease lapses): ${messageOf(error)}`))
              .finally(() => {
                inFlight.delete(running);
                wake?.abort();
              });
            inFlight.add(running);
          }
        } catch (error) {
          options.log(`webhooks: claiming failed: ${messageOf(error)}`);
          await idle(limits.workerErrorBackoffMs);
          continue;
        }
      }
      // A full claim means more may be due: look again at once; otherwise wait for the poll or a freed slot.
      if (claimedCount > 0 && claimedCount === free) continue;
      await idle(pollMs);
    }
  };

  const idle = async (ms: number) => {
    wake = new AbortController();
    const signal = AbortSignal.any([stopping.signal, wake.signal]);
    await sleep(ms, undefined, { signal }).catch(() => undefined);
  };

  const running = loop();
  let stopped: Promise<void> | undefined;
  return {
    stop() {
      stopped ??= (async () => {
        stopping.abort();
        await running;
        await Promise.all([...inFlight]);
      })();
      return stopped;
    },
  };
}

function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

import { randomBytes } from 'node:crypto';
import { hostname } from 'node:os';
import { setTimeout as sleep } from 'node:timers/promises';
import type { Db } from '../db/port.ts';
import { limits } from '../limits.ts';
import { reapExpiredLeases } from '../queue/reaper.ts';
import type { InfoLogger } from '../observability/batch-log.ts';
import type { Rails } from '../rails/rail.ts';
import type { ChunkSource, SourcedChunk } from '../queue/chunk-source.ts';
import { tableSource } from '../queue/table-source.ts';
import { processChunk, type ChunkReport } from './process-chunk.ts';

export interface WorkerOptions {
  db: Db;
  rails: Rails;
  /** Loops in this process, each claiming and processing one chunk at a time. */
  concurrency?: number;
  /** Where chunks come from, tried in turn (rotating, so none starves). Default: the table queue. */
  sources?: ChunkSource[];
  /** Names this process's claims and audit events; unique per process by default. */
  name?: string;
  log?: (line: string) => void;
  /** The JSON log: a line per batch a chunk finishes. */
  logger?: InfoLogger;
  pollMs?: number;
  /** How often this process's reaper runs; false: no reaper here (another process runs one). */
  reaperIntervalMs?: number | false;
  leaseMs?: number;
  railTimeoutMs?: number;
  railCallsInFlight?: number;
  /** Called after every processed chunk (progress output, tests). */
  onChunk?: (report: ChunkReport, claimer: string) => void;
}

export interface Workers {
  /** One claimer id per loop: `<name>/<index>`. */
  readonly claimers: readonly string[];
  /** Graceful stop: every loop finishes its current chunk (or gives its claim back on error), then resolves. */
  stop(): Promise<void>;
}

/**
 * Runs `concurrency` loops of claim → process → repeat, plus a reaper for expired leases. A loop
 * that finds nothing waits `pollMs` (200 ms) before looking again, so idle workers cost ~5 cheap
 * index probes per second each, and a new batch starts within 200 ms of its auth.
 */
export function startWorkers(options: WorkerOptions): Workers {
  const { db } = options;
  const log = options.log ?? ((line: string) => console.log(line));
  const concurrency = options.concurrency ?? limits.workerLoops;
  if (!Number.isSafeInteger(concurrency) || concurrency < 1 || concurrency > limits.workerLoopsMax) throw new Error(`worker concurrency must be 1..${limits.workerLoopsMax}, got ${concurrency}`);
  const sources = options.sources ?? [tableSource(db, { leaseMs: options.leaseMs })];
  if (sources.length === 0) throw new Error('workers need at least one chunk source');
  const name = options.name ?? `${hostname()}:${process.pid}:${randomBytes(3).toString('hex')}`;
  const pollMs = options.pollMs ?? limits.workerPollMs;
  const stopping = new AbortController();
  const idle = (ms: number) => sleep(ms, undefined, { signal: stopping.signal }).catch(() => undefined);
  const claimers = Array.from({ length: concurrency }, (_, i) => `${name}/${i}`);

  const loop = async (claimer: string, offset: number) => {
    const context = { db, rails: options.rails, claimer, log, logger: options.logger, railTimeoutMs: options.railTimeoutMs, railCallsInFlight: options.railCallsInFlight };
    let turn = offset;
    while (!stopping.signal.aborted) {
      let chunk: SourcedChunk | undefined;
      try {
        for (let k = 0; k < sources.length && !chunk; k++) chunk = await sources[(turn + k) % sources.length].next(claimer);
        turn += 1;
      } catch (error) {
        log(`worker ${claimer}: claiming failed: ${messageOf(error)}`);
        await idle(limits.workerErrorBackoffMs);
        continue;
      }
      if (!chunk) {
        await idle(pollMs);
        continue;
      }
      // A stop request does not interrupt a chunk: it is finished (every rail call is bounded by its
      // timeout), so the loop never leaves items half-way on purpose.
      try {
        const report = await processChunk(context, chunk.chunk);
        await chunk.complete();
        options.onChunk?.(report, claimer);
      } catch (error) {
        log(`worker ${claimer}: chunk of ${chunk.chunk.items.length} items failed, lease given back: ${messageOf(error)}`);
        await chunk.abandon(error).catch((releaseError) => log(`worker ${claimer}: giving the lease back failed (the reaper will): ${messageOf(releaseError)}`));
        await idle(limits.workerErrorBackoffMs);
      }
    }
  };

  const reaper = async (intervalMs: number) => {
    while (!stopping.signal.aborted) {
      try {
        const freed = await reapExpiredLeases(db);
        if (freed > 0) log(`reaper: freed ${freed} expired lease(s)`);
      } catch (error) {
        log(`reaper: ${messageOf(error)}`);
      }
      await idle(intervalMs);
    }
  };

  const reaperInterval = options.reaperIntervalMs ?? limits.reaperIntervalMs;
  const running = [
    ...claimers.map((claimer, i) => loop(claimer, i)),
    ...(reaperInterval === false ? [] : [reaper(reaperInterval)]),
  ];
  let stopped: Promise<void> | undefined;
  return {
    claimers,
    stop() {
      stopped ??= (async () => {
        stopping.abort();
        await Promise.all(running);
      })();
      return stopped;
    },
  };
}

function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

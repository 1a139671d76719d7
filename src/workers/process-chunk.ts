import type { Actor } from '../audit/append.ts';
import type { Db } from '../db/port.ts';
import { limits } from '../limits.ts';
import type { ClaimedItem } from '../queue/claim.ts';
import type { Rails } from '../rails/rail.ts';
import { askRails } from './ask-rails.ts';
import { loadBatchRefs } from './batch-refs.ts';
import { handOver } from './hand-over.ts';
import { settleBatch } from './settle-batch.ts';

export interface ProcessContext {
  db: Db;
  rails: Rails;
  /** The claim's owner (claimedBy of the items); also the audit actor `worker:<claimer>`. */
  claimer: string;
  /** Operator alerts and progress lines. */
  log: (line: string) => void;
  railTimeoutMs?: number;
  railCallsInFlight?: number;
}

export interface ChunkReport {
  /** Items this call held after the hand-over (the rest were no longer its to process). */
  handled: number;
  paid: number;
  refunded: number;
  refundFailed: number;
  unresolved: number;
  /** Batches this chunk brought to COMPLETED or FAIL. */
  finishedBatches: { batchId: string; status: 'COMPLETED' | 'FAIL' }[];
}

/**
 * Processes claimed items to the furthest state their rails allow, in three steps:
 *   (a) hand-over: PROCESSING → QUEUED, committed before any rail call (hand-over.ts);
 *   (b) rail calls, outside any transaction, bounded in flight, each with a timeout (ask-rails.ts);
 *   (c) settlement: final states, ledger postings and batch counters, one transaction per batch
 *       (settle-batch.ts); ambiguous outcomes stay QUEUED with a status check scheduled.
 *
 * Crash safety by construction. A crash (kill -9) …
 *   before (a) commits: the items are PROCESSING under a lease; the reaper frees it, they are
 *     claimed again and sent for the first time. Nothing reached a rail.
 *   after (a), before or during (b), or before (c) commits: the items are QUEUED under a lease; the
 *     reaper frees it, they are due at once, and claimDueChecks hands them to a worker that asks the
 *     rail for the status of each key first. A payout the bank made is found and settled as paid;
 *     one it never received is sent then, under the same key. Nothing is paid twice, nothing released
 *     on a guess.
 *   after (c) commits: the items are final and hold no lease; there is nothing left to do.
 * Redelivery (the same chunk processed twice, by one worker or two) is harmless for the same reasons:
 * every transition is guarded by the expected status, and the ledger posts once per item and kind.
 *
 * Items of several batches are handled batch by batch (each batch is one merchant's audit chain).
 */
export async function processChunk(context: ProcessContext, items: readonly ClaimedItem[]): Promise<ChunkReport> {
  const report: ChunkReport = { handled: 0, paid: 0, refunded: 0, refundFailed: 0, unresolved: 0, finishedBatches: [] };
  if (items.length === 0) return report;
  const actor: Actor = `worker:${context.claimer}`;
  const byBatch = groupByBatch(items);
  const refs = await loadBatchRefs(context.db, [...byBatch.keys()]);

  const held: ClaimedItem[] = [];
  for (const [batchId, batchItems] of byBatch) {
    const batch = refs.get(batchId);
    if (!batch) throw new Error(`claimed items of batch ${batchId}, which does not exist`);
    held.push(...(await handOver(context.db, actor, batch, batchItems, context.claimer)));
  }
  report.handled = held.length;
  if (held.length === 0) return report;

  const results = await askRails(context.rails, held, {
    timeoutMs: context.railTimeoutMs ?? limits.railTimeoutMs,
    inFlight: context.railCallsInFlight ?? limits.railCallsInFlightMax,
  });

  for (const [batchId, batchResults] of groupByBatch(results, (r) => r.item)) {
    const settled = await settleBatch(context.db, actor, refs.get(batchId)!, batchResults, context.claimer, context.log);
    report.paid += settled.paid;
    report.refunded += settled.refunded;
    report.refundFailed += settled.refundFailed;
    report.unresolved += settled.unresolved;
    if (settled.batchStatus) report.finishedBatches.push({ batchId, status: settled.batchStatus });
  }
  for (const result of results) {
    const attempts = result.item.attempts + 1;
    if (result.outcome.kind === 'AMBIGUOUS' && attempts % limits.railAttemptsAlert === 0) {
      context.log(`ALERT operator: item ${result.item.referenceCode} is still unresolved after ${attempts} attempts (${result.outcome.detail}); it stays QUEUED and keeps being checked`);
    }
  }
  return report;
}

/** Groups by batch, in batch id order (every worker visits a chunk's batches in the same order). */
function groupByBatch<T>(values: readonly T[], itemOf: (value: T) => ClaimedItem = (value) => value as ClaimedItem): Map<string, T[]> {
  const groups = new Map<string, T[]>();
  for (const value of values) {
    const batchId = itemOf(value).batchId;
    const group = groups.get(batchId);
    if (group) group.push(value);
    else groups.set(batchId, [value]);
  }
  return new Map([...groups].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));
}

import type { Actor } from '../audit/append.ts';
import type { Db } from '../db/port.ts';
import { limits } from '../limits.ts';
import type { ClaimedChunk } from '../queue/claim.ts';
import { logBatchChange, type InfoLogger } from '../observability/batch-log.ts';
import { itemsSettled } from '../observability/metrics.ts';
import type { Rails } from '../rails/rail.ts';
import { askRails } from './ask-rails.ts';
import { loadBatchRefs } from './batch-refs.ts';
import { handOver } from './hand-over.ts';
import { settleBatch } from './settle-batch.ts';

export interface ProcessContext {
  db: Db;
  rails: Rails;
  /** The worker loop (the chunk's claimedBy); also the audit actor `worker:<claimer>`. */
  claimer: string;
  /** Operator alerts and progress lines. */
  log: (line: string) => void;
  /** The JSON log: a line per batch this chunk finishes. */
  logger?: InfoLogger;
  railTimeoutMs?: number;
  railCallsInFlight?: number;
}

export interface ChunkReport {
  /** Items this call held after the hand-over (none when the lease was lost, or all were final). */
  handled: number;
  paid: number;
  refunded: number;
  refundFailed: number;
  unresolved: number;
  /** The batch, when this chunk brought it to COMPLETED or FAIL. */
  finishedBatches: { batchId: string; status: 'COMPLETED' | 'FAIL' }[];
}

/**
 * Processes a claimed chunk's items to the furthest state their rails allow, in three steps:
 *   (a) hand-over: PROCESSING → QUEUED, committed before any rail call (hand-over.ts);
 *   (b) rail calls, outside any transaction, bounded in flight, each with a timeout (ask-rails.ts);
 *   (c) settlement: final states, ledger postings and batch counters, one transaction (settle-batch.ts);
 *       ambiguous outcomes stay QUEUED with a status check scheduled.
 * The chunk's source then gives the lease back (finishChunk), marking the chunk done or due again.
 *
 * Crash safety by construction. A crash (kill -9) …
 *   before (a) commits: the items are PROCESSING, the chunk under a lease; the reaper frees it, the
 *     chunk is claimed again and its items are sent for the first time. Nothing reached a rail.
 *   after (a), before or during (b), or before (c) commits: the items are QUEUED; the reaper frees the
 *     lease, the chunk is due at once, and the next claim asks the rail for the status of each key
 *     first. A payout the bank made is found and settled as paid; one it never received is sent then,
 *     under the same key. Nothing is paid twice, nothing released on a guess.
 *   after (c) commits: the items are final; the next claim of the chunk finds nothing and marks it done.
 * Redelivery (the same chunk processed twice, by one worker or two) is harmless for the same reasons:
 * every transition is guarded by the expected status, and the ledger posts once per item and kind.
 */
export async function processChunk(context: ProcessContext, chunk: ClaimedChunk): Promise<ChunkReport> {
  const report: ChunkReport = { handled: 0, paid: 0, refunded: 0, refundFailed: 0, unresolved: 0, finishedBatches: [] };
  if (chunk.items.length === 0) return report;
  const actor: Actor = `worker:${context.claimer}`;
  const batch = (await loadBatchRefs(context.db, [chunk.batchId])).get(chunk.batchId);
  if (!batch) throw new Error(`claimed a chunk of batch ${chunk.batchId}, which does not exist`);

  const held = await handOver(context.db, actor, batch, chunk);
  report.handled = held.length;
  if (held.length === 0) return report;

  const results = await askRails(context.rails, held, {
    timeoutMs: context.railTimeoutMs ?? limits.railTimeoutMs,
    inFlight: context.railCallsInFlight ?? limits.railCallsInFlightMax,
  });

  const settled = await settleBatch(context.db, actor, batch, results, context.log);
  report.paid = settled.paid;
  report.refunded = settled.refunded;
  report.refundFailed = settled.refundFailed;
  report.unresolved = settled.unresolved;
  // Committed: the counters and the log line say what the database now holds.
  itemsSettled.inc({ status: 'SUCCESS' }, settled.paid);
  itemsSettled.inc({ status: 'DEPOSIT_SUCCESS' }, settled.refunded);
  itemsSettled.inc({ status: 'DEPOSIT_FAIL' }, settled.refundFailed);
  if (settled.batchStatus) {
    report.finishedBatches.push({ batchId: batch.id, status: settled.batchStatus });
    logBatchChange(context.logger, { batchId: batch.id, merchantId: batch.merchantId, to: settled.batchStatus, actor });
  }
  for (const result of results) {
    const attempts = result.item.attempts + 1;
    if (result.outcome.kind === 'AMBIGUOUS' && attempts % limits.railAttemptsAlert === 0) {
      context.log(`ALERT operator: item ${result.item.referenceCode} is still unresolved after ${attempts} attempts (${result.outcome.detail}); it stays QUEUED and keeps being checked`);
    }
  }
  return report;
}

import type { BatchStatus } from '../payouts/statuses.ts';
import { batchTransitions } from './metrics.ts';

/** What a batch log line needs: pino's logger, fastify's request.log, or a test's collector. */
export interface InfoLogger {
  info(fields: object, message: string): void;
}

export interface BatchChange {
  batchId: string;
  merchantId: bigint | number;
  to: BatchStatus;
  actor: string;
}

/**
 * The log line (and counter) of a batch state change, written once the change has committed: a
 * rolled-back change leaves no line behind.
 */
export function logBatchChange(logger: InfoLogger | undefined, change: BatchChange): void {
  batchTransitions.inc({ status: change.to });
  logger?.info({ batchId: change.batchId, merchantId: String(change.merchantId), status: change.to, actor: change.actor }, 'batch status');
}

import type { StatusVocabulary } from '../merchants/merchants.ts';
import type { BatchStatus } from './statuses.ts';

/**
 * The batch statuses a merchant sees on the wire, chosen per merchant (merchants.status_vocabulary):
 *   documented  the public docs' values, PUBLISHED_TO_QUEUE included (the default)
 *   java        only the values of iyzico's Java client's MassPayoutStatus enum (INIT, IN_PROGRESS,
 *               SUCCESS, COMPLETED, FAIL, INSUFFICIENT_BALANCE, CANCELED,
 *               IYZICO_INSUFFICIENT_BALANCE): Gson maps a value it does not know to null, so
 *               PUBLISHED_TO_QUEUE is reported as IN_PROGRESS, what it means to a merchant.
 * Only the wire changes: the stored status, its transitions and the audit trail are the same.
 */
const javaStatuses: Record<BatchStatus, BatchStatus> = {
  INIT: 'INIT',
  IN_PROGRESS: 'IN_PROGRESS',
  PUBLISHED_TO_QUEUE: 'IN_PROGRESS',
  COMPLETED: 'COMPLETED',
  FAIL: 'FAIL',
  INSUFFICIENT_BALANCE: 'INSUFFICIENT_BALANCE',
  CANCELED: 'CANCELED',
};

/** How a batch status is reported to a merchant using `vocabulary`. */
export function wireBatchStatus(status: BatchStatus, vocabulary: StatusVocabulary): BatchStatus {
  return vocabulary === 'java' ? javaStatuses[status] : status;
}

import type { Db } from '../db/port.ts';
import { requestApproval } from './approvals.ts';
import { initBatchIn, type InitBatchInput, type InitBatchOutcome } from './init-batch.ts';
import { recordSourceLines } from './source-lines.ts';

export interface UploadedBatchInput extends InitBatchInput {
  /** The console user who submitted it (the maker). */
  submittedBy: bigint;
  /** Whether it waits for a checker (approvals.ts: needsChecker). */
  awaitChecker: boolean;
  /** The file line of each item, in submission order. */
  sourceLines: readonly number[];
}

/**
 * A maker's upload becomes a batch in one transaction: the batch and its items, the file line of
 * each item and, when it needs a checker, its pending approval — all or nothing. Two transactions
 * left a window (a crash, or the API's auth arriving in between) in which the batch stood INIT with
 * no approval row, and auth would have authorised it without a checker. The same submission again
 * (a replayed init) is put up for approval as before, once.
 */
export function initFromUpload(db: Db, input: UploadedBatchInput): Promise<InitBatchOutcome> {
  if (input.sourceLines.length !== input.checked.items.length) throw new Error('one source line per item');
  return db.transaction(async (tx) => {
    const outcome = await initBatchIn(tx, input);
    if (outcome.kind === 'conflict') return outcome;
    if (outcome.kind === 'created') await recordSourceLines(tx, outcome.requestId, input.sourceLines);
    if (input.awaitChecker) await requestApproval(tx, { merchantId: input.merchant.id, batchId: outcome.requestId, submittedBy: input.submittedBy, actor: input.actor });
    return outcome;
  });
}

import type { Actor } from '../audit/append.ts';
import { appendAudit } from '../audit/transaction-events.ts';
import type { Db, Tx } from '../db/port.ts';
import type { ApprovalPolicy } from '../merchants/merchants.ts';
import type { BatchQueue } from './batch-queue.ts';
import { authorizeBatchIn, type AuthorizeFailure } from './authorize-batch.ts';
import { cancelBatchIn, type CancelFailure } from './cancel-batch.ts';
import { lockMerchantBatch } from './lock-batch.ts';

/**
 * Four-eyes approval. A batch that needs a checker has a batch_approvals row from its submission
 * (by a maker in the console, or by the API's auth when the merchant asks for it) until a checker —
 * never the submitter — approves it (which is auth) or rejects it (which is cancel), in the same
 * transaction as the decision and its audit event. Until then auth refuses the batch with
 * APPROVAL_REQUIRED and it stays INIT.
 */

/** Does a console batch of this total need a checker? */
export function needsChecker(policy: ApprovalPolicy, totalMinor: bigint): boolean {
  return policy.thresholdMinor === null || totalMinor > policy.thresholdMinor;
}

/** Puts a batch up for a checker's decision (once: a second call changes nothing). */
export async function requestApproval(tx: Tx, input: { merchantId: bigint; batchId: string; submittedBy: bigint | null; actor: Actor }): Promise<void> {
  const added = await tx.query(`insert into batch_approvals (batch_id, submitted_by) values ($1, $2) on conflict (batch_id) do nothing`, [input.batchId, input.submittedBy]);
  if (added.rowCount === 0) return;
  await appendAudit(tx, { chainId: input.merchantId, actor: input.actor, requestId: input.batchId }, [
    { action: 'batch.approval_requested', entity: `batch:${input.batchId}`, after: { awaiting: 'checker' } },
  ]);
}

type Pending = { decision: 'APPROVED' | 'REJECTED' | null; submitted_by: bigint | null };

async function approvalOf(tx: Tx, batchId: string): Promise<Pending | undefined> {
  const found = await tx.query<Pending>('select decision, submitted_by from batch_approvals where batch_id = $1 for update', [batchId]);
  return found.rows[0];
}

export type ApiAuthOutcome = Awaited<ReturnType<typeof authorizeBatchIn>> | { ok: false; code: 'APPROVAL_REQUIRED' };

/**
 * The API's auth, with four eyes: a batch awaiting a checker (or, when the merchant asks for it,
 * any batch not yet approved) is refused with APPROVAL_REQUIRED and put up for approval; anything
 * else is plain auth. Lock order as everywhere: the batch first, then its approval row.
 */
export function authorizeFromApi(db: Db, queue: BatchQueue, input: { merchantId: bigint; batchId: string; actor: Actor; policy: ApprovalPolicy }): Promise<ApiAuthOutcome> {
  return db.transaction(async (tx): Promise<ApiAuthOutcome> => {
    const batch = await lockMerchantBatch(tx, input.merchantId, input.batchId);
    if (batch && (batch.status === 'INIT' || batch.status === 'INSUFFICIENT_BALANCE')) {
      const approval = await approvalOf(tx, batch.id);
      const waiting = approval ? approval.decision === null : input.policy.apiBatchesNeedApproval;
      if (waiting) {
        await requestApproval(tx, { merchantId: input.merchantId, batchId: batch.id, submittedBy: null, actor: input.actor });
        return { ok: false, code: 'APPROVAL_REQUIRED' };
      }
    }
    return authorizeBatchIn(tx, queue, { merchantId: input.merchantId, batchId: input.batchId, actor: input.actor });
  });
}

export type DecisionFailure = 'MASS_PAYOUT_NOT_FOUND' | 'NOT_AWAITING_APPROVAL' | 'OWN_BATCH' | AuthorizeFailure | CancelFailure;
export type DecisionOutcome = { ok: true } | { ok: false; code: DecisionFailure };

/**
 * A checker's decision, in one transaction: approve is auth (reserve and queue), reject is cancel,
 * then the approval row records who decided, and an audit event names them. Refused when the
 * checker submitted the batch, or when it is not awaiting a decision. An approval that finds too
 * little balance leaves the batch INSUFFICIENT_BALANCE and still awaiting: approve again after a
 * deposit.
 */
export function decideBatch(
  db: Db,
  queue: BatchQueue,
  input: { merchantId: bigint; batchId: string; checkerId: bigint; actor: Actor; decision: 'APPROVED' | 'REJECTED' },
): Promise<DecisionOutcome> {
  return db.transaction(async (tx): Promise<DecisionOutcome> => {
    const batch = await lockMerchantBatch(tx, input.merchantId, input.batchId);
    if (!batch) return { ok: false, code: 'MASS_PAYOUT_NOT_FOUND' };
    const approval = await approvalOf(tx, batch.id);
    if (!approval || approval.decision !== null) return { ok: false, code: 'NOT_AWAITING_APPROVAL' };
    if (approval.submitted_by === input.checkerId) return { ok: false, code: 'OWN_BATCH' };
    const request = { merchantId: input.merchantId, batchId: batch.id, actor: input.actor };
    const moved = input.decision === 'APPROVED' ? await authorizeBatchIn(tx, queue, request) : await cancelBatchIn(tx, request);
    if (!moved.ok) return moved;
    const decided = await tx.query(
      `update batch_approvals set decision = $2, decided_by = $3, decided_at = now() where batch_id = $1 and decision is null`,
      [batch.id, input.decision, input.checkerId],
    );
    if (decided.rowCount !== 1) throw new Error(`approval of batch ${batch.id} changed while locked`);
    await appendAudit(tx, { chainId: input.merchantId, actor: input.actor, requestId: batch.id }, [
      { action: input.decision === 'APPROVED' ? 'batch.approved' : 'batch.rejected', entity: `batch:${batch.id}`, before: { awaiting: 'checker' }, after: { decision: input.decision } },
    ]);
    return { ok: true };
  });
}

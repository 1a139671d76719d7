import type { Actor } from '../audit/append.ts';
import { TransactionEvents } from '../audit/transaction-events.ts';
import type { Db, Tx } from '../db/port.ts';
import type { ApprovalPolicy } from '../merchants/merchants.ts';
import type { BatchQueue } from './batch-queue.ts';
import { authorizeLocked, type AuthorizeFailure, type AuthorizeOutcome } from './authorize-batch.ts';
import { cancelLocked, type CancelFailure } from './cancel-batch.ts';
import { lockMerchantBatch, type LockedBatch } from './lock-batch.ts';
import { writeWebhookEvents } from '../webhooks/write-events.ts';

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
  const events = new TransactionEvents({ chainId: input.merchantId, actor: input.actor, requestId: input.batchId }, writeWebhookEvents);
  await recordApprovalRequest(tx, events, input);
  await events.write(tx);
}

/** requestApproval with the caller's events, who writes them last. */
async function recordApprovalRequest(tx: Tx, events: TransactionEvents, input: { batchId: string; submittedBy: bigint | null }): Promise<void> {
  const added = await tx.query(`insert into batch_approvals (batch_id, submitted_by) values ($1, $2) on conflict (batch_id) do nothing`, [input.batchId, input.submittedBy]);
  if (added.rowCount === 0) return;
  events.audit([{ action: 'batch.approval_requested', entity: `batch:${input.batchId}`, after: { awaiting: 'checker' } }]);
}

type Pending = { decision: 'APPROVED' | 'REJECTED' | null; submitted_by: bigint | null };

async function approvalOf(tx: Tx, batchId: string): Promise<Pending | undefined> {
  const found = await tx.query<Pending>('select decision, submitted_by from batch_approvals where batch_id = $1 for update', [batchId]);
  return found.rows[0];
}

export type ApiAuthOutcome = AuthorizeOutcome | { ok: false; code: 'APPROVAL_REQUIRED' };

/**
 * The API's auth, with four eyes: a batch awaiting a checker (or, when the merchant asks for it,
 * any batch not yet approved) is refused with APPROVAL_REQUIRED and put up for approval; anything
 * else is plain auth. Lock order as everywhere: the batch first, then its approval row, the audit
 * head last.
 */
export function authorizeFromApi(db: Db, queue: BatchQueue, input: { merchantId: bigint; batchId: string; actor: Actor; policy: ApprovalPolicy }): Promise<ApiAuthOutcome> {
  return db.transaction(async (tx): Promise<ApiAuthOutcome> => {
    const batch = await lockMerchantBatch(tx, input.merchantId, input.batchId);
    if (!batch) return { ok: false, code: 'MASS_PAYOUT_NOT_FOUND' };
    const events = new TransactionEvents({ chainId: batch.merchantId, actor: input.actor, requestId: batch.id }, writeWebhookEvents);
    const outcome = await apiAuthLocked(tx, queue, batch, events, input.policy);
    await events.write(tx);
    return outcome;
  });
}

async function apiAuthLocked(tx: Tx, queue: BatchQueue, batch: LockedBatch, events: TransactionEvents, policy: ApprovalPolicy): Promise<ApiAuthOutcome> {
  if (batch.status === 'INIT' || batch.status === 'INSUFFICIENT_BALANCE') {
    const approval = await approvalOf(tx, batch.id);
    const waiting = approval ? approval.decision === null : policy.apiBatchesNeedApproval;
    if (waiting) {
      await recordApprovalRequest(tx, events, { batchId: batch.id, submittedBy: null });
      return { ok: false, code: 'APPROVAL_REQUIRED' };
    }
  }
  return authorizeLocked(tx, queue, batch, events);
}

export type DecisionFailure = 'MASS_PAYOUT_NOT_FOUND' | 'NOT_AWAITING_APPROVAL' | 'OWN_BATCH' | AuthorizeFailure | CancelFailure;
export type DecisionOutcome = { ok: true } | { ok: false; code: DecisionFailure };

/**
 * A checker's decision, in one transaction: approve is auth (reserve and queue), reject is cancel,
 * then the approval row records who decided, and an audit event names them, written with auth's or
 * cancel's events under one lock of the audit head. Refused when the checker submitted the batch,
 * or when it is not awaiting a decision. An approval that finds too little balance leaves the batch
 * INSUFFICIENT_BALANCE and still awaiting: approve again after a deposit.
 */
export function decideBatch(
  db: Db,
  queue: BatchQueue,
  input: { merchantId: bigint; batchId: string; checkerId: bigint; actor: Actor; decision: 'APPROVED' | 'REJECTED' },
): Promise<DecisionOutcome> {
  return db.transaction(async (tx): Promise<DecisionOutcome> => {
    const batch = await lockMerchantBatch(tx, input.merchantId, input.batchId);
    if (!batch) return { ok: false, code: 'MASS_PAYOUT_NOT_FOUND' };
    const events = new TransactionEvents({ chainId: batch.merchantId, actor: input.actor, requestId: batch.id }, writeWebhookEvents);
    const outcome = await decideLocked(tx, queue, batch, events, input);
    await events.write(tx);
    return outcome;
  });
}

async function decideLocked(
  tx: Tx,
  queue: BatchQueue,
  batch: LockedBatch,
  events: TransactionEvents,
  input: { checkerId: bigint; decision: 'APPROVED' | 'REJECTED' },
): Promise<DecisionOutcome> {
  const approval = await approvalOf(tx, batch.id);
  if (!approval || approval.decision !== null) return { ok: false, code: 'NOT_AWAITING_APPROVAL' };
  if (approval.submitted_by === input.checkerId) return { ok: false, code: 'OWN_BATCH' };
  const moved = input.decision === 'APPROVED' ? await authorizeLocked(tx, queue, batch, events) : await cancelLocked(tx, batch, events);
  if (!moved.ok) return moved;
  const decided = await tx.query(
    `update batch_approvals set decision = $2, decided_by = $3, decided_at = now() where batch_id = $1 and decision is null`,
    [batch.id, input.decision, input.checkerId],
  );
  if (decided.rowCount !== 1) throw new Error(`approval of batch ${batch.id} changed while locked`);
  events.audit([
    { action: input.decision === 'APPROVED' ? 'batch.approved' : 'batch.rejected', entity: `batch:${batch.id}`, before: { awaiting: 'checker' }, after: { decision: input.decision } },
  ]);
  return { ok: true };
}

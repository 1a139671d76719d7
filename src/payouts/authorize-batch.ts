import { appendAudit, type Actor, type AuditContext } from '../audit/append.ts';
import { appendUniformAudit } from '../audit/append-uniform.ts';
import type { Db, Tx } from '../db/port.ts';
import { reserveBatchFunds } from '../ledger/reserve.ts';
import type { BatchQueue } from './batch-queue.ts';
import { lockMerchantBatch, type LockedBatch } from './lock-batch.ts';
import { batchItemsIn, itemStatusEvents, moveBatchItems } from './move-batch-items.ts';
import type { BatchStatus } from './statuses.ts';

export type AuthorizeFailure = 'MASS_PAYOUT_NOT_FOUND' | 'MASS_PAYOUT_CANCELED' | 'NO_VALID_ITEMS' | 'INSUFFICIENT_BALANCE';

export type AuthorizeOutcome =
  /** `authorizedNow` is false when an earlier call already authorised the batch (a safe retry). */
  | { ok: true; authorizedNow: boolean }
  | { ok: false; code: AuthorizeFailure };

export interface AuthorizeRequest {
  merchantId: bigint;
  batchId: string;
  actor: Actor;
}

type AuthStep = { next: 'authorize' } | { next: 'done' } | { next: 'refuse'; code: AuthorizeFailure };

/** What auth does with a batch in a given state: the pure rule, apart from the I/O. */
export function authStep(status: BatchStatus, validCount: number): AuthStep {
  switch (status) {
    case 'INIT':
    case 'INSUFFICIENT_BALANCE':
      return validCount > 0 ? { next: 'authorize' } : { next: 'refuse', code: 'NO_VALID_ITEMS' };
    case 'IN_PROGRESS':
    case 'PUBLISHED_TO_QUEUE':
    case 'COMPLETED':
    case 'FAIL':
      return { next: 'done' };
    case 'CANCELED':
      return { next: 'refuse', code: 'MASS_PAYOUT_CANCELED' };
  }
}

/**
 * Auth, the second phase, in ONE transaction: lock the batch, reserve amount + commission of every
 * valid item (available → reserved, one ledger transfer), move the batch to IN_PROGRESS and its INIT
 * items to PROCESSING, write the audit trail, and hand the batch to the queue (which, for the table
 * queue, makes it PUBLISHED_TO_QUEUE in the same transaction). Everything is set-based: the number
 * of statements does not depend on the number of items.
 *
 * Too little balance commits only the batch's move to INSUFFICIENT_BALANCE: items and books stay as
 * they were, and auth can be called again after a deposit.
 */
export function authorizeBatch(db: Db, queue: BatchQueue, request: AuthorizeRequest): Promise<AuthorizeOutcome> {
  return db.transaction((tx) => authorizeBatchIn(tx, queue, request));
}

/** authorizeBatch inside the caller's transaction (a checker's approval records its decision in the same one). */
export async function authorizeBatchIn(tx: Tx, queue: BatchQueue, request: AuthorizeRequest): Promise<AuthorizeOutcome> {
  const batch = await lockMerchantBatch(tx, request.merchantId, request.batchId);
  if (!batch) return { ok: false, code: 'MASS_PAYOUT_NOT_FOUND' };
  const step = authStep(batch.status, batch.validCount);
  if (step.next === 'done') return { ok: true, authorizedNow: false };
  if (step.next === 'refuse') return { ok: false, code: step.code };

  const audit: AuditContext = { chainId: batch.merchantId, actor: request.actor, requestId: batch.id };
  const needed = batch.totalAmount + batch.totalCommissionPlanned;
  const reserved = await reserveBatchFunds(tx, { merchantId: batch.merchantId, batchId: batch.id, currency: batch.currency, amount: needed }, audit);
  if (!reserved.ok) {
    await markInsufficientBalance(tx, batch, audit);
    return { ok: false, code: 'INSUFFICIENT_BALANCE' };
  }

  const started = await tx.query(
    `update batches set status = 'IN_PROGRESS', authorized_at = now() where id = $1 and status = $2`,
    [batch.id, batch.status],
  );
  if (started.rowCount !== 1) throw new Error(`batch ${batch.id} left ${batch.status} while locked`);

  const pending = await batchItemsIn(tx, batch.id, 'INIT');
  // The reserve was taken from the batch's totals; the items moved must be exactly what it covers.
  if (pending.count !== batch.validCount) throw new Error(`batch ${batch.id}: ${pending.count} INIT items, expected ${batch.validCount}`);
  if (pending.amountWithCommission !== needed) throw new Error(`batch ${batch.id}: items hold ${pending.amountWithCommission}, reserved ${needed}`);

  await appendAudit(tx, audit, [
    { action: 'batch.status', entity: `batch:${batch.id}`, before: { status: batch.status }, after: { status: 'IN_PROGRESS' } },
  ]);
  // The UPDATE of the items runs in the database while their audit events are hashed here.
  const moved = await appendUniformAudit(tx, audit, itemStatusEvents(pending.referenceCodes, 'INIT', 'PROCESSING'), () =>
    moveBatchItems(tx, batch.id, 'INIT', 'PROCESSING'),
  );
  if (moved !== pending.count) throw new Error(`batch ${batch.id}: moved ${moved} items, expected ${pending.count}`);
  await queue.enqueueAuthorized(tx, { id: batch.id, merchantId: batch.merchantId, itemCount: batch.itemCount, validCount: pending.count }, request.actor);
  return { ok: true, authorizedNow: true };
}

/** Records the refusal on the batch (once: a second refusal changes nothing). Items stay INIT. */
async function markInsufficientBalance(tx: Tx, batch: LockedBatch, audit: AuditContext): Promise<void> {
  if (batch.status === 'INSUFFICIENT_BALANCE') return;
  const marked = await tx.query(`update batches set status = 'INSUFFICIENT_BALANCE' where id = $1 and status = 'INIT'`, [batch.id]);
  if (marked.rowCount !== 1) throw new Error(`batch ${batch.id} left INIT while locked`);
  await appendAudit(tx, audit, [
    { action: 'batch.status', entity: `batch:${batch.id}`, before: { status: 'INIT' }, after: { status: 'INSUFFICIENT_BALANCE' } },
  ]);
}

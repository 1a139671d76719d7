import type { Actor } from '../audit/append.ts';
import { TransactionEvents } from '../audit/transaction-events.ts';
import type { Db, Tx } from '../db/port.ts';
import { reserveBatchFunds } from '../ledger/reserve.ts';
import type { BatchQueue } from './batch-queue.ts';
import { moveBatch } from './batch-transitions.ts';
import { moveAllBatchItems, pendingItems } from './item-transitions.ts';
import { lockMerchantBatch, type LockedBatch } from './lock-batch.ts';
import type { BatchStatus } from './statuses.ts';
import { writeWebhookEvents } from '../webhooks/write-events.ts';

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
 * items to PROCESSING, and hand the batch to the queue (which, for the table queue, makes it
 * PUBLISHED_TO_QUEUE in the same transaction); the audit trail is written last. Everything is
 * set-based: the number of statements does not depend on the number of items. Locks, in the order
 * every writer takes them: the batch row, the merchant's accounts, the audit head.
 *
 * Too little balance commits only the batch's move to INSUFFICIENT_BALANCE: items and books stay as
 * they were, and auth can be called again after a deposit.
 */
export function authorizeBatch(db: Db, queue: BatchQueue, request: AuthorizeRequest): Promise<AuthorizeOutcome> {
  return db.transaction(async (tx) => {
    const batch = await lockMerchantBatch(tx, request.merchantId, request.batchId);
    if (!batch) return { ok: false, code: 'MASS_PAYOUT_NOT_FOUND' };
    const events = new TransactionEvents({ chainId: batch.merchantId, actor: request.actor, requestId: batch.id }, writeWebhookEvents);
    const outcome = await authorizeLocked(tx, queue, batch, events);
    await events.write(tx);
    return outcome;
  });
}

/**
 * Auth of a batch the caller has locked (lockMerchantBatch), its events recorded with the caller's,
 * who writes them last (a checker's approval adds its decision to the same ones). What it recorded
 * is to be written whatever the outcome: a refusal for balance moved the batch.
 */
export async function authorizeLocked(tx: Tx, queue: BatchQueue, batch: LockedBatch, events: TransactionEvents): Promise<AuthorizeOutcome> {
  const step = authStep(batch.status, batch.validCount);
  if (step.next === 'done') return { ok: true, authorizedNow: false };
  if (step.next === 'refuse') return { ok: false, code: step.code };

  const needed = batch.totalAmount + batch.totalCommissionPlanned;
  const reserved = await reserveBatchFunds(tx, { merchantId: batch.merchantId, batchId: batch.id, currency: batch.currency, amount: needed }, events);
  if (!reserved.ok) {
    // Recorded once: a second refusal changes nothing.
    if (batch.status !== 'INSUFFICIENT_BALANCE' && !(await moveBatch(tx, events, batch, 'refuseForBalance', batch.status))) {
      throw new Error(`batch ${batch.id} left ${batch.status} while locked`);
    }
    return { ok: false, code: 'INSUFFICIENT_BALANCE' };
  }

  if (!(await moveBatch(tx, events, batch, 'authorize', batch.status))) throw new Error(`batch ${batch.id} left ${batch.status} while locked`);
  const pending = await pendingItems(tx, batch);
  // The reserve was taken from the batch's totals; the items moved must be exactly what it covers (checked by the move).
  moveAllBatchItems(tx, events, batch, 'authorize', pending, needed);
  await queue.enqueueAuthorized(tx, events, { id: batch.id, merchantId: batch.merchantId, itemCount: batch.itemCount, validCount: pending.count });
  return { ok: true, authorizedNow: true };
}

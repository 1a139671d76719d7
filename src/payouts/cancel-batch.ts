import type { Actor } from '../audit/append.ts';
import { TransactionEvents } from '../audit/transaction-events.ts';
import type { Db, Tx } from '../db/port.ts';
import { moveBatch } from './batch-transitions.ts';
import { moveAllBatchItems, pendingItems } from './item-transitions.ts';
import { lockMerchantBatch, type LockedBatch } from './lock-batch.ts';
import type { BatchStatus } from './statuses.ts';
import { writeWebhookEvents } from '../webhooks/write-events.ts';

export type CancelFailure = 'MASS_PAYOUT_NOT_FOUND' | 'ALREADY_AUTHORIZED';

export type CancelOutcome =
  /** `canceledNow` is false when the batch was already canceled (a safe retry). */
  | { ok: true; canceledNow: boolean }
  | { ok: false; code: CancelFailure };

export interface CancelRequest {
  merchantId: bigint;
  batchId: string;
  actor: Actor;
}

type CancelStep = { next: 'cancel' } | { next: 'done' } | { next: 'refuse'; code: CancelFailure };

/** Cancel is possible only before auth; INSUFFICIENT_BALANCE is still before auth (nothing reserved). */
export function cancelStep(status: BatchStatus): CancelStep {
  switch (status) {
    case 'INIT':
    case 'INSUFFICIENT_BALANCE':
      return { next: 'cancel' };
    case 'CANCELED':
      return { next: 'done' };
    case 'IN_PROGRESS':
    case 'PUBLISHED_TO_QUEUE':
    case 'COMPLETED':
    case 'FAIL':
      return { next: 'refuse', code: 'ALREADY_AUTHORIZED' };
  }
}

/**
 * Cancels a batch before auth in ONE transaction: the batch becomes CANCELED with nothing left open,
 * every INIT item MASS_PAYOUT_CANCELED (INVALID items stay INVALID), with an audit event for each.
 * No money moves: nothing is reserved before auth.
 */
export function cancelBatch(db: Db, request: CancelRequest): Promise<CancelOutcome> {
  return db.transaction(async (tx) => {
    const batch = await lockMerchantBatch(tx, request.merchantId, request.batchId);
    if (!batch) return { ok: false, code: 'MASS_PAYOUT_NOT_FOUND' };
    const events = new TransactionEvents({ chainId: batch.merchantId, actor: request.actor, requestId: batch.id }, writeWebhookEvents);
    const outcome = await cancelLocked(tx, batch, events);
    await events.write(tx);
    return outcome;
  });
}

/** Cancel of a batch the caller has locked, its events recorded with the caller's, who writes them last (a checker's rejection). */
export async function cancelLocked(tx: Tx, batch: LockedBatch, events: TransactionEvents): Promise<CancelOutcome> {
  const step = cancelStep(batch.status);
  if (step.next === 'done') return { ok: true, canceledNow: false };
  if (step.next === 'refuse') return { ok: false, code: step.code };

  if (!(await moveBatch(tx, events, batch, 'cancel', batch.status))) throw new Error(`batch ${batch.id} left ${batch.status} while locked`);
  const pending = await pendingItems(tx, batch);
  moveAllBatchItems(tx, events, batch, 'cancel', pending, batch.totalAmount + batch.totalCommissionPlanned);
  return { ok: true, canceledNow: true };
}

import { appendAudit, type Actor } from '../audit/append.ts';
import { appendUniformAudit } from '../audit/append-uniform.ts';
import type { Db, Tx } from '../db/port.ts';
import { lockMerchantBatch } from './lock-batch.ts';
import { batchItemsIn, itemStatusEvents, moveBatchItems } from './move-batch-items.ts';
import type { BatchStatus } from './statuses.ts';

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
  return db.transaction((tx) => cancelBatchIn(tx, request));
}

/** cancelBatch inside the caller's transaction (a checker's rejection records its decision in the same one). */
export async function cancelBatchIn(tx: Tx, request: CancelRequest): Promise<CancelOutcome> {
  const batch = await lockMerchantBatch(tx, request.merchantId, request.batchId);
  if (!batch) return { ok: false, code: 'MASS_PAYOUT_NOT_FOUND' };
  const step = cancelStep(batch.status);
  if (step.next === 'done') return { ok: true, canceledNow: false };
  if (step.next === 'refuse') return { ok: false, code: step.code };

  const canceled = await tx.query(
    `update batches set status = 'CANCELED', canceled_at = now(), open_count = 0 where id = $1 and status = $2`,
    [batch.id, batch.status],
  );
  if (canceled.rowCount !== 1) throw new Error(`batch ${batch.id} left ${batch.status} while locked`);
  const pending = await batchItemsIn(tx, batch.id, 'INIT');
  if (pending.count !== batch.validCount) throw new Error(`batch ${batch.id}: ${pending.count} INIT items, expected ${batch.validCount}`);

  const audit = { chainId: batch.merchantId, actor: request.actor, requestId: batch.id };
  await appendAudit(tx, audit, [
    { action: 'batch.status', entity: `batch:${batch.id}`, before: { status: batch.status }, after: { status: 'CANCELED' } },
  ]);
  const moved = await appendUniformAudit(tx, audit, itemStatusEvents(pending.referenceCodes, 'INIT', 'MASS_PAYOUT_CANCELED'), () =>
    moveBatchItems(tx, batch.id, 'INIT', 'MASS_PAYOUT_CANCELED'),
  );
  if (moved !== pending.count) throw new Error(`batch ${batch.id}: canceled ${moved} items, expected ${pending.count}`);
  return { ok: true, canceledNow: true };
}

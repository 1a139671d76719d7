import type { TransactionEvents } from '../audit/transaction-events.ts';
import type { Tx } from '../db/port.ts';
import type { Step } from '../db/steps.ts';
import type { BatchStatus } from './statuses.ts';
import { batchMoves, type BatchMoveName } from './transitions.ts';

/** Which batch, and whose audit chain its events join. */
export interface BatchKey {
  id: string;
  merchantId: bigint;
}

/** The columns each move sets besides its status: constant SQL, never input. */
const alsoSet: Record<Exclude<BatchMoveName, 'complete' | 'fail'>, string> = {
  authorize: ', authorized_at = now()',
  refuseForBalance: '',
  cancel: ', canceled_at = now(), open_count = 0',
  publish: '',
};

/** RabbitMQ's promotion: only once the batch has outbox rows and every one of them is published. */
const whenAllPublished = `and exists (select 1 from outbox o where o.batch_id = batches.id)
  and not exists (select 1 from outbox o where o.batch_id = batches.id and o.published_at is null)`;

/**
 * Moves one batch from `from` (the status its caller saw) by the named move: a guarded `UPDATE …
 * WHERE status = from` whose row count says whether it moved, and, when it did, the `batch.status`
 * audit event and outbound event recorded with the transaction's events. Zero rows is a lost race
 * (another relay promoted it, workers finished it) or, for a caller holding the batch's lock, a
 * broken invariant that caller throws on.
 */
export async function moveBatch(
  tx: Tx,
  events: TransactionEvents,
  batch: BatchKey,
  name: Exclude<BatchMoveName, 'complete' | 'fail'>,
  from: BatchStatus,
  options: { onlyWhenAllPublished?: boolean } = {},
): Promise<boolean> {
  const move = batchMoves[name];
  if (!(move.from as readonly BatchStatus[]).includes(from)) throw new Error(`batch ${batch.id}: ${name} does not leave ${from}`);
  assertChain(events, batch);
  const moved = await tx.query(
    `update batches set status = $3${alsoSet[name]} where id = $1 and status = $2 ${options.onlyWhenAllPublished ? whenAllPublished : ''}`,
    [batch.id, from, move.to],
  );
  if (moved.rowCount === 0) return false;
  if (moved.rowCount !== 1) throw new Error(`batch ${batch.id}: ${name} moved ${moved.rowCount} rows`);
  recordBatchMove(events, batch, from, move.to);
  return true;
}

/** A settlement's lock on its batch, taken before accounts and the audit head (the lock order); reads its status. */
export function lockBatchRowStep(batchId: string): Step<BatchStatus> {
  return {
    statement: { sql: 'select status from batches where id = $1 for update', params: [batchId] },
    read(locked) {
      if (locked.rowCount !== 1) throw new Error(`batch ${batchId} does not exist`);
      return locked.rows[0].status as BatchStatus;
    },
  };
}

/** What one settlement adds to its batch's counters. */
export interface BatchProgress {
  /** Items that reached a final state now: paid + refunded + refundFailed. */
  finished: number;
  /** Items now SUCCESS, DEPOSIT_SUCCESS and DEPOSIT_FAIL. */
  paid: number;
  refunded: number;
  refundFailed: number;
  paidAmount: bigint;
  paidCommission: bigint;
}

/** The batch as a settlement left it. */
export interface BatchAdvance {
  status: BatchStatus;
  openCount: number;
  totalSuccessfulAmount: bigint;
  totalCommissionAmount: bigint;
}

/**
 * The batch's counters, and its final state once no valid item is open: COMPLETED if anything was
 * paid, FAIL if every item failed (and so got its money back). Guarded: a batch already final, or
 * whose open_count would go negative, is a broken invariant and fails the transaction. The caller
 * holds the batch row (lockBatchRowStep), then records what it did (recordAdvance).
 */
export function advanceBatchStep(batch: BatchKey, progress: BatchProgress): Step<BatchAdvance> {
  return {
    statement: {
      sql: `update batches set
         open_count = open_count - $2,
         success_count = success_count + $5,
         refunded_count = refunded_count + $6,
         refund_failed_count = refund_failed_count + $7,
         total_successful_amount = total_successful_amount + $3,
         total_commission_amount = total_commission_amount + $4,
         status = case when open_count - $2 > 0 then status
                       when total_successful_amount + $3 > 0 then $8 else $9 end,
         completed_at = case when open_count - $2 = 0 then now() else completed_at end
       where id = $1 and status = any($10::text[]) and open_count >= $2
       returning status, open_count, total_successful_amount, total_commission_amount`,
      params: [batch.id, progress.finished, progress.paidAmount, progress.paidCommission, progress.paid, progress.refunded, progress.refundFailed,
        batchMoves.complete.to, batchMoves.fail.to, batchMoves.complete.from],
    },
    read(updated) {
      if (updated.rowCount !== 1) throw new Error(`batch ${batch.id} cannot take ${progress.finished} finished items (final already, or open_count too low)`);
      const row = updated.rows[0] as { status: BatchStatus; open_count: number; total_successful_amount: bigint; total_commission_amount: bigint };
      return { status: row.status, openCount: row.open_count, totalSuccessfulAmount: row.total_successful_amount, totalCommissionAmount: row.total_commission_amount };
    },
  };
}

/**
 * Records a settlement's advance with the transaction's events: when it finished the batch, the
 * `batch.status` move from `was` (the status the batch row lock read) and its outbound event.
 * Returns the final status, if the batch has one now.
 */
export function recordAdvance(events: TransactionEvents, batch: BatchKey, was: BatchStatus, advanced: BatchAdvance): 'COMPLETED' | 'FAIL' | undefined {
  assertChain(events, batch);
  if (advanced.openCount > 0) return undefined;
  const status = advanced.status as 'COMPLETED' | 'FAIL';
  recordBatchMove(events, batch, was, status, {
    totalSuccessfulAmount: advanced.totalSuccessfulAmount.toString(),
    totalCommissionAmount: advanced.totalCommissionAmount.toString(),
  });
  return status;
}

function recordBatchMove(events: TransactionEvents, batch: BatchKey, from: BatchStatus, to: BatchStatus, detail: Record<string, string> = {}): void {
  events.audit([{ action: 'batch.status', entity: `batch:${batch.id}`, before: { status: from }, after: { status: to, ...detail } }]);
  events.emit({ type: 'batch.status', merchantId: batch.merchantId, batchId: batch.id, data: { from, to, ...detail } });
}

function assertChain(events: TransactionEvents, batch: BatchKey): void {
  if (events.context.chainId !== batch.merchantId) throw new Error(`batch ${batch.id}: its events belong to merchant ${batch.merchantId}'s chain, not ${events.context.chainId}'s`);
}

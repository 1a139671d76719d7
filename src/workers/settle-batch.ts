import type { Actor } from '../audit/append.ts';
import { TransactionEvents } from '../audit/transaction-events.ts';
import type { Db, Tx } from '../db/port.ts';
import { ensureAccounts } from '../ledger/accounts.ts';
import { applyTransfers, lockAccounts, recordTransfers, transferSetEvent, type PlannedTransfer, type PostedTransfer } from '../ledger/transfers.ts';
import { advanceBatch, lockBatchRow } from '../payouts/batch-transitions.ts';
import { payItems, refundItems, scheduleChecks } from '../payouts/item-transitions.ts';
import type { BatchRef } from './batch-refs.ts';
import {
  batchProgress,
  payoutTransfers,
  releaseTransfers,
  sortOutcomes,
  type ItemResult,
  type PaidItem,
  type RejectedItem,
  type SettlementAccounts,
} from './settlement-plan.ts';
import { WebhookOutbox } from '../webhooks/write-events.ts';

export interface SettleReport {
  paid: number;
  refunded: number;
  refundFailed: number;
  unresolved: number;
  /** Set when this settlement finished the batch. */
  batchStatus?: 'COMPLETED' | 'FAIL';
}

/**
 * Step (c) of a chunk, ONE transaction: every definite outcome becomes a final item state
 * and its ledger postings, ambiguous ones are scheduled for a status check, the batch's counters
 * move, and every change leaves its audit event. Set-based: the number of statements does not
 * depend on the number of items.
 *
 * Each item transition is a guarded UPDATE (`status = 'QUEUED'`, payouts/item-transitions.ts) whose
 * RETURNING decides what gets posted: an item another worker already settled is skipped here, so
 * its money cannot move twice (and the ledger's unique (item_id, kind) index would fail the
 * transaction). A crash before the commit leaves the items QUEUED and the rail's record intact; the
 * next status check finds the same outcome.
 *
 * Locks, in the one order every writer takes them (README "Architecture"): first what no other
 * settlement contends for (the items' own rows, the new transfers), then the batch row, the
 * accounts (all at once, ascending ids), and the merchant's audit head last, once, when the
 * transaction's events are written. The shared ones serialise the settlements of one merchant, so
 * they are taken as late as possible, after everything that can be done without them, the paid
 * items' webhook deliveries included (WebhookOutbox.prepare).
 */
export async function settleBatch(db: Db, actor: Actor, batch: BatchRef, results: readonly ItemResult[], alert: (line: string) => void): Promise<SettleReport> {
  const sorted = sortOutcomes(results);
  const settled = await db.transaction(async (tx) => {
    const outbox = new WebhookOutbox();
    const events = new TransactionEvents({ chainId: batch.merchantId, actor, requestId: batch.id }, outbox.write);

    const paid = await payItems(tx, events, batch, sorted.paid);
    const accounts = await settlementAccounts(tx, batch, paid);
    const planned = payoutTransfers(paid, accounts);
    const payouts = await recordTransfers(tx, planned);
    // These items were QUEUED a moment ago: a payout already in the ledger would mean the item's
    // state and the books disagree. Fail the transaction rather than settle on top of that.
    if (payouts.length !== planned.length) throw new Error(`batch ${batch.id}: posted ${payouts.length} of ${planned.length} payout transfers`);
    events.audit(transferSetEvent(payouts));
    const rescheduled = await scheduleChecks(tx, events, sorted.unresolved);
    // The paid items' webhook deliveries, written (numbered later) while nobody waits for this transaction.
    await outbox.prepare(tx, events.outbound);

    // Then the rows shared with every other writer of this merchant, held to the commit.
    const was = await lockBatchRow(tx, batch.id);
    const refundPlan = releaseTransfers(sorted.rejected, accounts);
    await lockAccounts(tx, [...payouts, ...refundPlan]);
    await applyTransfers(tx, payouts);
    const refunds = await refundRejected(tx, events, batch, sorted.rejected, accounts);

    const progress = batchProgress(paid, refunds.done.length, refunds.failed.length);
    const batchStatus = progress.finished > 0 ? await advanceBatch(tx, events, batch, was, progress) : undefined;
    await events.write(tx);
    const report: SettleReport = { paid: paid.length, refunded: refunds.done.length, refundFailed: refunds.failed.length, unresolved: rescheduled.length, batchStatus };
    return { report, refundFailed: refunds.failed };
  });
  // Only once committed: a rolled-back settlement leaves the items QUEUED, and nothing to alert about.
  if (settled.refundFailed.length > 0) {
    alert(
      `ALERT operator: batch ${batch.id}: the refund of ${settled.refundFailed.length} failed item(s) could not be posted; ` +
        `they are DEPOSIT_FAIL and their money is still reserved (items ${settled.refundFailed.map((r) => r.item.referenceCode).join(', ')})`,
    );
  }
  return settled.report;
}

async function settlementAccounts(tx: Tx, batch: BatchRef, paid: readonly PaidItem[]): Promise<SettlementAccounts> {
  const currency = batch.currency;
  const memberIds = [...new Set(paid.flatMap((p) => (p.memberId === undefined ? [] : [p.memberId])))];
  const ids = await ensureAccounts(tx, [
    { kind: 'available', currency, merchantId: batch.merchantId },
    { kind: 'reserved', currency, merchantId: batch.merchantId },
    { kind: 'bank_settlement', currency },
    { kind: 'commission_revenue', currency },
    ...memberIds.map((memberId) => ({ kind: 'wallet' as const, currency, memberId })),
  ]);
  const [available, reserved, bankSettlement, commissionRevenue, ...walletIds] = ids;
  return { available, reserved, bankSettlement, commissionRevenue, wallets: new Map(memberIds.map((memberId, i) => [memberId, walletIds[i]])) };
}

/**
 * QUEUED → (FAILED →) DEPOSIT_SUCCESS with the release posted, in a savepoint. If the release
 * violates a balance CHECK (the reserved account cannot cover it: the books are already wrong),
 * the savepoint is rolled back (and what it recorded with it) and the items become DEPOSIT_FAIL with
 * their money left reserved, for an operator. Any other error (a lost connection, a deadlock) fails
 * the whole transaction instead: the items stay QUEUED and are settled again later, never marked
 * DEPOSIT_FAIL by accident. The caller holds the available and reserved accounts' locks.
 */
async function refundRejected(tx: Tx, events: TransactionEvents, batch: BatchRef, rejected: readonly RejectedItem[], accounts: SettlementAccounts): Promise<{ done: RejectedItem[]; failed: RejectedItem[] }> {
  if (rejected.length === 0) return { done: [], failed: [] };
  const mark = events.mark();
  await tx.query('savepoint refund');
  try {
    const done = await refundItems(tx, events, batch, rejected, 'refund');
    const planned: PlannedTransfer[] = releaseTransfers(done, accounts);
    const releases: PostedTransfer[] = await recordTransfers(tx, planned);
    if (releases.length !== planned.length) throw new Error(`posted ${releases.length} of ${planned.length} release transfers`);
    await applyTransfers(tx, releases);
    events.audit(transferSetEvent(releases));
    await tx.query('release savepoint refund');
    return { done, failed: [] };
  } catch (error) {
    if (!isBalanceCheckViolation(error)) throw error;
    await tx.query('rollback to savepoint refund');
    events.rollbackTo(mark);
    const failed = await refundItems(tx, events, batch, rejected, 'refundFailed');
    return { done: [], failed };
  }
}

/**
 * SQLSTATE 23514, check_violation: an account's balance >= 0 CHECK, the one constraint a correct
 * release can meet (when the books are already wrong). A unique violation is a transfer posted
 * twice, a bug that must fail the whole transaction, not turn into DEPOSIT_FAIL.
 */
function isBalanceCheckViolation(error: unknown): boolean {
  return (error as { code?: unknown } | null)?.code === '23514';
}

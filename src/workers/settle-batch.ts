import type { Actor } from '../audit/append.ts';
import { TransactionEvents } from '../audit/transaction-events.ts';
import type { Db, Tx } from '../db/port.ts';
import { ensureAccounts } from '../ledger/accounts.ts';
import { applyIfCoveredStep, applyTransfersStep, lockAccountsStep, recordTransfers, transferSetEvent } from '../ledger/transfers.ts';
import { advanceBatchStep, lockBatchRowStep, recordAdvance } from '../payouts/batch-transitions.ts';
import { noStep, runSteps } from '../db/steps.ts';
import { payItems, refundItems, scheduleChecks } from '../payouts/item-transitions.ts';
import type { BatchRef } from './batch-refs.ts';
import {
  batchProgress,
  payoutTransfers,
  releaseTransfers,
  sortOutcomes,
  type ItemResult,
  type SortedOutcomes,
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
 * settlement contends for (the items' own rows, the new transfers, the webhook deliveries), then the
 * batch row, the accounts (all at once, ascending ids), and the merchant's audit head last, once,
 * when the transaction's events are written. The shared ones serialise the settlements of one
 * merchant, so everything that can be done without them is done before them, the refunds included:
 * under them a settlement only applies its postings to the balances and moves the batch's counters.
 *
 * A refund is recorded on the assumption that the reserved account covers its release, which it
 * does unless the books are already wrong. When it does not (applyIfCoveredStep applies nothing),
 * the settlement is rolled back whole and made again with those items DEPOSIT_FAIL and their money
 * left reserved, for an operator: two transactions in that rare case, and nothing but the
 * postings' balances and the batch's counters under the locks in the common one. Any error is the
 * settlement's as it is (a unique violation: a transfer posted twice; a lost connection; a
 * deadlock): the items stay QUEUED and are settled again later, never DEPOSIT_FAIL by accident.
 */
export async function settleBatch(db: Db, actor: Actor, batch: BatchRef, results: readonly ItemResult[], alert: (line: string) => void): Promise<SettleReport> {
  const sorted = sortOutcomes(results);
  const settled = await settleOnce(db, actor, batch, sorted, 'refund').catch((error: unknown) => {
    if (!(error instanceof ReleaseNotCovered)) throw error;
    return settleOnce(db, actor, batch, sorted, 'refundFailed');
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

/** The reserved account could not cover a settlement's releases: it is made again with them failed. */
class ReleaseNotCovered extends Error {}

async function settleOnce(db: Db, actor: Actor, batch: BatchRef, sorted: SortedOutcomes, refund: 'refund' | 'refundFailed'): Promise<{ report: SettleReport; refundFailed: RejectedItem[] }> {
  return db.transaction(async (tx) => {
    const outbox = new WebhookOutbox();
    const events = new TransactionEvents({ chainId: batch.merchantId, actor, requestId: batch.id }, outbox.write);

    // Whether anyone hears of this merchant's changes (one indexed read): then the settled items'
    // rows come back from their UPDATEs, for their webhook JSON.
    const silent = await outbox.silentFor(tx, batch.merchantId);
    const paid = await payItems(tx, events, batch, sorted.paid, !silent);
    const accounts = await settlementAccounts(tx, batch, paid);
    const payouts = await recordTransfers(tx, payoutTransfers(paid, accounts));
    events.audit(transferSetEvent(payouts));
    const rescheduled = await scheduleChecks(tx, events, sorted.unresolved);
    const refunded = await refundItems(tx, events, batch, sorted.rejected, refund, !silent);
    const releases = refund === 'refund' ? await recordTransfers(tx, releaseTransfers(refunded, accounts)) : [];
    events.audit(transferSetEvent(releases));
    // The settled items' webhook deliveries, written (numbered later) while nobody waits for this transaction.
    await outbox.prepare(tx, events.outbound);

    // Then the rows shared with every other writer of this merchant, held to the commit: what is
    // done under them goes to the server as one round trip, so no settlement waits for another to
    // be given this process's event loop or a core between two of its statements.
    const done = refund === 'refund' ? refunded : [];
    const failed = refund === 'refundFailed' ? refunded : [];
    const progress = batchProgress(paid, done.length, failed.length);
    // The prepared deliveries are numbered in the same round trip, under the batch row. The audit
    // head comes with them when no webhook delivery can be left to write (the merchant has no
    // endpoint): a batch's own event, known only once it advanced, would otherwise come after it,
    // the last lock.
    const [was, , , covered, advanced, , head] = await runSteps(tx, [
      lockBatchRowStep(batch.id),
      lockAccountsStep([...payouts, ...releases]),
      applyTransfersStep(payouts),
      applyIfCoveredStep(releases),
      progress.finished > 0 ? advanceBatchStep(batch, progress) : noStep(undefined),
      outbox.numberStep(),
      silent ? events.headStep() : noStep(undefined),
    ]);
    if (!covered) throw new ReleaseNotCovered(`batch ${batch.id}: the reserved account cannot cover ${releases.length} release(s)`);
    const batchStatus = advanced ? recordAdvance(events, batch, was, advanced) : undefined;
    await events.write(tx, head);
    const report: SettleReport = { paid: paid.length, refunded: done.length, refundFailed: failed.length, unresolved: rescheduled.length, batchStatus };
    return { report, refundFailed: failed };
  });
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

import { appendAudit, prepareEvents, type Actor, type AuditContext, type AuditInput } from '../audit/append.ts';
import { appendAuditGroups, type UniformEvents } from '../audit/append-uniform.ts';
import { errors } from '../errors.ts';
import type { Db, Tx } from '../db/port.ts';
import { ensureAccounts } from '../ledger/accounts.ts';
import { applyTransfers, lockAccounts, recordTransfers, transferEvents, type PostedTransfer } from '../ledger/transfers.ts';
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
  type UnresolvedItem,
} from './settlement-plan.ts';

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
 * Each item transition is a guarded UPDATE (`status = 'QUEUED'`) whose RETURNING decides what gets
 * posted: an item another worker already settled is skipped here, so its money cannot move twice
 * (and the ledger's unique (item_id, kind) index would fail the transaction). A crash before the commit
 * leaves the items QUEUED and the rail's record intact; the next status check finds the same outcome.
 *
 * Locks: the items' own rows and the new transfers first (no other worker holds them), then the
 * accounts (all at once, ascending ids), the merchant's audit head, and the batch row last. The
 * shared locks (accounts, audit head, batch) are what serialise the settlements of one merchant, so
 * they are taken as late as possible, after everything that can be done without them. Auth takes
 * batch → accounts → audit head, but never on a batch that has items to settle (it is past auth),
 * so no cycle.
 */
export async function settleBatch(db: Db, actor: Actor, batch: BatchRef, results: readonly ItemResult[], alert: (line: string) => void): Promise<SettleReport> {
  const sorted = sortOutcomes(results);
  const settled = await db.transaction(async (tx) => {
    const audit: AuditContext = { chainId: batch.merchantId, actor, requestId: batch.id };

    // First what no other settlement contends for: the items' own rows, and the transfers' rows.
    const paid = await markPaid(tx, sorted.paid);
    const accounts = await settlementAccounts(tx, batch, paid);
    const planned = payoutTransfers(paid, accounts);
    const payouts = await recordTransfers(tx, planned);
    // These items were QUEUED a moment ago: a payout already in the ledger would mean the item's
    // state and the books disagree. Fail the transaction rather than settle on top of that.
    if (payouts.length !== planned.length) throw new Error(`batch ${batch.id}: posted ${payouts.length} of ${planned.length} payout transfers`);
    const rescheduled = await scheduleChecks(tx, sorted.unresolved);
    const payoutEvents = prepareEvents(audit, transferEvents(payouts));

    // Then the rows shared with every other writer of this merchant, held to the commit, each taken
    // once and in the one order all writers use: accounts (ascending ids), audit head, batch row.
    await lockAccounts(tx, [...payouts.flatMap((t) => [t.debitAccountId, t.creditAccountId]), ...(sorted.rejected.length > 0 ? [accounts.available, accounts.reserved] : [])]);
    await applyTransfers(tx, payouts);
    const refunds = await refundRejected(tx, sorted.rejected, accounts);
    await appendAuditGroups(tx, audit, [
      payoutEvents,
      prepareEvents(audit, transferEvents(refunds.releases)),
      ...itemEventGroups(paid, refunds),
      prepareEvents(audit, rescheduledEvents(rescheduled)),
    ]);

    const progress = batchProgress(paid, refunds.done.length, refunds.failed.length);
    const batchStatus = progress.finished > 0 ? await advanceBatch(tx, audit, batch, progress) : undefined;
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

/** QUEUED → SUCCESS; returns the items that moved (the others were settled by someone else). */
async function markPaid(tx: Tx, paid: readonly PaidItem[]): Promise<PaidItem[]> {
  if (paid.length === 0) return [];
  const moved = await tx.query<{ id: bigint }>(
    `update items set status = 'SUCCESS', next_attempt_at = null, updated_at = now()
     where id = any($1::int8[]) and status = 'QUEUED'
     returning id`,
    [paid.map((p) => p.item.id)],
  );
  const ids = new Set(moved.rows.map((row) => row.id));
  return paid.filter((p) => ids.has(p.item.id));
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
 * the savepoint is rolled back and the items become DEPOSIT_FAIL with their money left reserved, for
 * an operator. Any other error (a lost connection, a deadlock) fails the whole transaction instead:
 * the items stay QUEUED and are settled again later, never marked DEPOSIT_FAIL by accident.
 * The caller holds the available and reserved accounts' locks.
 */
async function refundRejected(tx: Tx, rejected: readonly RejectedItem[], accounts: SettlementAccounts): Promise<{ done: RejectedItem[]; failed: RejectedItem[]; releases: PostedTransfer[] }> {
  if (rejected.length === 0) return { done: [], failed: [], releases: [] };
  await tx.query('savepoint refund');
  try {
    const done = await markFailed(tx, rejected, 'DEPOSIT_SUCCESS');
    const planned = releaseTransfers(done, accounts);
    const releases = await recordTransfers(tx, planned);
    if (releases.length !== planned.length) throw new Error(`posted ${releases.length} of ${planned.length} release transfers`);
    await applyTransfers(tx, releases);
    await tx.query('release savepoint refund');
    return { done, failed: [], releases };
  } catch (error) {
    if (!isBalanceCheckViolation(error)) throw error;
    await tx.query('rollback to savepoint refund');
    const failed = await markFailed(tx, rejected, 'DEPOSIT_FAIL');
    return { done: [], failed, releases: [] };
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

async function markFailed(tx: Tx, rejected: readonly RejectedItem[], to: 'DEPOSIT_SUCCESS' | 'DEPOSIT_FAIL'): Promise<RejectedItem[]> {
  const moved = await tx.query<{ id: bigint }>(
    `update items i set status = $3, error_codes = i.error_codes || r.codes, bank_reason = r.bank_reason,
       next_attempt_at = null, updated_at = now()
     from (select id, string_to_array(codes, ',') as codes, bank_reason from unnest($1::int8[], $2::text[], $4::text[]) as u(id, codes, bank_reason)) r
     where i.id = r.id and i.status = 'QUEUED'
     returning i.id`,
    [rejected.map((r) => r.item.id), rejected.map((r) => errorCodesOf(r, to).join(',')), to, rejected.map((r) => r.bankReason ?? null)],
  );
  const ids = new Set(moved.rows.map((row) => row.id));
  return rejected.filter((r) => ids.has(r.item.id));
}

/** The item's reasons as catalogue codes (its errorMessages on the wire). */
function errorCodesOf(rejected: RejectedItem, to: 'DEPOSIT_SUCCESS' | 'DEPOSIT_FAIL'): string[] {
  const reason = errors[rejected.reason].code;
  return to === 'DEPOSIT_FAIL' ? [reason, errors.REFUND_FAILED.code] : [reason];
}

/**
 * One `item.status` event per transition, in groups of identical transitions (a 1,000-item chunk is a
 * handful: paid by bank, paid by wallet, failed per reason), in the order each item lived them: a
 * failed item passes through FAILED, so it gets QUEUED → FAILED and then FAILED → DEPOSIT_SUCCESS
 * (or DEPOSIT_FAIL).
 */
function itemEventGroups(paid: readonly PaidItem[], refunds: { done: RejectedItem[]; failed: RejectedItem[] }): UniformEvents[] {
  const entities = (items: readonly { item: { referenceCode: string } }[]) => items.map(({ item }) => `item:${item.referenceCode}`);
  const groups: UniformEvents[] = [];
  for (const rail of ['sandbox-bank', 'iso20022-bank', 'wallet'] as const) {
    const group = paid.filter((p) => p.rail === rail);
    groups.push({ action: 'item.status', before: { status: 'QUEUED' }, after: { status: 'SUCCESS', rail }, entities: entities(group) });
  }
  for (const [to, items] of [['DEPOSIT_SUCCESS', refunds.done], ['DEPOSIT_FAIL', refunds.failed]] as const) {
    for (const reason of new Set(items.map((r) => r.reason))) {
      const group = items.filter((r) => r.reason === reason);
      const errorCodes = errorCodesOf(group[0], to);
      groups.push({ action: 'item.status', before: { status: 'QUEUED' }, after: { status: 'FAILED', errorCodes: [errorCodes[0]] }, entities: entities(group) });
      groups.push({ action: 'item.status', before: { status: 'FAILED' }, after: { status: to, errorCodes }, entities: entities(group) });
    }
  }
  return groups;
}

/** Rescheduled status checks differ per item (attempt, delay): one event each. */
function rescheduledEvents(rescheduled: readonly UnresolvedItem[]): AuditInput[] {
  return rescheduled.map(({ item, detail, delayMs }) => ({
    action: 'item.rail_check_scheduled',
    entity: `item:${item.referenceCode}`,
    after: { status: 'QUEUED', attempts: item.attempts + 1, outcome: 'AMBIGUOUS', detail, nextCheckInMs: delayMs },
  }));
}

/**
 * Ambiguous outcomes: the item stays QUEUED and its next status check is due after a bounded backoff
 * (its chunk is then due at its earliest check: finishChunk).
 */
async function scheduleChecks(tx: Tx, unresolved: readonly UnresolvedItem[]): Promise<UnresolvedItem[]> {
  if (unresolved.length === 0) return [];
  const moved = await tx.query<{ id: bigint }>(
    `update items i set next_attempt_at = now() + u.delay_ms * interval '1 millisecond', updated_at = now()
     from unnest($1::int8[], $2::int8[]) as u(id, delay_ms)
     where i.id = u.id and i.status = 'QUEUED'
     returning i.id`,
    [unresolved.map((u) => u.item.id), unresolved.map((u) => u.delayMs)],
  );
  const ids = new Set(moved.rows.map((row) => row.id));
  return unresolved.filter((u) => ids.has(u.item.id));
}

/**
 * The batch's counters, and its final state once no valid item is open: COMPLETED if anything was
 * paid, FAIL if every item failed (and so got its money back). Guarded: a batch already final, or
 * whose open_count would go negative, is a broken invariant and fails the transaction.
 */
async function advanceBatch(tx: Tx, audit: AuditContext, batch: BatchRef, progress: ReturnType<typeof batchProgress>): Promise<'COMPLETED' | 'FAIL' | undefined> {
  // Locked here, last: the settlements of one batch line up on this row only for this short tail.
  const locked = await tx.query<{ status: string }>('select status from batches where id = $1 for update', [batch.id]);
  const was = locked.rows[0]?.status;
  const updated = await tx.query<{ status: string; open_count: number; total_successful_amount: bigint; total_commission_amount: bigint }>(
    `update batches set
       open_count = open_count - $2,
       success_count = success_count + $5,
       refunded_count = refunded_count + $6,
       refund_failed_count = refund_failed_count + $7,
       total_successful_amount = total_successful_amount + $3,
       total_commission_amount = total_commission_amount + $4,
       status = case when open_count - $2 > 0 then status
                     when total_successful_amount + $3 > 0 then 'COMPLETED' else 'FAIL' end,
       completed_at = case when open_count - $2 = 0 then now() else completed_at end
     where id = $1 and status in ('IN_PROGRESS', 'PUBLISHED_TO_QUEUE') and open_count >= $2
     returning status, open_count, total_successful_amount, total_commission_amount`,
    [batch.id, progress.finished, progress.paidAmount, progress.paidCommission, progress.paid, progress.refunded, progress.refundFailed],
  );
  if (updated.rowCount !== 1) throw new Error(`batch ${batch.id} cannot take ${progress.finished} finished items (final already, or open_count too low)`);
  const row = updated.rows[0];
  if (row.open_count > 0) return undefined;
  const status = row.status as 'COMPLETED' | 'FAIL';
  await appendAudit(tx, audit, [
    {
      action: 'batch.status',
      entity: `batch:${batch.id}`,
      before: { status: was },
      after: { status, totalSuccessfulAmount: row.total_successful_amount.toString(), totalCommissionAmount: row.total_commission_amount.toString() },
    },
  ]);
  return status;
}

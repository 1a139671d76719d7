import type { Actor } from '../audit/append.ts';
import type { Db } from '../db/port.ts';
import { limits } from '../limits.ts';
import { logBatchChange, type InfoLogger } from '../observability/batch-log.ts';
import { itemsSettled } from '../observability/metrics.ts';
import { claimedItemColumns, claimedItemOf, type ClaimedItemRow } from '../queue/claim.ts';
import type { ReportedFinal } from '../rails/iso20022/apply-report.ts';
import { referenceCodeOf } from '../rails/iso20022/end-to-end-id.ts';
import type { Rail } from '../rails/rail.ts';
import { loadBatchRefs } from './batch-refs.ts';
import { mapWithLimit } from './map-limit.ts';
import { settleBatch } from './settle-batch.ts';
import type { ItemResult } from './settlement-plan.ts';

interface SettleOptions {
  actor: Actor;
  log: (line: string) => void;
  logger?: InfoLogger;
}

/** A QUEUED item a report concerns, with its batch. */
type WaitingItem = ClaimedItemRow & { batch_id: string };

/**
 * Settles the items whose bank transactions a report has just made final, without waiting for their
 * next status check: each item still QUEUED is settled on the outcome the report's own transaction
 * committed (the same answer a status check would get, since a final transaction never changes;
 * not read again), exactly as a worker settles a chunk (settle-batch.ts: guarded transitions, ledger
 * postings, batch counters, audit events), a transaction per limits.bankSettleItemsPerTx items of
 * one batch, limits.bankSettleTxsInFlight of them at once. A worker settling the same item at the
 * same moment is harmless: the guarded UPDATEs let one of the two move it. An item left QUEUED here
 * (a crash, a failed transaction) is settled by its status check, which stays scheduled. Returns
 * how many were settled.
 */
export async function settleReported(db: Db, bank: Rail, finals: readonly ReportedFinal[], options: SettleOptions): Promise<number> {
  const slices: ReportedFinal[][] = [];
  for (let at = 0; at < finals.length; at += limits.bankSettleItemsPerTx) slices.push(finals.slice(at, at + limits.bankSettleItemsPerTx));
  const counts = await mapWithLimit(slices, limits.bankSettleTxsInFlight, (slice) => settleSlice(db, bank, slice, options));
  return counts.reduce((sum, count) => sum + count, 0);
}

async function settleSlice(db: Db, bank: Rail, finals: readonly ReportedFinal[], options: SettleOptions): Promise<number> {
  const outcomeByCode = new Map(finals.map((f) => [referenceCodeOf(f.endToEndId), f.outcome]));
  const codes = [...outcomeByCode.keys()];
  const waiting = await db.query<WaitingItem>(
    `select batch_id, ${claimedItemColumns}
     from items where reference_code = any($1::uuid[]) and status = 'QUEUED' and recipient_type = 'IBAN'
     order by batch_id, seq`,
    [codes],
  );
  const byBatch = new Map<string, WaitingItem[]>();
  for (const row of waiting.rows) {
    const rows = byBatch.get(row.batch_id);
    if (rows) rows.push(row);
    else byBatch.set(row.batch_id, [row]);
  }
  const refs = await loadBatchRefs(db, [...byBatch.keys()]);
  let settled = 0;
  for (const [batchId, rows] of byBatch) {
    const batch = refs.get(batchId);
    if (!batch) throw new Error(`item of batch ${batchId}, which does not exist`);
    const results: ItemResult[] = rows.map((row) => ({ item: claimedItemOf(row.batch_id, row), rail: bank.name, outcome: outcomeByCode.get(row.reference_code)! }));
    const report = await settleBatch(db, options.actor, batch, results, options.log);
    itemsSettled.inc({ status: 'SUCCESS' }, report.paid);
    itemsSettled.inc({ status: 'DEPOSIT_SUCCESS' }, report.refunded);
    itemsSettled.inc({ status: 'DEPOSIT_FAIL' }, report.refundFailed);
    if (report.batchStatus) logBatchChange(options.logger, { batchId, merchantId: batch.merchantId, to: report.batchStatus, actor: options.actor });
    settled += report.paid + report.refunded + report.refundFailed;
  }
  return settled;
}

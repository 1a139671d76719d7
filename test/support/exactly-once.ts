import { expect } from 'vitest';
import type { Queryable } from '../../src/db/port.ts';
import { itemStories } from './item-stories.ts';
import { waitFor } from './wait.ts';

/** What a settled batch paid, in minor units: the merchant's balance must be deposit − paid − commission. */
export interface SettledBatch {
  status: 'COMPLETED' | 'FAIL';
  paid: bigint;
  commission: bigint;
  /** Valid items by final status. */
  items: Record<string, number>;
}

/** The batch's status and its items counted by status, for waiting and for failure messages. */
export async function batchSnapshot(db: Queryable, requestId: string): Promise<{ status: string; items: Record<string, number> }> {
  const batch = await db.query<{ status: string }>('select status from batches where id = $1', [requestId]);
  const items = await db.query<{ status: string; n: number }>('select status, count(*)::int as n from items where batch_id = $1 group by status order by status', [requestId]);
  return { status: batch.rows[0]?.status ?? 'MISSING', items: Object.fromEntries(items.rows.map((row) => [row.status, row.n])) };
}

/** Waits (bounded) until the batch is COMPLETED or FAIL. */
export function waitUntilBatchFinal(db: Queryable, requestId: string, timeoutMs: number): Promise<string> {
  return waitFor(
    async () => {
      const { status } = await batchSnapshot(db, requestId);
      return status === 'COMPLETED' || status === 'FAIL' ? status : undefined;
    },
    timeoutMs,
    async () => `batch ${requestId} is ${JSON.stringify(await batchSnapshot(db, requestId))}`,
  );
}

/**
 * Everything "exactly once" means for one finished batch, read from the tables themselves:
 *  - the batch is final and every valid item is SUCCESS or DEPOSIT_SUCCESS (nothing stuck, nothing
 *    DEPOSIT_FAIL), with the batch's totals equal to what its paid items hold;
 *  - the ledger holds, per paid item, one payout of its amount and one commission (when it has
 *    one), per failed item one release of amount + commission, and nothing else;
 *  - the sandbox bank holds one transfer per IBAN item's key (PAID for a paid item, REJECTED for a
 *    failed one, with the item's IBAN and amount), none for a wallet item, and none at all under a
 *    key that is no item's;
 *  - the audit trail has one hand-over (PROCESSING → QUEUED) and one arrival in a final state per
 *    valid item, and one final batch event.
 */
export async function expectSettledExactlyOnce(db: Queryable, requestId: string): Promise<SettledBatch> {
  const batch = (
    await db.query<{ status: string; open_count: number; completed_at: Date | null; total_successful_amount: bigint; total_commission_amount: bigint }>(
      'select status, open_count, completed_at, total_successful_amount, total_commission_amount from batches where id = $1',
      [requestId],
    )
  ).rows[0];
  expect(['COMPLETED', 'FAIL']).toContain(batch.status);
  expect(batch.open_count).toBe(0);
  expect(batch.completed_at).not.toBeNull();

  const items = await db.query<{ id: bigint; status: string; recipient_type: string; recipient_info: string; amount: bigint; commission: bigint; reference_code: string }>(
    `select id, status, recipient_type, recipient_info, amount, commission, reference_code from items where batch_id = $1 and status <> 'INVALID' order by seq`,
    [requestId],
  );
  const counts: Record<string, number> = {};
  for (const item of items.rows) counts[item.status] = (counts[item.status] ?? 0) + 1;
  expect(Object.keys(counts).filter((status) => status !== 'SUCCESS' && status !== 'DEPOSIT_SUCCESS'), JSON.stringify(counts)).toEqual([]);

  const postings = await db.query<{ item_id: bigint; kind: string; amount: bigint; n: number }>(
    `select t.item_id, t.kind, sum(t.amount)::int8 as amount, count(*)::int as n
     from ledger_transfers t join items i on i.id = t.item_id where i.batch_id = $1 group by t.item_id, t.kind`,
    [requestId],
  );
  const bank = await db.query<{ idempotency_key: string; iban: string; amount: bigint; status: string; n: number }>(
    `select b.idempotency_key, min(b.iban) as iban, sum(b.amount)::int8 as amount, min(b.status) as status, count(*)::int as n
     from sandbox_bank_transfers b join items i on i.reference_code::text = b.idempotency_key
     where i.batch_id = $1 group by b.idempotency_key`,
    [requestId],
  );
  const postingsOf = new Map<bigint, Record<string, bigint>>();
  for (const row of postings.rows) {
    expect(row.n, `item ${row.item_id} has ${row.n} ${row.kind} transfers`).toBe(1);
    postingsOf.set(row.item_id, { ...postingsOf.get(row.item_id), [row.kind]: row.amount });
  }
  const bankOf = new Map(bank.rows.map((row) => [row.idempotency_key, row]));
  let paid = 0n;
  let commission = 0n;
  for (const item of items.rows) {
    const posted = postingsOf.get(item.id) ?? {};
    const transfer = bankOf.get(item.reference_code);
    if (item.status === 'SUCCESS') {
      paid += item.amount;
      commission += item.commission;
      expect(posted, `postings of paid item ${item.reference_code}`).toEqual(item.commission > 0n ? { payout: item.amount, commission: item.commission } : { payout: item.amount });
    } else {
      expect(posted, `postings of failed item ${item.reference_code}`).toEqual({ release: item.amount + item.commission });
    }
    if (item.recipient_type === 'IBAN') {
      expect(transfer, `bank transfer of ${item.reference_code}`).toMatchObject({ n: 1, iban: item.recipient_info, amount: item.amount, status: item.status === 'SUCCESS' ? 'PAID' : 'REJECTED' });
    } else {
      expect(transfer, `a wallet item reached the bank: ${item.reference_code}`).toBeUndefined();
    }
  }
  expect(bank.rows.length).toBe(items.rows.filter((item) => item.recipient_type === 'IBAN').length);
  // A payout sent again under a key of its own would be a transfer no item's key names.
  const orphans = await db.query<{ idempotency_key: string }>(
    `select b.idempotency_key from sandbox_bank_transfers b where not exists (select 1 from items i where i.reference_code::text = b.idempotency_key)`,
  );
  expect(orphans.rows).toEqual([]);
  expect(batch.total_successful_amount).toBe(paid);
  expect(batch.total_commission_amount).toBe(commission);
  expect(batch.status).toBe(paid > 0n ? 'COMPLETED' : 'FAIL');

  const stories = await itemStories(db, requestId);
  for (const item of items.rows) {
    const steps = (stories.get(item.reference_code) ?? []).filter((step) => step.action === 'item.status');
    const queued = steps.filter((step) => step.before.status === 'PROCESSING' && step.after.status === 'QUEUED').length;
    const finals = steps.filter((step) => ['SUCCESS', 'DEPOSIT_SUCCESS', 'DEPOSIT_FAIL'].includes(step.after.status)).length;
    expect({ queued, finals }, `audit story of ${item.reference_code}`).toEqual({ queued: 1, finals: 1 });
    expect(steps.at(-1)?.after.status, `last audited move of ${item.reference_code}`).toBe(item.status);
  }
  const batchFinals = await db.query<{ n: number }>(
    `select count(*)::int as n from audit_events where request_id = $1 and action = 'batch.status' and after->>'status' in ('COMPLETED', 'FAIL')`,
    [requestId],
  );
  expect(batchFinals.rows[0].n).toBe(1);
  return { status: batch.status as 'COMPLETED' | 'FAIL', paid, commission, items: counts };
}

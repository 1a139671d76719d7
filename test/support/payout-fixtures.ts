import { expect } from 'vitest';
import type { Db } from '../../src/db/port.ts';
import type { TestMerchant, TestService } from './service.ts';

/** A valid TR IBAN (mod-97 checksum right, 26 characters). */
export const validIban = 'TR330006100519786457841326';

export function ibanItem(itemExternalId: string, value: string | number, currency = 'TRY') {
  return { itemExternalId, recipientType: 'IBAN', recipientInfo: validIban, recipientName: 'Ayşe Yılmaz', amount: { value, currency } };
}

export function memberItem(itemExternalId: string, memberId: string, value: string | number, currency = 'TRY') {
  return { itemExternalId, recipientType: 'MEMBER_ID', recipientInfo: memberId, amount: { value, currency } };
}

let externalIds = 0;

/** Creates a batch through the real init endpoint and returns its requestId. */
export async function initBatch(service: TestService, merchant: TestMerchant, items: unknown[]): Promise<string> {
  externalIds += 1;
  const response = await service.signed(merchant, 'POST', '/v1/mass/payout/init', { externalId: `batch-${Date.now()}-${externalIds}`, items });
  expect(response.status, response.text).toBe(200);
  return response.json.requestId as string;
}

export interface BatchState {
  status: string;
  openCount: number;
  authorizedAt: Date | null;
  canceledAt: Date | null;
  /** Item count per status. */
  items: Record<string, number>;
}

export async function batchState(db: Db, requestId: string): Promise<BatchState> {
  const batch = await db.query<{ status: string; open_count: number; authorized_at: Date | null; canceled_at: Date | null }>(
    'select status, open_count, authorized_at, canceled_at from batches where id = $1',
    [requestId],
  );
  const items = await db.query<{ status: string; n: number }>('select status, count(*)::int as n from items where batch_id = $1 group by status', [requestId]);
  const row = batch.rows[0];
  return {
    status: row.status,
    openCount: row.open_count,
    authorizedAt: row.authorized_at,
    canceledAt: row.canceled_at,
    items: Object.fromEntries(items.rows.map((r) => [r.status, r.n])),
  };
}

/** Amounts of the batch's reserve transfers, in minor units (at most one may ever exist). */
export async function reservesOf(db: Db, requestId: string): Promise<bigint[]> {
  const result = await db.query<{ amount: bigint }>(`select amount from ledger_transfers where kind = 'reserve' and batch_id = $1`, [requestId]);
  return result.rows.map((row) => row.amount);
}

/** The merchant's { available, reserved } in minor units for one currency, straight from the accounts. */
export async function heldBy(db: Db, merchant: TestMerchant, currency = 'TRY'): Promise<{ available: bigint; reserved: bigint }> {
  const result = await db.query<{ kind: string; balance: bigint }>(
    `select kind, balance from accounts where merchant_id = $1 and currency = $2`,
    [merchant.merchantId, currency],
  );
  const of = (kind: string) => result.rows.find((row) => row.kind === kind)?.balance ?? 0n;
  return { available: of('available'), reserved: of('reserved') };
}

export async function auditCount(db: Db, requestId: string): Promise<number> {
  const result = await db.query<{ n: number }>('select count(*)::int as n from audit_events where request_id = $1', [requestId]);
  return result.rows[0].n;
}

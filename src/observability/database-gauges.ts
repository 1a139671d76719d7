import { Gauge, Registry } from 'prom-client';
import type { Db } from '../db/port.ts';

interface Snapshot {
  due_chunks: number;
  claimed_chunks: number;
  outbox_unpublished: number;
  outbox_lag_seconds: number;
  success: bigint;
  refunded: bigint;
  refund_failed: bigint;
  canceled: bigint;
  invalid: bigint;
}

/**
 * What the database knows, read in one statement at scrape time: the same answer from every
 * process. Items by final status come from the batches' counters (kept by every settlement), not
 * from counting items: a scrape stays one pass over batches however many items there are.
 */
async function snapshot(db: Db): Promise<Snapshot> {
  const result = await db.query<Snapshot>(
    `select
       (select count(*)::int from work_chunks where done_at is null and claimed_until is null and due_at <= now()) as due_chunks,
       (select count(*)::int from work_chunks where claimed_until is not null) as claimed_chunks,
       (select count(*)::int from outbox where published_at is null) as outbox_unpublished,
       (select coalesce(extract(epoch from now() - min(created_at)), 0)::float8 from outbox where published_at is null) as outbox_lag_seconds,
       coalesce(sum(success_count), 0)::int8 as success,
       coalesce(sum(refunded_count), 0)::int8 as refunded,
       coalesce(sum(refund_failed_count), 0)::int8 as refund_failed,
       coalesce(sum(valid_count) filter (where status = 'CANCELED'), 0)::int8 as canceled,
       coalesce(sum(item_count - valid_count), 0)::int8 as invalid
     from batches`,
  );
  return result.rows[0];
}

/** The scrape-time gauges, rendered into their own registry (fresh per scrape: nothing is kept). */
export async function databaseMetrics(db: Db): Promise<string> {
  const registry = new Registry();
  const gauge = (name: string, help: string, labelNames: string[] = []) => new Gauge({ name, help, labelNames, registers: [registry] });
  const now = await snapshot(db);
  gauge('masspayout_queue_due_chunks', 'Work chunks due now and not claimed: the backlog.').set(now.due_chunks);
  gauge('masspayout_queue_claimed_chunks', 'Work chunks under a worker lease.').set(now.claimed_chunks);
  gauge('masspayout_outbox_unpublished', 'Outbox rows not yet confirmed by RabbitMQ (0 on the table queue).').set(now.outbox_unpublished);
  gauge('masspayout_outbox_lag_seconds', 'Age of the oldest unpublished outbox row.').set(now.outbox_lag_seconds);
  const items = gauge('masspayout_items_final', 'Items in a final state, by status, over all batches.', ['status']);
  items.set({ status: 'SUCCESS' }, Number(now.success));
  items.set({ status: 'DEPOSIT_SUCCESS' }, Number(now.refunded));
  items.set({ status: 'DEPOSIT_FAIL' }, Number(now.refund_failed));
  items.set({ status: 'MASS_PAYOUT_CANCELED' }, Number(now.canceled));
  items.set({ status: 'INVALID' }, Number(now.invalid));
  const pool = db.poolStats?.();
  if (pool) {
    const use = gauge('masspayout_db_pool_connections', 'PostgreSQL pool connections, by state (max, total, idle, waiting).', ['state']);
    for (const [state, value] of Object.entries(pool)) use.set({ state }, value);
  }
  return registry.metrics();
}

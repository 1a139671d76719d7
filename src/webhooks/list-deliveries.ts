import type { Queryable } from '../db/port.ts';

export interface DeliveryAttempt {
  at: Date;
  durationMs: number;
  httpStatus: number | null;
  error: string | null;
  manual: boolean;
}

export interface WebhookDelivery {
  id: bigint;
  messageId: string;
  eventType: string;
  batchId: string;
  sequence: bigint;
  status: 'pending' | 'succeeded' | 'failed';
  attempts: number;
  nextAttemptAt: Date | null;
  createdAt: Date;
  deliveredAt: Date | null;
  attemptLog: DeliveryAttempt[];
}

interface DeliveryRow {
  id: bigint;
  message_id: string;
  event_type: string;
  batch_id: string;
  sequence: bigint;
  status: WebhookDelivery['status'];
  attempts: number;
  next_attempt_at: Date;
  created_at: Date;
  delivered_at: Date | null;
}

/**
 * One page of an endpoint's deliveries, oldest first (by id, after `afterId`), each with every
 * attempt made (time, HTTP status or network error, duration): two statements per page.
 */
export async function listDeliveries(db: Queryable, endpointId: bigint, paging: { limit: number; afterId: bigint }): Promise<WebhookDelivery[]> {
  const rows = await db.query<DeliveryRow>(
    `select id, message_id, event_type, batch_id, sequence, status, attempts, next_attempt_at, created_at, delivered_at
     from webhook_deliveries where endpoint_id = $1 and id > $2 order by id limit $3`,
    [endpointId, paging.afterId, paging.limit],
  );
  if (rows.rows.length === 0) return [];
  const attempts = await db.query<{ delivery_id: bigint; attempted_at: Date; duration_ms: number; http_status: number | null; error: string | null; manual: boolean }>(
    `select delivery_id, attempted_at, duration_ms, http_status, error, manual from webhook_attempts where delivery_id = any($1::int8[]) order by id`,
    [rows.rows.map((r) => r.id.toString())],
  );
  const byDelivery = new Map<bigint, DeliveryAttempt[]>();
  for (const a of attempts.rows) {
    const list = byDelivery.get(a.delivery_id) ?? [];
    list.push({ at: a.attempted_at, durationMs: a.duration_ms, httpStatus: a.http_status, error: a.error, manual: a.manual });
    byDelivery.set(a.delivery_id, list);
  }
  return rows.rows.map((r) => ({
    id: r.id,
    messageId: r.message_id,
    eventType: r.event_type,
    batchId: r.batch_id,
    sequence: r.sequence,
    status: r.status,
    attempts: r.attempts,
    nextAttemptAt: r.status === 'pending' ? r.next_attempt_at : null,
    createdAt: r.created_at,
    deliveredAt: r.delivered_at,
    attemptLog: byDelivery.get(r.id) ?? [],
  }));
}

/** One delivery of an endpoint, as listed. */
export async function getDelivery(db: Queryable, endpointId: bigint, deliveryId: bigint): Promise<WebhookDelivery | undefined> {
  const [found] = await listDeliveries(db, endpointId, { limit: 1, afterId: deliveryId - 1n });
  return found?.id === deliveryId ? found : undefined;
}

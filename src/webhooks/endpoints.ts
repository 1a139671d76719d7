import type { Queryable, Tx } from '../db/port.ts';
import { limits } from '../limits.ts';
import type { SecretBox } from '../merchants/secret-box.ts';
import type { ItemEventMode } from './event-types.ts';
import { newWebhookSecret } from './secrets.ts';

/** An endpoint as the operator sees it (never its secret, which is shown once). */
export interface WebhookEndpoint {
  id: bigint;
  merchantId: bigint;
  url: string;
  events: string[];
  itemEvents: ItemEventMode;
  status: 'active' | 'disabled';
  disabledReason: string | null;
  disabledAt: Date | null;
  consecutiveFailures: number;
  lastSuccessAt: Date | null;
  /** Set during a rotation: until then the previous secret signs too. */
  previousSecretUntil: Date | null;
  createdAt: Date;
}

interface EndpointRow {
  id: bigint;
  merchant_id: bigint;
  url: string;
  events: string[];
  item_events: ItemEventMode;
  status: 'active' | 'disabled';
  disabled_reason: string | null;
  disabled_at: Date | null;
  consecutive_failures: number;
  last_success_at: Date | null;
  previous_secret_until: Date | null;
  created_at: Date;
}

const columns = `id, merchant_id, url, events, item_events, status, disabled_reason, disabled_at, consecutive_failures, last_success_at,
  case when previous_secret_until > now() then previous_secret_until end as previous_secret_until, created_at`;

function endpointOf(row: EndpointRow): WebhookEndpoint {
  return {
    id: row.id,
    merchantId: row.merchant_id,
    url: row.url,
    events: row.events,
    itemEvents: row.item_events,
    status: row.status,
    disabledReason: row.disabled_reason,
    disabledAt: row.disabled_at,
    consecutiveFailures: row.consecutive_failures,
    lastSuccessAt: row.last_success_at,
    previousSecretUntil: row.previous_secret_until,
    createdAt: row.created_at,
  };
}

export type CreateOutcome = { ok: true; endpoint: WebhookEndpoint; secret: string } | { ok: false; code: 'MERCHANT_NOT_FOUND' | 'WEBHOOK_ENDPOINTS_LIMIT' };

/** Registers an endpoint (its URL checked by the caller) with a new secret, returned this once. */
export async function createEndpoint(tx: Tx, box: SecretBox, merchantId: bigint, url: string, events: readonly string[], itemEvents: ItemEventMode): Promise<CreateOutcome> {
  // The merchant's row, locked: two registrations at once cannot both pass the count below.
  const merchant = await tx.query('select 1 from merchants where id = $1 for update', [merchantId]);
  if (merchant.rowCount === 0) return { ok: false, code: 'MERCHANT_NOT_FOUND' };
  const count = await tx.query<{ n: number }>('select count(*)::int as n from webhook_endpoints where merchant_id = $1', [merchantId]);
  if (count.rows[0].n >= limits.webhookEndpointsPerMerchantMax) return { ok: false, code: 'WEBHOOK_ENDPOINTS_LIMIT' };
  const secret = newWebhookSecret();
  const created = await tx.query<EndpointRow>(
    `insert into webhook_endpoints (merchant_id, url, events, item_events, secret_sealed) values ($1, $2, $3::text[], $4, $5) returning ${columns}`,
    [merchantId, url, [...events], itemEvents, box.seal(secret)],
  );
  return { ok: true, endpoint: endpointOf(created.rows[0]), secret };
}

export async function listEndpoints(db: Queryable, merchantId: bigint): Promise<WebhookEndpoint[]> {
  const rows = await db.query<EndpointRow>(`select ${columns} from webhook_endpoints where merchant_id = $1 order by id`, [merchantId]);
  return rows.rows.map(endpointOf);
}

export async function getEndpoint(db: Queryable, merchantId: bigint, id: bigint): Promise<WebhookEndpoint | undefined> {
  const rows = await db.query<EndpointRow>(`select ${columns} from webhook_endpoints where merchant_id = $1 and id = $2`, [merchantId, id]);
  return rows.rows[0] ? endpointOf(rows.rows[0]) : undefined;
}

/** Disables an endpoint (its pending deliveries wait, unsent), recording why. Idempotent. */
export async function disableEndpoint(db: Queryable, merchantId: bigint, id: bigint, reason: string): Promise<WebhookEndpoint | undefined> {
  const rows = await db.query<EndpointRow>(
    `update webhook_endpoints set status = 'disabled', disabled_reason = coalesce(disabled_reason, $3), disabled_at = coalesce(disabled_at, now())
     where merchant_id = $1 and id = $2 returning ${columns}`,
    [merchantId, id, reason],
  );
  return rows.rows[0] ? endpointOf(rows.rows[0]) : undefined;
}

/** Enables an endpoint again, its failure count reset; its pending deliveries go out. Idempotent. */
export async function enableEndpoint(db: Queryable, merchantId: bigint, id: bigint): Promise<WebhookEndpoint | undefined> {
  const rows = await db.query<EndpointRow>(
    `update webhook_endpoints set status = 'active', disabled_reason = null, disabled_at = null, consecutive_failures = 0, failing_since = null
     where merchant_id = $1 and id = $2 returning ${columns}`,
    [merchantId, id],
  );
  return rows.rows[0] ? endpointOf(rows.rows[0]) : undefined;
}

/** Deletes an endpoint with its deliveries and their attempts. */
export async function deleteEndpoint(db: Queryable, merchantId: bigint, id: bigint): Promise<boolean> {
  const deleted = await db.query('delete from webhook_endpoints where merchant_id = $1 and id = $2', [merchantId, id]);
  return deleted.rowCount === 1;
}

/**
 * A new secret, returned this once; the current one becomes the previous and keeps signing for
 * limits.webhookRotationOverlapMs. A second rotation within that time drops the oldest secret.
 */
export async function rotateSecret(db: Queryable, box: SecretBox, merchantId: bigint, id: bigint): Promise<{ endpoint: WebhookEndpoint; secret: string } | undefined> {
  const secret = newWebhookSecret();
  const rows = await db.query<EndpointRow>(
    `update webhook_endpoints set previous_secret_sealed = secret_sealed, secret_sealed = $3,
       previous_secret_until = now() + $4 * interval '1 millisecond'
     where merchant_id = $1 and id = $2 returning ${columns}`,
    [merchantId, id, box.seal(secret), limits.webhookRotationOverlapMs],
  );
  return rows.rows[0] ? { endpoint: endpointOf(rows.rows[0]), secret } : undefined;
}

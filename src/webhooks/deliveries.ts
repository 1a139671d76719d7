import type { Db, Queryable } from '../db/port.ts';
import { limits } from '../limits.ts';
import type { SecretBox } from '../merchants/secret-box.ts';
import { outcomeOf, type AttemptOutcome } from './outcome.ts';
import { bodyWithSequenceSql } from './payloads.ts';
import type { AttemptResult } from './send.ts';

/** A delivery claimed for one attempt: what to send, where, and the secrets that sign it. */
export interface ClaimedDelivery {
  id: bigint;
  messageId: string;
  endpointId: bigint;
  merchantId: bigint;
  url: string;
  payload: string;
  eventType: string;
  /** Scheduled attempts made before this one. */
  attempts: number;
  /** The current secret first; the previous one too during a rotation. */
  secrets: string[];
}

interface ClaimedRow {
  id: bigint;
  message_id: string;
  endpoint_id: bigint;
  merchant_id: bigint;
  url: string;
  payload: string;
  event_type: string;
  attempts: number;
  secret_sealed: string;
  previous_secret_sealed: string | null;
}

/** A delivery is due: pending, its time come, and nobody's (a lapsed lease is nobody's). */
const due = `d.status = 'pending' and d.next_attempt_at <= now() and (d.leased_until is null or d.leased_until < now())`;

/**
 * Claims due deliveries, at most `slots`, in one short transaction committed before any is sent.
 * The endpoints with something due are locked FOR NO KEY UPDATE SKIP LOCKED (another process
 * claiming for an endpoint skips it rather than waiting), so per endpoint one claimer at a time
 * counts what is in flight and claims only up to limits.webhookAttemptsInFlightPerEndpointMax: the
 * bound holds across processes. Not FOR UPDATE: every transaction that writes a delivery holds its
 * endpoint's row FOR KEY SHARE (the foreign key) until it commits, and settlements, which write
 * theirs early, overlap, so the endpoint would nearly always be skipped and its deliveries wait.
 * Each delivery is leased for limits.webhookLeaseMs: a process that dies mid-attempt leaves it to be
 * claimed again when the lease lapses (at least once; the receiver drops the repeat by webhook-id).
 */
export async function claimDeliveries(db: Db, box: SecretBox, claimer: string, slots: number, beforeCommit?: () => void): Promise<ClaimedDelivery[]> {
  if (slots <= 0) return [];
  const rows = await db.transaction(async (tx) => {
    const endpoints = await tx.query<{ id: bigint; in_flight: number }>(
      `select e.id, (select count(*)::int from webhook_deliveries d
                      where d.endpoint_id = e.id and d.status = 'pending' and d.leased_until >= now()) as in_flight
       from webhook_endpoints e
       where e.status = 'active' and exists (select 1 from webhook_deliveries d where d.endpoint_id = e.id and ${due})
       order by e.id limit $1
       for no key update of e skip locked`,
      [slots],
    );
    const open = endpoints.rows.map((e) => ({ id: e.id, room: limits.webhookAttemptsInFlightPerEndpointMax - e.in_flight })).filter((e) => e.room > 0);
    if (open.length === 0) return [];
    const claimed = await tx.query<ClaimedRow>(
      `with picked as (
         select c.id from unnest($1::int8[], $2::int4[]) as s(endpoint_id, room)
         cross join lateral (select d.id from webhook_deliveries d where d.endpoint_id = s.endpoint_id and ${due}
                             order by d.next_attempt_at, d.id limit s.room) c
         limit $3
       )
       update webhook_deliveries d set leased_by = $4, leased_until = now() + $5 * interval '1 millisecond'
       from picked, webhook_endpoints e
       where d.id = picked.id and e.id = d.endpoint_id
       returning d.id, d.message_id, d.endpoint_id, e.merchant_id, e.url, ${bodyWithSequenceSql('d')} as payload, d.event_type, d.attempts, e.secret_sealed,
         case when e.previous_secret_until > now() then e.previous_secret_sealed end as previous_secret_sealed`,
      [open.map((e) => e.id.toString()), open.map((e) => e.room), slots, claimer, limits.webhookLeaseMs],
    );
    if (claimed.rowCount > 0) beforeCommit?.();
    return claimed.rows;
  });
  return rows.map((row) => claimedOf(row, box));
}

function claimedOf(row: ClaimedRow, box: SecretBox): ClaimedDelivery {
  return {
    id: row.id,
    messageId: row.message_id,
    endpointId: row.endpoint_id,
    merchantId: row.merchant_id,
    url: row.url,
    payload: row.payload,
    eventType: row.event_type,
    attempts: row.attempts,
    secrets: [box.open(row.secret_sealed), ...(row.previous_secret_sealed ? [box.open(row.previous_secret_sealed)] : [])],
  };
}

/**
 * An operator's re-send (POST …/retry): the one delivery, claimed now whatever its status or
 * schedule, unless an attempt of it is in flight. The endpoint may be disabled (re-sending is how an
 * operator checks a fixed receiver). Undefined when it does not exist; 'in-flight' when leased.
 */
export async function claimForRetry(db: Db, box: SecretBox, merchantId: bigint, endpointId: bigint, deliveryId: bigint, claimer: string): Promise<ClaimedDelivery | 'in-flight' | undefined> {
  const rows = await db.transaction(async (tx) => {
    const found = await tx.query<{ leased: boolean }>(
      `select d.leased_until >= now() as leased from webhook_deliveries d join webhook_endpoints e on e.id = d.endpoint_id
       where d.id = $1 and d.endpoint_id = $2 and e.merchant_id = $3 for update of d`,
      [deliveryId, endpointId, merchantId],
    );
    if (found.rowCount === 0) return undefined;
    if (found.rows[0].leased) return 'in-flight' as const;
    const claimed = await tx.query<ClaimedRow>(
      `update webhook_deliveries d set leased_by = $2, leased_until = now() + $3 * interval '1 millisecond'
       from webhook_endpoints e where d.id = $1 and e.id = d.endpoint_id
       returning d.id, d.message_id, d.endpoint_id, e.merchant_id, e.url, ${bodyWithSequenceSql('d')} as payload, d.event_type, d.attempts, e.secret_sealed,
         case when e.previous_secret_until > now() then e.previous_secret_sealed end as previous_secret_sealed`,
      [deliveryId, claimer, limits.webhookLeaseMs],
    );
    return claimed.rows;
  });
  if (rows === undefined || rows === 'in-flight') return rows;
  return claimedOf(rows[0], box);
}

export interface RecordedAttempt {
  outcome: AttemptOutcome;
  /** Set when this attempt disabled the endpoint (410, or the failure streak): what to alert about. */
  disabled?: string;
}

/**
 * Records one attempt, a success in one statement (recordSuccess), anything else in one short
 * transaction: the attempt row (always: it happened), and, while the claim is still ours, the
 * delivery's new state and the endpoint's streak. A manual attempt does not move the schedule or
 * the streak; it can only succeed the delivery (or, with a 410, disable the endpoint). An endpoint
 * failing limits.webhookFailuresToDisable attempts in a row over at least
 * limits.webhookFailingDisableAfterMs is disabled.
 */
export async function recordAttempt(db: Db, delivery: ClaimedDelivery, claimer: string, at: Date, result: AttemptResult, scheduleMs: readonly number[], manual: boolean): Promise<RecordedAttempt> {
  const outcome = outcomeOf(result, delivery.attempts, scheduleMs);
  const attempt = [delivery.id, at.toISOString(), result.durationMs, result.httpStatus, result.error, result.responseHead, manual];
  if (outcome.kind === 'succeeded') {
    await recordSuccess(db, claimer, attempt, manual);
    return { outcome };
  }
  return db.transaction(async (tx) => {
    await tx.query(`insert into webhook_attempts (delivery_id, attempted_at, duration_ms, http_status, error, response_head, manual) values ($1, $2, $3, $4, $5, $6, $7)`, attempt);
    const ours = await tx.query(`select 1 from webhook_deliveries where id = $1 and leased_by = $2 for update`, [delivery.id, claimer]);
    if (ours.rowCount === 0) return { outcome };
    if (manual && outcome.kind !== 'gone') {
      await tx.query(`update webhook_deliveries set leased_by = null, leased_until = null where id = $1`, [delivery.id]);
      return { outcome };
    }
    await tx.query(
      `update webhook_deliveries set attempts = attempts + $2, leased_by = null, leased_until = null,
         status = case when $3::text = 'retry' then status else 'failed' end,
         next_attempt_at = case when $3::text = 'retry' then now() + $4 * interval '1 millisecond' else next_attempt_at end
       where id = $1`,
      [delivery.id, manual ? 0 : 1, outcome.kind, outcome.kind === 'retry' ? outcome.delayMs : 0],
    );
    if (outcome.kind === 'gone') return { outcome, disabled: await disableFor(tx, delivery.endpointId, 'the receiver answered 410 Gone') };
    return { outcome, disabled: await countFailure(tx, delivery.endpointId) };
  });
}

/**
 * A success, the common case, in one statement (atomic on its own): the attempt row, the delivery
 * succeeded while the claim is still ours, and the endpoint's streak ended. The endpoint's row is
 * written only when that changes something (a streak to end, or a last success older than
 * limits.webhookLastSuccessRefreshMs): every delivery of a busy endpoint rewriting it cost a row
 * version each, and made the claimers, who lock that row, wait.
 */
async function recordSuccess(db: Db, claimer: string, attempt: readonly unknown[], manual: boolean): Promise<void> {
  await db.query(
    `with attempt as (
       insert into webhook_attempts (delivery_id, attempted_at, duration_ms, http_status, error, response_head, manual) values ($1, $2, $3, $4, $5, $6, $7)
     ), succeeded as (
       update webhook_deliveries set status = 'succeeded', delivered_at = coalesce(delivered_at, now()), attempts = attempts + $9, leased_by = null, leased_until = null
       where id = $1 and leased_by = $8 returning endpoint_id
     )
     update webhook_endpoints e set consecutive_failures = 0, failing_since = null, last_success_at = now()
     from succeeded s
     where e.id = s.endpoint_id
       and (e.consecutive_failures > 0 or e.failing_since is not null or e.last_success_at is null or e.last_success_at < now() - $10 * interval '1 millisecond')`,
    [...attempt, claimer, manual ? 0 : 1, limits.webhookLastSuccessRefreshMs],
  );
}

async function disableFor(tx: Queryable, endpointId: bigint, reason: string): Promise<string | undefined> {
  const disabled = await tx.query(
    `update webhook_endpoints set status = 'disabled', disabled_reason = $2, disabled_at = now() where id = $1 and status = 'active'`,
    [endpointId, reason],
  );
  return disabled.rowCount === 1 ? reason : undefined;
}

async function countFailure(tx: Queryable, endpointId: bigint): Promise<string | undefined> {
  const streak = await tx.query<{ consecutive_failures: number; long_enough: boolean }>(
    `update webhook_endpoints set consecutive_failures = consecutive_failures + 1, failing_since = coalesce(failing_since, now())
     where id = $1 returning consecutive_failures, failing_since <= now() - $2 * interval '1 millisecond' as long_enough`,
    [endpointId, limits.webhookFailingDisableAfterMs],
  );
  const row = streak.rows[0];
  if (!row || row.consecutive_failures < limits.webhookFailuresToDisable || !row.long_enough) return undefined;
  return disableFor(tx, endpointId, `${row.consecutive_failures} failed attempts in a row and none successful for ${limits.webhookFailingDisableAfterMs / 3_600_000} h`);
}

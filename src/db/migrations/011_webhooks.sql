-- Outcome webhooks: a merchant's endpoints, the deliveries written by the transaction of the change
-- they announce, and every attempt to deliver them. Frozen: later changes go in new numbered files.

create table webhook_endpoints (
  id                     bigint generated always as identity primary key,
  merchant_id            bigint not null references merchants(id),
  url                    text not null check (length(url) between 8 and 2048),
  -- The event types it is sent; items.settled groups the item types it lists.
  events                 text[] not null check (cardinality(events) > 0),
  -- 'grouped': one mass_payout.items.settled per settlement (up to 1,000 items); 'each': one event per item.
  item_events            text not null default 'grouped' check (item_events in ('grouped', 'each')),
  -- whsec_… sealed under the master key, like merchants' secret keys.
  secret_sealed          text not null,
  -- After a rotation the previous secret signs too, until previous_secret_until.
  previous_secret_sealed text,
  previous_secret_until  timestamptz,
  status                 text not null default 'active' check (status in ('active', 'disabled')),
  disabled_reason        text,
  disabled_at            timestamptz,
  -- Failed attempts in a row, and since when: 100 of them over 24 h disable the endpoint.
  consecutive_failures   integer not null default 0 check (consecutive_failures >= 0),
  failing_since          timestamptz,
  last_success_at        timestamptz,
  created_at             timestamptz not null default now()
);
create index webhook_endpoints_merchant on webhook_endpoints (merchant_id) where status = 'active';

-- The last sequence number given to an event of the batch: a consumer drops an event older than one it has.
create table webhook_sequences (
  batch_id      uuid primary key references batches(id),
  last_sequence bigint not null check (last_sequence > 0)
);

create table webhook_deliveries (
  id              bigint generated always as identity primary key,
  -- The webhook-id header: the same on every attempt, so a receiver can drop a repeat.
  message_id      text not null unique,
  endpoint_id     bigint not null references webhook_endpoints(id) on delete cascade,
  batch_id        uuid not null,
  event_type      text not null,
  sequence        bigint not null,
  -- The exact body sent (signed as it is).
  payload         text not null,
  status          text not null default 'pending' check (status in ('pending', 'succeeded', 'failed')),
  attempts        integer not null default 0 check (attempts >= 0),
  next_attempt_at timestamptz not null default now(),
  -- A claim: the process sending it now; an expired lease is claimed again (at least once).
  leased_by       text,
  leased_until    timestamptz,
  created_at      timestamptz not null default now(),
  delivered_at    timestamptz
);
create index webhook_deliveries_due on webhook_deliveries (endpoint_id, next_attempt_at) where status = 'pending';
create index webhook_deliveries_by_endpoint on webhook_deliveries (endpoint_id, id);

create table webhook_attempts (
  id            bigint generated always as identity primary key,
  delivery_id   bigint not null references webhook_deliveries(id) on delete cascade,
  attempted_at  timestamptz not null,
  duration_ms   integer not null check (duration_ms >= 0),
  -- The HTTP status, or null with the network error (timeout, refused, address not allowed).
  http_status   integer,
  error         text,
  -- The start of the response body, at most limits.webhookResponseBytesMax.
  response_head text,
  -- An operator's re-send (POST …/retry): outside the schedule, not counted towards disabling.
  manual        boolean not null default false
);
create index webhook_attempts_delivery on webhook_attempts (delivery_id, id);

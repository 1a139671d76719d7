-- masspayout schema, version 1. Frozen: later changes go in new numbered files.
-- Money is integer minor units (bigint). Every status list here matches src/payouts/statuses.ts.

create table merchants (
  id                     bigint generated always as identity primary key,
  name                   text not null check (length(name) between 1 and 128),
  api_key                text not null unique,
  -- AES-256-GCM ciphertext of the secret key under the master key: signatures can be verified,
  -- a database dump alone does not reveal the secret.
  secret_key_sealed      text not null,
  commission_fixed_minor bigint not null default 0 check (commission_fixed_minor >= 0),
  -- rate × 10^8, so 0.01 (1 %) is 1000000; bigint arithmetic, no floats.
  commission_rate_e8     bigint not null default 0 check (commission_rate_e8 between 0 and 100000000),
  created_at             timestamptz not null default now()
);

create table members (
  member_id       text primary key check (member_id ~ '^[0-9]{1,32}$'),
  phone           text unique,
  identity_number text unique,
  name            text not null,
  created_at      timestamptz not null default now()
);

-- Signed requests already accepted: a second request with the same (merchant, randomKey) is a replay.
create table seen_random_keys (
  merchant_id bigint not null references merchants(id),
  random_key  text not null,
  seen_at     timestamptz not null default now(),
  primary key (merchant_id, random_key)
);
create index seen_random_keys_seen_at on seen_random_keys (seen_at);

create table batches (
  id                      uuid primary key,
  merchant_id             bigint not null references merchants(id),
  external_id             text not null,
  -- sha256 of the normalised request; the same externalId with another fingerprint is a conflict.
  fingerprint             text not null,
  conversation_id         text,
  purpose                 text,
  currency                text not null check (currency in ('TRY', 'USD', 'EUR')),
  status                  text not null check (status in
                            ('INIT', 'IN_PROGRESS', 'PUBLISHED_TO_QUEUE', 'COMPLETED', 'FAIL',
                             'INSUFFICIENT_BALANCE', 'CANCELED')),
  item_count              integer not null check (item_count > 0),
  valid_count             integer not null check (valid_count >= 0 and valid_count <= item_count),
  total_amount            bigint not null check (total_amount >= 0),
  total_commission_planned bigint not null check (total_commission_planned >= 0),
  total_successful_amount bigint not null default 0 check (total_successful_amount >= 0),
  total_commission_amount bigint not null default 0 check (total_commission_amount >= 0),
  -- items not yet in a final state; the batch is final when this reaches 0.
  open_count              integer not null check (open_count >= 0),
  received_at             timestamptz not null default now(),
  authorized_at           timestamptz,
  completed_at            timestamptz,
  canceled_at             timestamptz,
  unique (merchant_id, external_id)
);

create table items (
  id                bigint generated always as identity primary key,
  batch_id          uuid not null references batches(id),
  seq               integer not null,            -- submission order within the batch, from 0
  reference_code    uuid not null unique,        -- public id; the rails' idempotency key
  item_external_id  text not null,
  recipient_type    text not null,
  recipient_info    text not null,
  recipient_name    text,
  description       text,
  amount            bigint not null,             -- may be 0 or less only on INVALID items
  commission        bigint not null default 0 check (commission >= 0),
  currency          text not null,
  status            text not null check (status in
                      ('INVALID', 'INIT', 'MASS_PAYOUT_CANCELED', 'PROCESSING', 'QUEUED',
                       'SUCCESS', 'FAILED', 'DEPOSIT_SUCCESS', 'DEPOSIT_FAIL')),
  error_codes       text[] not null default '{}',
  -- queue columns: a worker's claim is a lease; a separate reaper clears expired ones.
  claimed_by        text,
  claimed_until     timestamptz,
  attempts          integer not null default 0,
  next_attempt_at   timestamptz,
  updated_at        timestamptz not null default now(),
  unique (batch_id, seq),
  check (status = 'INVALID' or amount > 0)
);
-- The embedded queue: unclaimed PROCESSING items. Kept free of lease expiry, so the index stays valid as time passes.
create index items_claimable on items (id) where status = 'PROCESSING' and claimed_until is null;
create index items_leased on items (claimed_until) where claimed_until is not null;

-- Double-entry ledger. Balance of an account = Σ credits − Σ debits; Σ of all balances per currency is 0.
create table accounts (
  id          bigint generated always as identity primary key,
  kind        text not null check (kind in
                ('deposits', 'available', 'reserved', 'bank_settlement', 'wallet', 'commission_revenue')),
  merchant_id bigint references merchants(id),
  member_id   text references members(member_id),
  currency    text not null check (currency in ('TRY', 'USD', 'EUR')),
  balance     bigint not null default 0,
  -- only the source of external money may go negative
  check (kind = 'deposits' or balance >= 0),
  check ((kind in ('available', 'reserved')) = (merchant_id is not null)),
  check ((kind = 'wallet') = (member_id is not null))
);
create unique index accounts_identity on accounts (kind, coalesce(merchant_id, 0), coalesce(member_id, ''), currency);

create table ledger_transfers (
  id                bigint generated always as identity primary key,
  kind              text not null check (kind in ('deposit', 'reserve', 'payout', 'commission', 'release')),
  debit_account_id  bigint not null references accounts(id),
  credit_account_id bigint not null references accounts(id),
  amount            bigint not null check (amount > 0),
  currency          text not null,
  batch_id          uuid references batches(id),
  item_id           bigint references items(id),
  created_at        timestamptz not null default now(),
  check (debit_account_id <> credit_account_id)
);
-- Exactly once in the ledger itself: one reserve per batch, one payout/commission/release per item.
create unique index ledger_once_per_batch on ledger_transfers (batch_id) where kind = 'reserve';
create unique index ledger_once_per_item on ledger_transfers (item_id, kind) where item_id is not null;

-- Append-only audit trail, hash-chained per chain (a merchant's id, or 0 for platform events).
create table audit_heads (
  chain_id  bigint primary key,
  last_seq  bigint not null,
  last_hash text not null
);
create table audit_events (
  id         bigint generated always as identity primary key,
  chain_id   bigint not null,
  seq        bigint not null,
  at         timestamptz not null,
  actor      text not null,
  action     text not null,
  entity     text not null,
  request_id uuid,
  before     jsonb,
  after      jsonb,
  prev_hash  text not null,
  hash       text not null,
  unique (chain_id, seq)
);
create index audit_events_request on audit_events (request_id, id) where request_id is not null;

-- The console: merchant users (maker, checker, viewer), their sign-in sessions, and four-eyes
-- approval of batches. Frozen: later changes go in new numbered files.

-- Batches above this total (minor units) need a checker's approval; null: every console batch does.
alter table merchants add column approval_threshold_minor bigint check (approval_threshold_minor >= 0);
-- When true, a batch initiated through the API also waits for a checker: auth answers 7201 until then.
alter table merchants add column api_batches_need_approval boolean not null default false;

create table console_users (
  id                 bigint generated always as identity primary key,
  merchant_id        bigint not null references merchants(id),
  email              text not null unique check (length(email) between 3 and 254 and email = lower(email)),
  role               text not null check (role in ('maker', 'checker', 'viewer')),
  -- scrypt$N$r$p$salt$key (base64url): memory-hard, so a stolen table is slow to guess.
  password_hash      text not null,
  -- The TOTP secret sealed under the master key, like merchants' secret keys.
  totp_secret_sealed text not null,
  -- The last TOTP time step accepted: a code is good once.
  totp_last_step     bigint not null default 0,
  failed_sign_ins    integer not null default 0 check (failed_sign_ins >= 0),
  locked_until       timestamptz,
  created_at         timestamptz not null default now()
);
create index console_users_merchant on console_users (merchant_id);

create table console_sessions (
  -- sha256 of the cookie's token: a database dump holds no usable session.
  token_hash  text primary key,
  -- null: the operator (signed in with the admin token).
  user_id     bigint references console_users(id),
  csrf_token  text not null,
  created_at  timestamptz not null default now(),
  expires_at  timestamptz not null
);
create index console_sessions_expires on console_sessions (expires_at);

-- A batch waiting for (or given) a checker's decision.
create table batch_approvals (
  batch_id     uuid primary key references batches(id),
  -- The maker who submitted it from the console; null when it came through the API.
  submitted_by bigint references console_users(id),
  submitted_at timestamptz not null default now(),
  decision     text check (decision in ('APPROVED', 'REJECTED')),
  decided_by   bigint references console_users(id),
  decided_at   timestamptz,
  check ((decision is null) = (decided_by is null) and (decision is null) = (decided_at is null)),
  check (decided_by is null or decided_by is distinct from submitted_by)
);
create index batch_approvals_pending on batch_approvals (submitted_at) where decision is null;

-- A maker's uploaded CSV between review and submit: the file is read again on submit, so what is
-- submitted is exactly what was reviewed.
create table console_drafts (
  id          uuid primary key,
  user_id     bigint not null references console_users(id),
  external_id text not null check (length(external_id) between 1 and 64),
  csv         bytea not null,
  created_at  timestamptz not null default now()
);

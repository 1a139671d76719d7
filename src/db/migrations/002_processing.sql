-- masspayout schema, version 2: processing after auth. Frozen once committed.

-- Items handed to a rail whose outcome is still unknown (an ambiguous answer, or a worker that died
-- between the hand-over and the settlement), due for a status check. Like items_claimable, it holds
-- no lease expiry: the reaper clears expired leases, so a due item is simply unclaimed and past due.
create index items_due_check on items (next_attempt_at) where status = 'QUEUED' and claimed_until is null;

-- The sandbox bank: an external system, modelled in the same database so that tests and operators can
-- see what it did. Its primary key is the payout's idempotency key (the item's reference code): a
-- second transfer under one key cannot exist, which is what "paid at most once" means at the bank.
create table sandbox_bank_transfers (
  idempotency_key text primary key,
  -- paging order for the operator endpoint (the key is random)
  seq             bigint generated always as identity unique,
  iban            text not null,
  amount          bigint not null check (amount > 0),
  currency        text not null check (currency in ('TRY', 'USD', 'EUR')),
  status          text not null check (status in ('PAID', 'REJECTED')),
  -- catalogue name of the rejection reason, e.g. RECIPIENT_ACCOUNT_CLOSED
  reason          text,
  at              timestamptz not null default now(),
  -- until then a status query answers "pending": a transfer whose first answer was lost settles later
  settles_at      timestamptz not null default now(),
  check ((status = 'REJECTED') = (reason is not null))
);

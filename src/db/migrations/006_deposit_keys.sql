-- masspayout schema, version 6: idempotency keys for deposits. Frozen once committed.
--
-- A deposit sent with an Idempotency-Key is made once per (merchant, key): a retry with the same
-- amount and currency changes nothing; the same key with another amount or currency is refused.
create table deposit_keys (
  merchant_id     bigint not null references merchants(id),
  idempotency_key text not null check (length(idempotency_key) between 1 and 128),
  amount          bigint not null check (amount > 0),
  currency        text not null check (currency in ('TRY', 'USD', 'EUR')),
  created_at      timestamptz not null default now(),
  primary key (merchant_id, idempotency_key)
);

-- masspayout schema, version 3: the transactional outbox of the RabbitMQ transport. Frozen once committed.

-- One row per chunk of an authorised batch (about 1,000 valid items, by seq), written in auth's
-- transaction, so a committed auth always has its messages to send and a rolled-back one has none.
-- A relay publishes the rows to the broker with publisher confirms and only then stamps
-- published_at; a relay that dies in between leaves its lease to expire, and the row is published
-- again (a duplicate message is harmless: the items are the truth, a second claim finds nothing).
create table outbox (
  id           bigint generated always as identity primary key,
  batch_id     uuid not null references batches(id),
  seq_from     integer not null,
  seq_to       integer not null,
  created_at   timestamptz not null default now(),
  -- a relay's claim on the row while it waits for the broker's confirm
  relay_until  timestamptz,
  published_at timestamptz,
  check (seq_from >= 0 and seq_from <= seq_to),
  unique (batch_id, seq_from)
);
-- What the relays look for; empty in the steady state, so the lease test in their WHERE costs nothing.
create index outbox_unpublished on outbox (id) where published_at is null;

-- Batches whose outbox rows may all be published but which are not PUBLISHED_TO_QUEUE yet (a relay
-- died between the two steps): the relay's sweep finds them here without scanning every batch.
create index batches_in_progress on batches (id) where status = 'IN_PROGRESS';

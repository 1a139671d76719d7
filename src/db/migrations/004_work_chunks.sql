-- masspayout schema, version 4: the queue's bookkeeping moves from the items to one row per chunk.
-- Frozen once committed.
--
-- Why: an UPDATE can be a HOT update (no new index entries, the new row version on the same page)
-- only when no index names a column it changes, predicates of partial indexes included. The queue's
-- partial indexes named items.status and the lease columns, so each of an item's status changes
-- (auth, hand-over, settlement) and every claim wrote new entries into every index of items: auth
-- of 100,000 items took 2.6–3.0 s that way, 0.46 s without. Now no index of items names a column
-- that processing changes, and a chunk of ~1,000 items is claimed, leased and reaped as one row.

drop index items_claimable;
drop index items_leased;
drop index items_due_check;
alter table items drop column claimed_by;
alter table items drop column claimed_until;
-- Room on every page for the next version of each row, so that its updates can stay on the page.
alter table items set (fillfactor = 50);

-- A batch's valid items are cut into chunks by seq at auth, in auth's transaction: one row each.
-- The row is the unit of work of the embedded queue and what a RabbitMQ message names. The items
-- stay the truth: a chunk's work is whatever of its range is PROCESSING (never sent) or QUEUED and
-- due for a status check, so processing a chunk twice is harmless.
create table work_chunks (
  id            bigint generated always as identity primary key,
  batch_id      uuid not null references batches(id),
  seq_from      integer not null,
  seq_to        integer not null,
  -- When a worker should look at it next: at once after auth on the table queue; after the sweep
  -- delay on RabbitMQ (the message comes first); the earliest status check it still waits for.
  due_at        timestamptz not null,
  -- A worker's lease on the chunk; the reaper clears expired ones and makes the chunk due at once.
  claimed_by    text,
  claimed_until timestamptz,
  -- Set by the first hand-over: only chunks with this set can hold QUEUED items (retrieve counts them).
  handed_over_at timestamptz,
  -- Set once none of its items is PROCESSING or QUEUED: nothing left to do, ever.
  done_at       timestamptz,
  check (seq_from >= 0 and seq_from <= seq_to),
  check ((claimed_by is null) = (claimed_until is null)),
  unique (batch_id, seq_from)
);
-- What claims look for; like the old items_claimable, free of lease expiry (the reaper's job).
create index work_chunks_due on work_chunks (due_at, id) where done_at is null and claimed_until is null;
create index work_chunks_leased on work_chunks (claimed_until) where claimed_until is not null;

-- Batches already authorised when this version arrives get their chunks now, due at once (and
-- counted as handed over: some of their items may be QUEUED).
insert into work_chunks (batch_id, seq_from, seq_to, due_at, handed_over_at)
select b.id, s, least(s + 999, b.item_count - 1), now(), now()
from batches b, generate_series(0, b.item_count - 1, 1000) as s
where b.status in ('IN_PROGRESS', 'PUBLISHED_TO_QUEUE');

-- Pages of a batch's VALID or INVALID items found by index instead of skipped to with OFFSET.
-- Why: no index of items may name the status (every settlement update of an item would lose its
-- HOT path), so a kind's page k walked k × size items first: ~100 ms deep into 100,000 items, about
-- a second at 1,000,000. An item is INVALID from init on and never becomes or stops being so: each
-- batch's invalid items are listed here once, at init, in seq order.
--   rank          0, 1, 2 … among the batch's invalid items: INVALID page k is ranks k × size onwards.
--   valid_before  the valid items before this one (seq - rank): the n-th valid item (0-based) has
--                 seq n + (the invalid items with valid_before <= n), so a VALID page starts there.
-- Frozen: later changes go in new numbered files.
create table batch_invalid_items (
  batch_id uuid not null,
  rank int not null,
  seq int not null,
  valid_before int not null,
  primary key (batch_id, rank),
  check (rank >= 0 and valid_before >= 0 and seq = rank + valid_before)
);
create index batch_invalid_items_valid_before on batch_invalid_items (batch_id, valid_before, rank);

-- The batches stored before this version: the same rows their init would have written.
insert into batch_invalid_items (batch_id, rank, seq, valid_before)
select batch_id, rank, seq, seq - rank
from (select batch_id, seq, (row_number() over (partition by batch_id order by seq) - 1)::int as rank from items where status = 'INVALID') i;

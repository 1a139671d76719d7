-- Set-level audit events (action 'items.status'): one event names the items of one batch that made
-- one change together, by their seqs (after.items: from, to, count, seqs), instead of one event per
-- item. An item's history finds the events whose window starts at most the widest span before its
-- seq, through this index; the older one-event-per-item rows keep their own entity and stay as they
-- are (their hashes are unchanged). Frozen: later changes go in new numbered files.
create index audit_events_item_sets on audit_events (request_id, (((after -> 'items') ->> 'from')::int4))
  where action = 'items.status';

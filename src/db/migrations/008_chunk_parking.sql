-- masspayout schema, version 8: a work chunk counts its failures and is parked after too many, with
-- its last error, instead of being retried for ever. Frozen once committed.
--
-- Parking touches the chunk row alone: its items keep their state and their money (a PROCESSING
-- item was never sent; a QUEUED one is asked about again once an operator retries the chunk).
alter table work_chunks add column failures integer not null default 0 check (failures >= 0);
alter table work_chunks add column last_error text;
alter table work_chunks add column parked_at timestamptz;
alter table work_chunks add constraint work_chunks_parked_not_leased check (parked_at is null or claimed_by is null);

-- What claims look for: parked chunks leave the index, so a claim never sees them.
drop index work_chunks_due;
create index work_chunks_due on work_chunks (due_at, id) where done_at is null and claimed_until is null and parked_at is null;
-- What operators list.
create index work_chunks_parked on work_chunks (id) where parked_at is not null;

-- A status report's UPDATE of its transactions (status, iso_status, reason_code, updated_at) can be
-- HOT: the partial index of the transactions not yet in a file names file_id instead of status
-- (the same rows: a CHECK ties status 'NEW' to a null file_id), and the pages keep room for the
-- new versions. Why: with status in that index's predicate every report rewrote an entry in each
-- index for every transaction it named; the cut, which sets file_id, stays a non-HOT update.
-- Frozen: later changes go in new numbered files.
drop index bank_file_transactions_unfiled;
create index bank_file_transactions_unfiled on bank_file_transactions (created_at) where file_id is null;
alter table bank_file_transactions set (fillfactor = 50);

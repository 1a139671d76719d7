-- Room on every items page for three more versions of each row, not one. An item is updated about
-- three times on its way to final (hand-over, send, settlement), often by overlapping settlements
-- whose snapshots keep the earlier versions alive, so the page cannot be pruned in between: with
-- fillfactor 50 the third version found no room and left the page (a non-HOT update, a new entry in
-- every index of the table). Counted from pg_stat_user_tables on PostgreSQL 15, 100,000 items
-- settled: HOT 81-85 % with one worker process and 69 % with two at fillfactor 50, 100 % at 30.
-- The cost is ~1.7x the heap pages for the items. Pages already written keep their layout.
-- Frozen: later changes go in new numbered files.
alter table items set (fillfactor = 30);

-- masspayout schema, version 5: the ledger's references to batches and items are checked by the code
-- that posts, not by foreign keys. Frozen once committed.
--
-- Why: every per-item transfer (two per paid item) made PostgreSQL look up and key-share-lock its
-- item and its batch row; measured, those checks were more than half of a settlement's posting
-- time. Every posting names an item it has just moved under a guarded UPDATE in the same
-- transaction (or the batch it holds locked), so the reference cannot dangle, and items and batches
-- are never deleted. The accounts' foreign keys stay: money never moves to an account that is not there.
alter table ledger_transfers drop constraint ledger_transfers_item_id_fkey;
alter table ledger_transfers drop constraint ledger_transfers_batch_id_fkey;

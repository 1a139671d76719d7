-- masspayout schema, version 5: the ledger's references are checked by the code that posts, not by
-- foreign keys. Frozen once committed.
--
-- Why: a foreign key is a trigger that looks up (and key-share-locks) the referenced row for every
-- inserted transfer: four lookups per transfer, two transfers per paid item; measured, the item and
-- batch checks alone were more than half of a settlement's posting time. What the keys guaranteed
-- still holds, by construction and by assertion:
--  - accounts: every posting locks the accounts it touches first (ledger/transfers.ts lockAccounts)
--    and fails unless every one of them exists; accounts are never deleted;
--  - items and batches: a transfer names an item its transaction has just moved under a guarded
--    UPDATE, or a batch it holds locked; items and batches are never deleted.
alter table ledger_transfers drop constraint ledger_transfers_item_id_fkey;
alter table ledger_transfers drop constraint ledger_transfers_batch_id_fkey;
alter table ledger_transfers drop constraint ledger_transfers_debit_account_id_fkey;
alter table ledger_transfers drop constraint ledger_transfers_credit_account_id_fkey;

-- masspayout schema, version 5: the references of the two high-volume tables, ledger transfers and
-- items, are checked by the code that writes them, not by foreign keys. Frozen once committed.
--
-- Why: a foreign key is a trigger that looks up (and key-share-locks) the referenced row for every
-- inserted row. Measured: for transfers (four keys, two transfers per paid item) the checks were more
-- than half of a settlement's posting time; for items, the batch check was ~40 % of an init's
-- PostgreSQL CPU. What the keys guaranteed still holds, by construction and by assertion:
--  - transfers → accounts: every posting locks the accounts it touches first (ledger/transfers.ts
--    lockAccounts) and fails unless every one of them exists;
--  - transfers → items and batches: a transfer names an item its transaction has just moved under a
--    guarded UPDATE, or a batch it holds locked;
--  - items → batches: items are written only by init, in the transaction that inserted their batch
--    row (payouts/init-batch.ts);
--  - nothing here is ever deleted: accounts, batches, items and transfers are kept for good.
alter table ledger_transfers drop constraint ledger_transfers_item_id_fkey;
alter table ledger_transfers drop constraint ledger_transfers_batch_id_fkey;
alter table ledger_transfers drop constraint ledger_transfers_debit_account_id_fkey;
alter table ledger_transfers drop constraint ledger_transfers_credit_account_id_fkey;
alter table items drop constraint items_batch_id_fkey;

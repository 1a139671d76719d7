-- masspayout schema, version 19: a spent random key no longer locks its merchant's row. Frozen once
-- committed.
--
-- Why: the foreign key to merchants is a trigger that key-share-locks the merchant's row for every
-- inserted key, that is for every signed request; with many requests of one merchant in flight at
-- once, each lock joins the others in a multixact. The statement that spends a key inserts it from
-- the merchant's row itself (`insert … select id from merchants where id = … and xmin = …`), so a
-- key names an existing merchant by construction, and merchants are never deleted.
alter table seen_random_keys drop constraint seen_random_keys_merchant_id_fkey;

-- Webhook payloads with lz4 instead of pglz where the server has it: a grouped delivery is ~330 KB
-- of JSON, written by the settlement's transaction while it holds its batch row, and read back by
-- every attempt. Measured on PostgreSQL 15 here: 8.7 ms to store one with pglz, 1.3 ms with lz4,
-- for the same size on disk. A server built without lz4 (the embedded one) keeps pglz.
-- Frozen: later changes go in new numbered files.
-- One line: the migration runner ends a statement at a `;` that ends a line.
do $$ begin alter table webhook_deliveries alter column payload set compression lz4; exception when feature_not_supported then null; end $$;

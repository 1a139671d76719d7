-- masspayout schema, version 9: what the official iyzico clients need. Frozen once committed.

-- The batch statuses a merchant's wire shows. 'documented': the public docs' values, PUBLISHED_TO_QUEUE
-- included. 'java': only the values iyzico's Java client knows (its MassPayoutStatus enum), so
-- PUBLISHED_TO_QUEUE is reported as IN_PROGRESS. The stored status and the audit trail are the same
-- under both.
alter table merchants add column status_vocabulary text not null default 'documented'
  check (status_vocabulary in ('documented', 'java'));

-- The amount an INVALID item was sent with, as text (`1.234`, `-5`, `abc`), so that retrieve and the
-- export of invalid items show what to fix; null on valid items, whose amount is the amount column.
alter table items add column amount_sent text check (amount_sent is null or (status = 'INVALID' and length(amount_sent) <= 64));

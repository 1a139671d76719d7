-- masspayout schema, version 7: a batch counts its final items, so retrieve's itemStatusCounts reads
-- them instead of counting a 100,000-item batch on every poll. Frozen once committed.
alter table batches add column success_count integer not null default 0 check (success_count >= 0);
alter table batches add column refunded_count integer not null default 0 check (refunded_count >= 0);
alter table batches add column refund_failed_count integer not null default 0 check (refund_failed_count >= 0);

-- Batches of earlier versions: counted once, here.
update batches b set success_count = c.success, refunded_count = c.refunded, refund_failed_count = c.refund_failed
from (select batch_id,
             count(*) filter (where status = 'SUCCESS') as success,
             count(*) filter (where status = 'DEPOSIT_SUCCESS') as refunded,
             count(*) filter (where status = 'DEPOSIT_FAIL') as refund_failed
      from items group by batch_id) c
where c.batch_id = b.id;

-- Every valid item is open or final (a canceled batch's are neither: MASS_PAYOUT_CANCELED).
alter table batches add constraint batches_items_accounted_for
  check (status = 'CANCELED' or success_count + refunded_count + refund_failed_count + open_count = valid_count);

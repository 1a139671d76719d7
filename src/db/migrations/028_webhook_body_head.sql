-- A delivery stores its body up to the batch's sequence number (`…,"sequence":`), and the body sent
-- is body_head || sequence || '}}'. Why: a settlement's grouped delivery (~330 KB of JSON) is then
-- written before the settlement takes the locks every other settlement of the merchant waits for,
-- and only numbered under them (the numbers must increase in commit order): a small UPDATE of the
-- sequence column, where writing the body held those locks ~40 ms longer.
-- A delivery is written with sequence 0 and numbered by the same transaction; one committed
-- unnumbered would be sent with a wrong number, so a deferred trigger refuses that commit.
-- Frozen: later changes go in new numbered files.
alter table webhook_deliveries rename column payload to body_head;
update webhook_deliveries set body_head = left(body_head, -(length(sequence::text) + 2));
alter table webhook_deliveries add constraint webhook_deliveries_sequence_check check (sequence >= 0);
create function webhook_delivery_numbered() returns trigger language plpgsql as $$ begin if exists (select 1 from webhook_deliveries where id = new.id and sequence = 0) then raise exception 'webhook delivery % committed without its sequence number', new.id; end if; return null; end $$;
create constraint trigger webhook_deliveries_numbered after insert on webhook_deliveries deferrable initially deferred for each row execute function webhook_delivery_numbered();

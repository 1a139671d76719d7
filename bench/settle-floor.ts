import { setTimeout as sleep } from 'node:timers/promises';
import { openPostgres } from '../src/db/postgres.ts';
import type { Db } from '../src/db/port.ts';
import { leaseDueChunk } from '../src/queue/claim.ts';
import { finishChunk } from '../src/queue/chunk-lease.ts';

/**
 * The settle floor: what PostgreSQL alone takes to write the rows the engine writes to settle a
 * batch, in the engine's transactions and lock order, with none of the engine's work in Node and
 * one round trip per transaction. It runs on a batch the service initialised and authorised (its
 * items PROCESSING, its work chunks due) and settles it with `loops` connections, as many as a
 * worker's loops, each leasing chunks as the engine does (leaseDueChunk, without its read of the
 * items) and then, per chunk:
 *
 *   1. the hand-over (floor_hand_over): the chunk's lease marked, its items PROCESSING → QUEUED,
 *      one `items.status` set event on the merchant's audit chain;
 *   2. the sandbox bank's rows for its IBAN items (floor_send), outside any transaction, as the
 *      bank's own INSERT; what each rail answers is the rule the rails apply (an IBAN ending 99 is
 *      refused, a wallet recipient must be a registered member), decided in SQL;
 *   3. the settlement (floor_settle): paid items → SUCCESS and their payout and commission
 *      transfers, refused ones → DEPOSIT_SUCCESS and their releases (first what no other
 *      settlement contends for), then the batch row, the accounts in id order, the balances, the
 *      batch's counters (COMPLETED with the last), and the merchant's audit head with the
 *      settlement's events (per rail and per reason, the transfer sets with their digests);
 *   4. the lease given back as the engine gives it (finishChunk).
 *
 * The audit rows have the engine's shape and size (set events naming their seqs as ranges, hashes
 * chained by SHA-256) but not its canonical hashing, so the floor's chain is not one the service's
 * verifier accepts: its runs check the batch's totals and the trial balance, not the chain.
 */
export async function settleFloor(databaseUrl: string, loops: number, deadline: number): Promise<void> {
  const db = await openPostgres({ url: databaseUrl, poolSize: loops });
  try {
    await db.query(floorFunctions);
    await Promise.all(Array.from({ length: loops }, (_, i) => floorLoop(db, `floor-${i + 1}`, deadline)));
  } finally {
    await db.close();
  }
}

async function floorLoop(db: Db, claimer: string, deadline: number): Promise<void> {
  while (Date.now() < deadline) {
    const chunk = await leaseDueChunk(db, { claimer });
    if (!chunk) {
      const open = await db.query<{ open: number }>('select count(*)::int as open from work_chunks where done_at is null');
      if (open.rows[0].open === 0) return;
      await sleep(5);
      continue;
    }
    const range = [chunk.batchId, chunk.seqFrom, chunk.seqTo];
    await db.query('select floor_hand_over($1, $2, $3, $4, $5)', [chunk.id, claimer, ...range]);
    await db.query('select floor_send($1, $2, $3)', range);
    await db.query('select floor_settle($1, $2, $3)', range);
    await finishChunk(db, chunk);
  }
  throw new Error('the floor did not settle the batch by the run deadline');
}

const floorFunctions = `
-- Seqs as the engine's set events name them: sorted runs, "3-7,9".
create or replace function floor_runs(p_seqs int[]) returns text language sql immutable as $$
  select coalesce(string_agg(case when lo = hi then lo::text else lo || '-' || hi end, ',' order by lo), '')
  from (select min(s) as lo, max(s) as hi from (select s, s - row_number() over (order by s) as g from unnest(p_seqs) as s) r group by g) runs
$$;

-- An item set event as the engine writes it: its items in after.items.
create or replace function floor_set_event(p_seqs int[], p_before jsonb, p_after jsonb) returns jsonb language sql immutable as $$
  select jsonb_build_object('action', 'items.status', 'entity', 'items:' || min(s) || '-' || max(s), 'before', p_before,
    'after', p_after || jsonb_build_object('items', jsonb_build_object('from', min(s), 'to', max(s), 'count', count(*), 'seqs', floor_runs(p_seqs))))
  from unnest(p_seqs) as s having count(*) > 0
$$;

-- The transaction's events onto the merchant's chain: the head locked last, the rows, the new head.
create or replace function floor_audit(p_chain bigint, p_request uuid, p_events jsonb[]) returns void language plpgsql as $$
declare
  v_seq bigint;
  v_hash text;
  v_event jsonb;
  v_next text;
begin
  insert into audit_heads (chain_id, last_seq, last_hash) values (p_chain, 0, '')
    on conflict (chain_id) do update set last_seq = audit_heads.last_seq returning last_seq, last_hash into v_seq, v_hash;
  foreach v_event in array p_events loop
    continue when v_event is null;
    v_seq := v_seq + 1;
    v_next := encode(sha256(convert_to(v_hash || v_event::text, 'UTF8')), 'hex');
    insert into audit_events (chain_id, seq, at, actor, action, entity, request_id, before, after, prev_hash, hash)
      values (p_chain, v_seq, now(), 'worker:floor', v_event->>'action', v_event->>'entity', p_request, v_event->'before', v_event->'after', v_hash, v_next);
    v_hash := v_next;
  end loop;
  update audit_heads set last_seq = v_seq, last_hash = v_hash where chain_id = p_chain;
end $$;

-- An account by the identity index, as the engine finds it.
create or replace function floor_account(p_kind text, p_merchant bigint, p_currency text) returns bigint language sql stable as $$
  select id from accounts where kind = p_kind and coalesce(merchant_id, 0) = p_merchant and coalesce(member_id, '') = '' and currency = p_currency
$$;

create or replace function floor_hand_over(p_chunk bigint, p_claimer text, p_batch uuid, p_from int, p_to int) returns void language plpgsql as $$
declare
  v_merchant bigint := (select merchant_id from batches where id = p_batch);
  v_seqs int[];
begin
  update work_chunks set handed_over_at = coalesce(handed_over_at, now()) where id = p_chunk and claimed_by = p_claimer;
  with moved as (
    update items set status = 'QUEUED', attempts = attempts + 1, next_attempt_at = now(), updated_at = now()
    where batch_id = p_batch and seq between p_from and p_to and status = 'PROCESSING' returning seq)
  select array_agg(seq) into v_seqs from moved;
  perform floor_audit(v_merchant, p_batch, array[floor_set_event(v_seqs, '{"status":"PROCESSING"}', '{"status":"QUEUED"}')]);
end $$;

create or replace function floor_send(p_batch uuid, p_from int, p_to int) returns void language sql as $$
  insert into sandbox_bank_transfers (idempotency_key, iban, amount, currency, status, reason, settles_at)
  select reference_code::text, recipient_info, amount, currency,
    case when right(recipient_info, 2) = '99' then 'REJECTED' else 'PAID' end,
    case when right(recipient_info, 2) = '99' then 'RECIPIENT_ACCOUNT_CLOSED' end, now()
  from items where batch_id = p_batch and seq between p_from and p_to and status = 'QUEUED' and recipient_type = 'IBAN'
  on conflict (idempotency_key) do nothing
$$;

create or replace function floor_transfer_event(p_ids bigint[], p_kinds text[], p_amounts bigint[], p_lines text[]) returns jsonb language sql immutable as $$
  select case when cardinality(p_ids) > 0 then jsonb_build_object('action', 'ledger.transfers',
    'entity', 'transfers:' || (select min(i) from unnest(p_ids) i) || '-' || (select max(i) from unnest(p_ids) i), 'before', null,
    'after', jsonb_build_object('count', cardinality(p_ids), 'currency', 'TRY',
      'ids', (select string_agg(i::text, ',' order by i) from unnest(p_ids) i),
      'kinds', (select jsonb_object_agg(k, jsonb_build_object('count', n, 'amount', a::text)) from
                 (select k, count(*) as n, sum(a) as a from unnest(p_kinds, p_amounts) as t(k, a) group by k) g),
      'digest', encode(sha256(convert_to(array_to_string(p_lines, ''), 'UTF8')), 'hex'))) end
$$;

create or replace function floor_settle(p_batch uuid, p_from int, p_to int) returns void language plpgsql as $$
declare
  v_batch record;
  v_reserved bigint; v_available bigint; v_bank bigint; v_revenue bigint;
  v_paid_bank int[]; v_paid_wallet int[]; v_closed int[]; v_unknown int[];
  v_paid int; v_refunded int; v_paid_amount bigint; v_paid_commission bigint;
  v_pay_ids bigint[]; v_pay_kinds text[]; v_pay_amounts bigint[]; v_pay_credits bigint[]; v_pay_lines text[];
  v_rel_ids bigint[]; v_rel_kinds text[]; v_rel_amounts bigint[]; v_rel_credits bigint[]; v_rel_lines text[];
  v_delta_ids bigint[]; v_deltas bigint[];
  v_open int;
  v_total_paid bigint;
begin
  select id, merchant_id, currency into v_batch from batches where id = p_batch;
  -- The accounts a settlement needs, made when missing (the engine's ensureAccounts).
  insert into accounts (kind, member_id, currency)
    select distinct 'wallet', m.member_id, i.currency
    from items i join members m on (i.recipient_type = 'MEMBER_ID' and m.member_id = i.recipient_info)
      or (i.recipient_type = 'PHONE' and m.phone = i.recipient_info) or (i.recipient_type = 'IDENTITY_NUMBER' and m.identity_number = i.recipient_info)
    where i.batch_id = p_batch and i.seq between p_from and p_to and i.status = 'QUEUED'
      and not exists (select 1 from accounts a where a.kind = 'wallet' and coalesce(a.merchant_id, 0) = 0 and coalesce(a.member_id, '') = m.member_id and a.currency = i.currency)
    on conflict do nothing;
  insert into accounts (kind, currency)
    select k, v_batch.currency from unnest(array['bank_settlement', 'commission_revenue']) as k
    where not exists (select 1 from accounts a where a.kind = k and coalesce(a.merchant_id, 0) = 0 and coalesce(a.member_id, '') = '' and a.currency = v_batch.currency)
    on conflict do nothing;
  v_reserved := floor_account('reserved', v_batch.merchant_id, v_batch.currency);
  v_available := floor_account('available', v_batch.merchant_id, v_batch.currency);
  v_bank := floor_account('bank_settlement', 0, v_batch.currency);
  v_revenue := floor_account('commission_revenue', 0, v_batch.currency);

  -- The payments: QUEUED → SUCCESS and their transfers (payout, and commission when it is > 0).
  with outcome as (
    select i.id, i.seq, i.amount, i.commission, i.recipient_type = 'IBAN' as by_bank, w.id as wallet
    from items i
      left join members m on (i.recipient_type = 'MEMBER_ID' and m.member_id = i.recipient_info)
        or (i.recipient_type = 'PHONE' and m.phone = i.recipient_info) or (i.recipient_type = 'IDENTITY_NUMBER' and m.identity_number = i.recipient_info)
      left join accounts w on w.kind = 'wallet' and coalesce(w.merchant_id, 0) = 0 and coalesce(w.member_id, '') = m.member_id and w.currency = i.currency
    where i.batch_id = p_batch and i.seq between p_from and p_to and i.status = 'QUEUED'
      and (case when i.recipient_type = 'IBAN' then right(i.recipient_info, 2) <> '99' else m.member_id is not null end)),
  paid as (
    update items i set status = 'SUCCESS', next_attempt_at = null, updated_at = now()
    from outcome o where i.id = o.id and i.status = 'QUEUED' returning o.*),
  posted as (
    insert into ledger_transfers (kind, debit_account_id, credit_account_id, amount, currency, batch_id, item_id)
    select t.kind, v_reserved, t.credit, t.amount, v_batch.currency, p_batch, t.item_id from (
      select 'payout' as kind, coalesce(p.wallet, v_bank) as credit, p.amount, p.id as item_id from paid p
      union all select 'commission', v_revenue, p.commission, p.id from paid p where p.commission > 0) t
    returning id, kind, debit_account_id, credit_account_id, amount, item_id)
  select
    (select array_agg(seq) from paid where by_bank), (select array_agg(seq) from paid where not by_bank),
    (select count(*) from paid), (select coalesce(sum(amount), 0) from paid), (select coalesce(sum(commission), 0) from paid),
    array_agg(id order by id), array_agg(kind order by id), array_agg(amount order by id), array_agg(credit_account_id order by id),
    array_agg(id || E'\\t' || kind || E'\\t' || debit_account_id || E'\\t' || credit_account_id || E'\\t' || amount || E'\\tTRY\\t' || item_id || E'\\n' order by id)
  into v_paid_bank, v_paid_wallet, v_paid, v_paid_amount, v_paid_commission, v_pay_ids, v_pay_kinds, v_pay_amounts, v_pay_credits, v_pay_lines
  from posted;

  -- The refusals: QUEUED → DEPOSIT_SUCCESS with their reason, and their releases.
  with refused as (
    update items i set status = 'DEPOSIT_SUCCESS', error_codes = i.error_codes || array[case when i.recipient_type = 'IBAN' then '6201' else '6202' end],
      next_attempt_at = null, updated_at = now()
    where i.batch_id = p_batch and i.seq between p_from and p_to and i.status = 'QUEUED'
    returning i.id, i.seq, i.amount + i.commission as total, i.recipient_type = 'IBAN' as by_bank),
  posted as (
    insert into ledger_transfers (kind, debit_account_id, credit_account_id, amount, currency, batch_id, item_id)
    select 'release', v_reserved, v_available, r.total, v_batch.currency, p_batch, r.id from refused r
    returning id, kind, debit_account_id, credit_account_id, amount, item_id)
  select
    (select array_agg(seq) from refused where by_bank), (select array_agg(seq) from refused where not by_bank), (select count(*) from refused),
    array_agg(id order by id), array_agg(kind order by id), array_agg(amount order by id), array_agg(credit_account_id order by id),
    array_agg(id || E'\\t' || kind || E'\\t' || debit_account_id || E'\\t' || credit_account_id || E'\\t' || amount || E'\\tTRY\\t' || item_id || E'\\n' order by id)
  into v_closed, v_unknown, v_refunded, v_rel_ids, v_rel_kinds, v_rel_amounts, v_rel_credits, v_rel_lines
  from posted;

  -- The postings' net change per account, as the engine computes it before it applies them.
  select array_agg(account order by account), array_agg(delta order by account) into v_delta_ids, v_deltas from (
    select account, sum(delta)::int8 as delta from (
      select v_reserved as account, -a as delta from unnest(coalesce(v_pay_amounts, '{}') || coalesce(v_rel_amounts, '{}')) as a
      union all
      select c, a from unnest(coalesce(v_pay_credits, '{}') || coalesce(v_rel_credits, '{}'), coalesce(v_pay_amounts, '{}') || coalesce(v_rel_amounts, '{}')) as t(c, a)) d
    group by account) x;

  -- What every settlement of the merchant waits for, in the lock order: batch row, accounts, head.
  perform 1 from batches where id = p_batch for update;
  perform 1 from accounts where id = any(v_delta_ids) order by id for no key update;
  update accounts a set balance = a.balance + d.delta from unnest(v_delta_ids, v_deltas) as d(id, delta) where a.id = d.id;
  update batches set
    open_count = open_count - (v_paid + v_refunded),
    success_count = success_count + v_paid,
    refunded_count = refunded_count + v_refunded,
    total_successful_amount = total_successful_amount + v_paid_amount,
    total_commission_amount = total_commission_amount + v_paid_commission,
    status = case when open_count - (v_paid + v_refunded) > 0 then status when total_successful_amount + v_paid_amount > 0 then 'COMPLETED' else 'FAIL' end,
    completed_at = case when open_count - (v_paid + v_refunded) = 0 then now() else completed_at end
  where id = p_batch and open_count >= v_paid + v_refunded
  returning open_count, total_successful_amount into v_open, v_total_paid;
  if not found then raise exception 'batch % cannot take % finished items', p_batch, v_paid + v_refunded; end if;

  perform floor_audit(v_batch.merchant_id, p_batch, array[
    floor_set_event(v_paid_bank, '{"status":"QUEUED"}', '{"status":"SUCCESS","rail":"sandbox-bank"}'),
    floor_set_event(v_paid_wallet, '{"status":"QUEUED"}', '{"status":"SUCCESS","rail":"wallet"}'),
    floor_transfer_event(v_pay_ids, v_pay_kinds, v_pay_amounts, v_pay_lines),
    floor_set_event(v_closed, '{"status":"QUEUED"}', '{"status":"FAILED","errorCodes":["6201"]}'),
    floor_set_event(v_closed, '{"status":"FAILED"}', '{"status":"DEPOSIT_SUCCESS","errorCodes":["6201"]}'),
    floor_set_event(v_unknown, '{"status":"QUEUED"}', '{"status":"FAILED","errorCodes":["6202"]}'),
    floor_set_event(v_unknown, '{"status":"FAILED"}', '{"status":"DEPOSIT_SUCCESS","errorCodes":["6202"]}'),
    floor_transfer_event(v_rel_ids, v_rel_kinds, v_rel_amounts, v_rel_lines),
    case when v_open = 0 then jsonb_build_object('action', 'batch.status', 'entity', 'batch:' || p_batch, 'before', '{"status":"PROCESSING"}'::jsonb,
      'after', jsonb_build_object('status', 'COMPLETED', 'totalSuccessfulAmount', v_total_paid::text)) end]);
end $$;
`;

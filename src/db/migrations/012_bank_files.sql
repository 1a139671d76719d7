-- masspayout schema, version 12: the ISO 20022 file rail (MASSPAYOUT_BANK_RAIL=iso20022) and
-- returns after success. Frozen once committed.

-- Files exchanged with the bank: pain.001 out; pain.002 and camt.054 in.
--   out: RECORDED (its transactions are in the database, the file is not in the outbox yet) →
--        SUBMITTED (renamed into the outbox) → ACCEPTED (the bank's group status) or REJECTED
--        (the whole file, unprocessed) → REISSUED (an operator put its transactions in a new file).
--   in:  PROCESSED (applied once) or REJECTED (unreadable: nothing applied).
create table bank_files (
  id               bigint generated always as identity primary key,
  direction        text not null check (direction in ('OUT', 'IN')),
  msg_id           text check (length(msg_id) between 1 and 35),
  name             text not null,
  message          text not null,             -- pain.001.001.09, pain.002.001.10, camt.054.001.08, …
  sha256           text,
  state            text not null check (state in ('RECORDED', 'SUBMITTED', 'ACCEPTED', 'REJECTED', 'REISSUED', 'PROCESSED')),
  tx_count         integer not null default 0 check (tx_count >= 0),
  ctrl_sum         bigint not null default 0 check (ctrl_sum >= 0),
  reason           text,                      -- why a file was rejected (the bank's code, or what was wrong)
  reissue_of       bigint,                    -- out: the rejected file whose transactions this one carries again
  created_at       timestamptz not null default now(),
  updated_at       timestamptz not null default now(),
  check (direction = 'OUT' or state in ('PROCESSED', 'REJECTED')),
  check (direction = 'IN' or (state <> 'PROCESSED' and msg_id is not null))
);
-- A message id is ours once (out), and a bank's message is applied once (in); a rejected incoming
-- file keeps no message id here, so a corrected file under the same id can still be read.
create unique index bank_files_msg_id on bank_files (direction, msg_id);
create index bank_files_recorded on bank_files (id) where state = 'RECORDED';

-- One row per payout handed to the bank: the EndToEndId is the item's referenceCode without its
-- hyphens, so a key can be in one file only (the primary key), re-issued only with the same id.
create table bank_file_transactions (
  end_to_end_id    text primary key check (end_to_end_id ~ '^[0-9a-f]{32}$'),
  creditor_iban    text not null,
  creditor_name    text not null,
  amount           bigint not null check (amount > 0),
  currency         text not null check (currency in ('TRY', 'USD', 'EUR')),
  remittance       text,
  execution_date   date not null,
  file_id          bigint,                    -- the outgoing file that carries it; null until the next cut
  --   NEW → SUBMITTED (in a file) → PENDING (accepted, not settled) → PAID | REJECTED;
  --   FILE_REJECTED: its file was rejected whole, waiting for an operator's re-issue.
  status           text not null default 'NEW' check (status in ('NEW', 'SUBMITTED', 'PENDING', 'PAID', 'REJECTED', 'FILE_REJECTED')),
  iso_status       text,                      -- the bank's last word: a TxSts, or BOOK for a booked debit
  reason_code      text,                      -- ISO reason of a rejection (AC04, …)
  returned_amount  bigint check (returned_amount > 0),
  returned_on      date,
  return_reason    text,
  return_applied   boolean not null default false,
  created_at       timestamptz not null default now(),
  updated_at       timestamptz not null default now(),
  check ((status = 'NEW') = (file_id is null)),
  check (status <> 'REJECTED' or reason_code is not null),
  check (returned_amount is null or status = 'PAID')
);
create index bank_file_transactions_unfiled on bank_file_transactions (created_at) where status = 'NEW';
create index bank_file_transactions_file on bank_file_transactions (file_id);
create index bank_file_transactions_returns_due on bank_file_transactions (end_to_end_id) where returned_amount is not null and not return_applied;

-- What a report said that the engine could not apply (an unknown EndToEndId, a status after a
-- final one): kept for the operator, never guessed at.
create table bank_exceptions (
  id               bigint generated always as identity primary key,
  file_id          bigint not null,
  end_to_end_id    text,
  kind             text not null,
  detail           text not null,
  at               timestamptz not null default now()
);

-- Returns after success: the item stays SUCCESS (iyzico's statuses have no "returned"), and says
-- what came back, when and why. bank_reason is the bank's ISO code of a rejection or a return.
alter table items add column returned_amount bigint check (returned_amount > 0);
alter table items add column returned_at timestamptz;
alter table items add column bank_reason text;

alter table ledger_transfers drop constraint ledger_transfers_kind_check;
alter table ledger_transfers add constraint ledger_transfers_kind_check
  check (kind in ('deposit', 'reserve', 'payout', 'commission', 'release', 'return'));

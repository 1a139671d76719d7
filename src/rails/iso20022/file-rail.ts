import { int8ArrayLiteral, textArrayLiteral } from '../../db/array-literal.ts';
import type { Queryable } from '../../db/port.ts';
import { limits } from '../../limits.ts';
import { batched } from '../batcher.ts';
import type { Rail, RailItem, RailOutcome } from '../rail.ts';
import { endToEndIdOf } from './end-to-end-id.ts';
import { rejectionReasonOf } from './reasons.ts';

interface TransactionRow {
  end_to_end_id: string;
  creditor_iban: string;
  amount: bigint;
  status: 'NEW' | 'SUBMITTED' | 'PENDING' | 'PAID' | 'REJECTED' | 'FILE_REJECTED';
  iso_status: string | null;
  reason_code: string | null;
  /** How long ago the transaction was recorded, in ms (the database's clock). */
  waited_ms: number;
}

/**
 * The ISO 20022 file rail. A send records the payout as a transaction of the next pain.001 (one
 * row per EndToEndId, so a key is in one file only, whatever the engine resends) and answers
 * AMBIGUOUS: the money moves when the bank books the file. The status of a key is what the bank's
 * reports said about it (read-inbox.ts applies them): paid on ACSC/ACCC or a booked debit,
 * rejected on RJCT, pending otherwise. The report that makes a transaction final also settles its
 * item right away (workers/settle-reported.ts), so the engine's status checks of a waiting item are
 * only a fallback, every limits.bankItemCheckMs. Writing files and reading reports run beside the workers
 * (start-file-rail.ts), never inside a rail call.
 */
export function fileRail(db: Queryable): Rail {
  const recordMany = batched((sends: { key: string; item: RailItem }[]) => recordTransactions(db, sends), limits.railCallsPerStatementMax);
  const readMany = batched((keys: string[]) => readTransactions(db, keys), limits.railCallsPerStatementMax);
  return {
    name: 'iso20022-bank',
    async send(key, item) {
      if (item.recipientType !== 'IBAN') throw new Error(`the bank rail cannot pay a ${item.recipientType} recipient`);
      const row = await recordMany({ key, item });
      if (row.creditor_iban !== item.recipientInfo || row.amount !== item.amount) {
        // One key, one transfer: anything else is a bug upstream, never a second payment here.
        throw new Error(`bank rail: key ${key} was already used for another transfer`);
      }
      return outcomeOf(row);
    },
    async status(key) {
      const row = await readMany(endToEndIdOf(key));
      return row === undefined ? 'UNKNOWN' : outcomeOf(row);
    },
  };
}

/** What the rail answers for a final transaction; a report that makes it final hands this on to settle its item (apply-report.ts). */
export function finalOutcomeOf(status: 'PAID' | 'REJECTED', reasonCode: string | null): RailOutcome {
  return status === 'PAID' ? { kind: 'PAID' } : { kind: 'REJECTED', reason: rejectionReasonOf(reasonCode), bankReason: reasonCode ?? undefined };
}

function outcomeOf(row: TransactionRow): RailOutcome {
  const retryAfterMs = checkGapMs(row.waited_ms);
  switch (row.status) {
    case 'PAID':
    case 'REJECTED':
      return finalOutcomeOf(row.status, row.reason_code);
    // The report that makes it final settles the item at once (settle-reported.ts): the check is a fallback.
    case 'NEW':
      return { kind: 'AMBIGUOUS', detail: 'bank: submitted, waiting for the next file', retryAfterMs };
    case 'FILE_REJECTED':
      return { kind: 'AMBIGUOUS', detail: 'bank: its file was rejected whole, waiting for an operator to re-issue it', retryAfterMs };
    default:
      return { kind: 'AMBIGUOUS', detail: `bank: submitted${row.iso_status ? `, last status ${row.iso_status}` : ''}`, retryAfterMs };
  }
}

/**
 * When to check a waiting transaction's item again: limits.bankItemCheckMs doubled for as long as the
 * transaction has already waited (30 s, 1 min, 2 min, …, limits.bankItemCheckMaxMs), so a bank that
 * answers in hours costs a few checks per item, not one every 30 s. Whole doublings only: the items
 * of one chunk get the same gap, and their check events stay one uniform group.
 */
export function checkGapMs(waitedMs: number): number {
  let gap = limits.bankItemCheckMs;
  while (gap * 2 <= waitedMs && gap * 2 <= limits.bankItemCheckMaxMs) gap *= 2;
  return gap;
}

const columns = `end_to_end_id, creditor_iban, amount, status, iso_status, reason_code, (extract(epoch from now() - created_at) * 1000)::float8 as waited_ms`;

/**
 * One statement for a flush of sends: new keys inserted, known ones left as they are and read back.
 * A new row is what was sent, status NEW, so only its key comes back; a key already known (a resend)
 * is read in a second statement, which an ordinary flush never needs.
 */
async function recordTransactions(db: Queryable, sends: { key: string; item: RailItem }[]): Promise<TransactionRow[]> {
  const ids = sends.map((s) => endToEndIdOf(s.key));
  const inserted = await db.query<{ end_to_end_id: string }>(
    `insert into bank_file_transactions (end_to_end_id, creditor_iban, creditor_name, amount, currency, remittance, execution_date)
     select t.id, t.iban, t.name, t.amount, t.currency, t.remittance, current_date
     from unnest($1::text[], $2::text[], $3::text[], $4::int8[], $5::text[], $6::text[]) as t(id, iban, name, amount, currency, remittance)
     on conflict (end_to_end_id) do nothing
     returning end_to_end_id`,
    [
      textArrayLiteral(ids),
      textArrayLiteral(sends.map((s) => s.item.recipientInfo)),
      textArrayLiteral(sends.map((s) => s.item.recipientName ?? s.item.recipientInfo)),
      int8ArrayLiteral(sends.map((s) => s.item.amount)),
      textArrayLiteral(sends.map((s) => s.item.currency)),
      textArrayLiteral(sends.map((s) => s.item.description)),
    ],
  );
  const byId = new Map<string, TransactionRow>();
  // The first send of a key in the flush is the one inserted (DO NOTHING skips a repeat in the same statement).
  const sent = new Map<string, RailItem>();
  sends.forEach((s, i) => sent.has(ids[i]) || sent.set(ids[i], s.item));
  for (const { end_to_end_id } of inserted.rows) {
    const item = sent.get(end_to_end_id)!;
    byId.set(end_to_end_id, { end_to_end_id, creditor_iban: item.recipientInfo, amount: item.amount, status: 'NEW', iso_status: null, reason_code: null, waited_ms: 0 });
  }
  const known = ids.filter((id) => !byId.has(id));
  if (known.length > 0) (await readTransactions(db, known)).forEach((row) => row && byId.set(row.end_to_end_id, row));
  return ids.map((id) => {
    const row = byId.get(id);
    if (!row) throw new Error(`bank rail: transaction ${id} neither recorded nor found`);
    return row;
  });
}

async function readTransactions(db: Queryable, ids: string[]): Promise<(TransactionRow | undefined)[]> {
  const found = await db.query<TransactionRow>(`select ${columns} from bank_file_transactions where end_to_end_id = any($1::text[])`, [textArrayLiteral(ids)]);
  const byId = new Map(found.rows.map((row) => [row.end_to_end_id, row]));
  return ids.map((id) => byId.get(id));
}

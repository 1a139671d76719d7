import { textArrayLiteral } from '../../db/array-literal.ts';
import type { Tx } from '../../db/port.ts';
import type { RailOutcome } from '../rail.ts';
import type { Notification } from './camt054.ts';
import { finalOutcomeOf } from './file-rail.ts';
import type { IsoStatus, StatusReport } from './pain002.ts';
import type { IncomingMessage } from './read-message.ts';

/** A report that contradicts what we sent (a count, an amount): the whole file is refused, nothing applied. */
export class ReportRejected extends Error {}

type TxStatus = 'NEW' | 'SUBMITTED' | 'PENDING' | 'PAID' | 'REJECTED' | 'FILE_REJECTED';

interface KnownTransaction {
  end_to_end_id: string;
  status: TxStatus;
  amount: bigint;
  currency: string;
  file_msg_id: string | null;
  returned_amount: bigint | null;
}

interface Exception {
  endToEndId?: string;
  kind: string;
  detail: string;
}

interface Change {
  id: string;
  status: 'PENDING' | 'PAID' | 'REJECTED';
  isoStatus: string;
  reason: string | null;
}

export interface Applied {
  changed: number;
  returns: number;
  exceptions: number;
  /** The transactions this message made final (PAID, REJECTED), with what the rail answers for them from now on: their items can be settled now. */
  finals: ReportedFinal[];
}

/** A transaction a report made final, and the rail's outcome for it (the same a status check reads). */
export interface ReportedFinal {
  endToEndId: string;
  outcome: RailOutcome;
}

type Result = { changed: { id: string; status: string; reasonCode: string | null }[]; returns: number };

/** ACSC and ACCC settle a transaction, RJCT refuses it; every other status leaves it pending. */
function classOf(status: IsoStatus): Change['status'] {
  return status === 'ACSC' || status === 'ACCC' ? 'PAID' : status === 'RJCT' ? 'REJECTED' : 'PENDING';
}

/**
 * What we hold about the transactions a message names. Read without FOR UPDATE: locking 10,000 rows
 * costs a heap write per row, and most a booking names it does not change (paid by the pain.002
 * already). Every write after it is a guarded UPDATE that checks again what this read saw (the
 * status, the file, no return yet), so a change that slips in between is not overwritten; at worst
 * an exception is noted from the older state.
 */
async function known(tx: Tx, ids: string[]): Promise<Map<string, KnownTransaction>> {
  if (ids.length === 0) return new Map();
  const found = await tx.query<KnownTransaction>(
    `select t.end_to_end_id, t.status, t.amount, t.currency, f.msg_id as file_msg_id, t.returned_amount
     from bank_file_transactions t left join bank_files f on f.id = t.file_id
     where t.end_to_end_id = any($1::text[])`,
    [textArrayLiteral([...new Set(ids)])],
  );
  return new Map(found.rows.map((row) => [row.end_to_end_id, row]));
}

/**
 * Applies one incoming message in the caller's transaction, `fileId` being its bank_files row.
 * Everything that contradicts our records is checked first and refuses the whole file
 * (ReportRejected); what only cannot be applied (an unknown EndToEndId, a status after a final one)
 * is recorded as an exception for the operator. Transitions are guarded UPDATEs: a final
 * transaction (PAID, REJECTED) never changes again.
 */
export async function applyMessage(tx: Tx, fileId: bigint, message: IncomingMessage): Promise<Applied> {
  const exceptions: Exception[] = [];
  const result = message.kind === 'pain.002' ? await applyStatusReport(tx, message, exceptions) : await applyNotification(tx, message, exceptions);
  if (exceptions.length > 0) {
    await tx.query(
      `insert into bank_exceptions (file_id, end_to_end_id, kind, detail)
       select $1, e.id, e.kind, e.detail from unnest($2::text[], $3::text[], $4::text[]) as e(id, kind, detail)`,
      [fileId, textArrayLiteral(exceptions.map((e) => e.endToEndId ?? null)), textArrayLiteral(exceptions.map((e) => e.kind)), textArrayLiteral(exceptions.map((e) => e.detail))],
    );
  }
  const finals = result.changed.flatMap((c) => (c.status === 'PAID' || c.status === 'REJECTED' ? [{ endToEndId: c.id, outcome: finalOutcomeOf(c.status, c.reasonCode) }] : []));
  return { changed: result.changed.length, returns: result.returns, exceptions: exceptions.length, finals };
}

async function applyStatusReport(tx: Tx, report: StatusReport, exceptions: Exception[]): Promise<Result> {
  const file = await tx.query<{ id: bigint; state: string; tx_count: number }>(
    `select id, state, tx_count from bank_files where direction = 'OUT' and msg_id = $1 for update`,
    [report.originalMsgId],
  );
  const original = file.rows[0];
  if (!original) {
    exceptions.push({ kind: 'UNKNOWN_FILE', detail: `status report on message ${report.originalMsgId}, which is not a file of ours` });
    return { changed: [], returns: 0 };
  }
  if (report.originalTxCount !== undefined && report.originalTxCount !== original.tx_count) {
    throw new ReportRejected(`the report counts ${report.originalTxCount} transactions in ${report.originalMsgId}, which has ${original.tx_count}`);
  }
  if (report.groupStatus === 'RJCT') {
    if (original.state !== 'SUBMITTED') {
      exceptions.push({ kind: 'FILE_REJECTED_LATE', detail: `file ${report.originalMsgId} rejected whole (${report.groupReason ?? 'no reason'}) while ${original.state}: not applied` });
      return { changed: [], returns: 0 };
    }
    await tx.query(`update bank_files set state = 'REJECTED', reason = $2, updated_at = now() where id = $1 and state = 'SUBMITTED'`, [original.id, report.groupReason ?? 'RJCT']);
    const parked = await tx.query<{ end_to_end_id: string; status: string }>(
      `update bank_file_transactions set status = 'FILE_REJECTED', iso_status = 'RJCT', updated_at = now() where file_id = $1 and status in ('SUBMITTED', 'PENDING') returning end_to_end_id, status`,
      [original.id],
    );
    return { changed: parked.rows.map((row) => ({ id: row.end_to_end_id, status: row.status, reasonCode: null })), returns: 0 };
  }
  if (report.groupStatus !== undefined && original.state === 'SUBMITTED') {
    await tx.query(`update bank_files set state = 'ACCEPTED', updated_at = now() where id = $1 and state = 'SUBMITTED'`, [original.id]);
  }
  const rows = await known(tx, report.transactions.map((t) => t.endToEndId));
  const changes: Change[] = [];
  for (const t of report.transactions) {
    const row = rows.get(t.endToEndId);
    if (!row || row.file_msg_id !== report.originalMsgId) {
      exceptions.push({ endToEndId: t.endToEndId, kind: 'UNKNOWN_END_TO_END_ID', detail: `${t.status} for a transaction that is not in ${report.originalMsgId}` });
      continue;
    }
    const to = classOf(t.status);
    const change = transitionOf(row, to, exceptions, t.status);
    if (change) changes.push({ id: t.endToEndId, status: change, isoStatus: t.status, reason: to === 'REJECTED' ? (t.reason ?? 'NARR') : null });
  }
  return { changed: await applyChanges(tx, changes, original.id), returns: 0 };
}

/** The status a transaction moves to, or undefined when it stays (an exception is noted when that is news). */
function transitionOf(row: KnownTransaction, to: Change['status'], exceptions: Exception[], said: string): Change['status'] | undefined {
  if (row.status === 'PAID' || row.status === 'REJECTED') {
    if (to !== 'PENDING' && to !== row.status) {
      exceptions.push({ endToEndId: row.end_to_end_id, kind: 'STATUS_AFTER_FINAL', detail: `${said} after the transaction was ${row.status}: not applied` });
    }
    return undefined;
  }
  if (row.status === 'FILE_REJECTED') {
    exceptions.push({ endToEndId: row.end_to_end_id, kind: 'STATUS_AFTER_FILE_REJECTED', detail: `${said} for a transaction whose file was rejected whole: not applied` });
    return undefined;
  }
  return to;
}

/** `fileId`: a status report applies to its file's transactions alone (one re-issued meanwhile is another file's now). */
async function applyChanges(tx: Tx, changes: Change[], fileId?: bigint): Promise<Result['changed']> {
  if (changes.length === 0) return [];
  const applied = await tx.query<{ end_to_end_id: string; status: string; reason_code: string | null }>(
    `update bank_file_transactions t set status = c.status, iso_status = c.iso, reason_code = c.reason, updated_at = now()
     from unnest($1::text[], $2::text[], $3::text[], $4::text[]) as c(id, status, iso, reason)
     where t.end_to_end_id = c.id and t.status in ('SUBMITTED', 'PENDING') and ($5::int8 is null or t.file_id = $5)
     returning t.end_to_end_id, t.status, t.reason_code`,
    [textArrayLiteral(changes.map((c) => c.id)), textArrayLiteral(changes.map((c) => c.status)), textArrayLiteral(changes.map((c) => c.isoStatus)), textArrayLiteral(changes.map((c) => c.reason)), fileId ?? null],
  );
  return applied.rows.map((row) => ({ id: row.end_to_end_id, status: row.status, reasonCode: row.reason_code }));
}

async function applyNotification(tx: Tx, notification: Notification, exceptions: Exception[]): Promise<Result> {
  const relevant = notification.transactions.filter((t) => t.booked);
  const rows = await known(tx, relevant.map((t) => t.endToEndId));
  // Checked before anything is applied: a booking of another amount than we sent means the file was altered.
  for (const t of relevant) {
    const row = rows.get(t.endToEndId);
    if (!row) continue;
    const fits = t.direction === 'DBIT' ? t.amount === row.amount : t.amount <= row.amount;
    if (!fits || t.currency !== row.currency) throw new ReportRejected(`transaction ${t.endToEndId}: ${t.direction} of ${t.amount} ${t.currency}, sent ${row.amount} ${row.currency}`);
  }
  const changes: Change[] = [];
  const returns: { id: string; amount: bigint; on: string; reason: string }[] = [];
  for (const t of relevant) {
    const row = rows.get(t.endToEndId);
    if (!row) {
      if (t.direction === 'DBIT' || t.returnReason) exceptions.push({ endToEndId: t.endToEndId, kind: 'UNKNOWN_END_TO_END_ID', detail: `booked ${t.direction} for a transaction that is not ours` });
      continue;
    }
    if (t.direction === 'DBIT') {
      const change = transitionOf(row, 'PAID', exceptions, 'booked debit');
      if (change) changes.push({ id: t.endToEndId, status: 'PAID', isoStatus: 'BOOK', reason: null });
      continue;
    }
    if (!t.returnReason) continue;
    if (row.status === 'REJECTED' || row.status === 'FILE_REJECTED' || row.status === 'NEW') {
      exceptions.push({ endToEndId: t.endToEndId, kind: 'RETURN_OF_UNPAID', detail: `return (${t.returnReason}) of a transaction that is ${row.status}: not applied` });
      continue;
    }
    if (row.returned_amount !== null || returns.some((r) => r.id === t.endToEndId)) {
      exceptions.push({ endToEndId: t.endToEndId, kind: 'RETURNED_TWICE', detail: `a second return (${t.returnReason}) of one transaction: not applied` });
      continue;
    }
    // A return proves the payment: a transaction still pending is paid first.
    if (row.status !== 'PAID') changes.push({ id: t.endToEndId, status: 'PAID', isoStatus: 'BOOK', reason: null });
    returns.push({ id: t.endToEndId, amount: t.amount, on: t.bookingDate ?? notification.createdAt.slice(0, 10), reason: t.returnReason });
  }
  const changed = await applyChanges(tx, changes);
  if (returns.length > 0) {
    await tx.query(
      `update bank_file_transactions t set returned_amount = r.amount, returned_on = r.day::date, return_reason = r.reason, updated_at = now()
       from unnest($1::text[], $2::int8[], $3::text[], $4::text[]) as r(id, amount, day, reason)
       where t.end_to_end_id = r.id and t.status = 'PAID' and t.returned_amount is null`,
      [textArrayLiteral(returns.map((r) => r.id)), returns.map((r) => r.amount.toString()), textArrayLiteral(returns.map((r) => r.on)), textArrayLiteral(returns.map((r) => r.reason))],
    );
  }
  return { changed, returns: returns.length };
}

import type { Db, Queryable } from '../../db/port.ts';
import { newMsgId, painFileName } from './record-files.ts';

export interface BankFile {
  id: bigint;
  direction: 'OUT' | 'IN';
  msgId: string | null;
  name: string;
  message: string;
  state: string;
  txCount: number;
  ctrlSum: bigint;
  reason: string | null;
  reissueOf: bigint | null;
  createdAt: Date;
  updatedAt: Date;
}

export interface BankException {
  id: bigint;
  fileId: bigint;
  fileName: string;
  endToEndId: string | null;
  kind: string;
  detail: string;
  at: Date;
}

/** The files exchanged with the bank, newest first, one page at a time (`beforeId`: the last id of the previous page). */
export async function listBankFiles(db: Queryable, query: { direction?: 'OUT' | 'IN'; state?: string; beforeId?: bigint; limit: number }): Promise<{ files: BankFile[]; nextBeforeId?: bigint }> {
  const found = await db.query<{ id: bigint; direction: 'OUT' | 'IN'; msg_id: string | null; name: string; message: string; state: string; tx_count: number; ctrl_sum: bigint; reason: string | null; reissue_of: bigint | null; created_at: Date; updated_at: Date }>(
    `select id, direction, msg_id, name, message, state, tx_count, ctrl_sum, reason, reissue_of, created_at, updated_at from bank_files
     where ($1::text is null or direction = $1) and ($2::text is null or state = $2) and ($3::int8 is null or id < $3)
     order by id desc limit $4`,
    [query.direction ?? null, query.state ?? null, query.beforeId ?? null, query.limit + 1],
  );
  const files = found.rows.slice(0, query.limit).map((row) => ({
    id: row.id,
    direction: row.direction,
    msgId: row.msg_id,
    name: row.name,
    message: row.message,
    state: row.state,
    txCount: row.tx_count,
    ctrlSum: row.ctrl_sum,
    reason: row.reason,
    reissueOf: row.reissue_of,
    createdAt: new Date(row.created_at),
    updatedAt: new Date(row.updated_at),
  }));
  return { files, nextBeforeId: found.rows.length > query.limit ? files[files.length - 1].id : undefined };
}

/** What the reports said that could not be applied, newest first. */
export async function listBankExceptions(db: Queryable, query: { beforeId?: bigint; limit: number }): Promise<{ exceptions: BankException[]; nextBeforeId?: bigint }> {
  const found = await db.query<{ id: bigint; file_id: bigint; name: string; end_to_end_id: string | null; kind: string; detail: string; at: Date }>(
    `select e.id, e.file_id, f.name, e.end_to_end_id, e.kind, e.detail, e.at from bank_exceptions e join bank_files f on f.id = e.file_id
     where ($1::int8 is null or e.id < $1) order by e.id desc limit $2`,
    [query.beforeId ?? null, query.limit + 1],
  );
  const exceptions = found.rows.slice(0, query.limit).map((row) => ({ id: row.id, fileId: row.file_id, fileName: row.name, endToEndId: row.end_to_end_id, kind: row.kind, detail: row.detail, at: new Date(row.at) }));
  return { exceptions, nextBeforeId: found.rows.length > query.limit ? exceptions[exceptions.length - 1].id : undefined };
}

export type ReissueOutcome = { ok: true; file: { msgId: string; name: string; txCount: number } } | { ok: false; code: 'BANK_FILE_NOT_FOUND' | 'BANK_FILE_NOT_REJECTED' };

/**
 * An operator's answer to a file the bank rejected whole, unprocessed: its transactions, with the
 * same EndToEndIds, go into a new file (a new MsgId), recorded here and written by the file rail's
 * next round. Guarded: the old file must be REJECTED (it becomes REISSUED, so a second re-issue is
 * refused), and only its transactions still waiting (FILE_REJECTED) move. The only way a key ever
 * reaches a second file.
 */
export async function reissueRejectedFile(db: Db, msgId: string): Promise<ReissueOutcome> {
  return db.transaction(async (tx) => {
    const old = await tx.query<{ id: bigint; state: string; message: string }>(`select id, state, message from bank_files where direction = 'OUT' and msg_id = $1 for update`, [msgId]);
    const file = old.rows[0];
    if (!file) return { ok: false, code: 'BANK_FILE_NOT_FOUND' } as const;
    if (file.state !== 'REJECTED') return { ok: false, code: 'BANK_FILE_NOT_REJECTED' } as const;
    const at = new Date();
    const fresh = newMsgId(at);
    const created = await tx.query<{ id: bigint }>(
      `insert into bank_files (direction, msg_id, name, message, state, reissue_of, created_at) values ('OUT', $1, $2, $3, 'RECORDED', $4, $5) returning id`,
      [fresh, painFileName(fresh), file.message, file.id, at],
    );
    const moved = await tx.query<{ n: number; sum: bigint | null }>(
      `with moved as (update bank_file_transactions set file_id = $1, status = 'SUBMITTED', iso_status = null, updated_at = now()
                      where file_id = $2 and status = 'FILE_REJECTED' returning amount)
       select count(*)::int as n, sum(amount)::int8 as sum from moved`,
      [created.rows[0].id, file.id],
    );
    const { n, sum } = moved.rows[0];
    if (n === 0) throw new Error(`bank file ${msgId} is REJECTED but has no transaction waiting for a re-issue`);
    await tx.query('update bank_files set tx_count = $2, ctrl_sum = $3 where id = $1', [created.rows[0].id, n, sum ?? 0n]);
    await tx.query(`update bank_files set state = 'REISSUED', updated_at = now() where id = $1 and state = 'REJECTED'`, [file.id]);
    return { ok: true, file: { msgId: fresh, name: painFileName(fresh), txCount: n } } as const;
  });
}

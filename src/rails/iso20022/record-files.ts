import { randomBytes } from 'node:crypto';
import type { Db } from '../../db/port.ts';

export interface CutPolicy {
  /** A file is cut once its oldest waiting transaction has waited this long (ms) … */
  intervalMs: number;
  /** … or as soon as this many wait; a file never carries more. */
  txsMax: number;
  painVersion: string;
}

/** A unique MsgId (Max35Text): "MP", the UTC time to the second, 8 random hex digits — 24 characters. */
export function newMsgId(at: Date): string {
  return `MP${at.toISOString().replace(/[-:T]/g, '').slice(0, 14)}${randomBytes(4).toString('hex').toUpperCase()}`;
}

export const painFileName = (msgId: string) => `pain.001.${msgId}.xml`;

/**
 * Cuts the waiting transactions (status NEW) into files while a cut is due, and records each file
 * and its transactions in one transaction: the file exists in the database (RECORDED) before a
 * single byte of it is written, so a crash before the write loses nothing (write-files.ts writes it
 * again, from the same rows), and the transactions it took belong to it alone. FOR UPDATE SKIP
 * LOCKED lets two processes cut side by side, each into its own file. Returns the files recorded.
 */
export async function recordDueFiles(db: Db, policy: CutPolicy): Promise<string[]> {
  const recorded: string[] = [];
  for (;;) {
    // No ORDER BY: a full file is cut whatever its age, and short of txsMax every waiting row was read,
    // so the min is the oldest. Sorting every waiting row (up to 100,000 in a big batch) each round
    // cost ~75 ms a round.
    const due = await db.query<{ waiting: number; oldest_ms: number | null }>(
      `select count(*)::int as waiting, (extract(epoch from now() - min(created_at)) * 1000)::float8 as oldest_ms
       from (select created_at from bank_file_transactions where file_id is null limit $1) w`,
      [policy.txsMax],
    );
    const { waiting, oldest_ms } = due.rows[0];
    if (waiting === 0 || (waiting < policy.txsMax && (oldest_ms ?? 0) < policy.intervalMs)) return recorded;
    const msgId = await db.transaction(async (tx) => {
      const at = new Date();
      const msgId = newMsgId(at);
      const file = await tx.query<{ id: bigint }>(
        `insert into bank_files (direction, msg_id, name, message, state, created_at) values ('OUT', $1, $2, $3, 'RECORDED', $4) returning id`,
        [msgId, painFileName(msgId), policy.painVersion, at],
      );
      const fileId = file.rows[0].id;
      const taken = await tx.query<{ n: number; sum: bigint | null }>(
        // The oldest txsMax waiting rows (a bounded top-N sort: no lock between it and its LIMIT), then
        // those of them no other cut holds (SKIP LOCKED), updated by ctid. The join by key it replaces
        // read and hashed every waiting row twice and sorted them all on disk: ~1 s a file.
        `with taken as (
           update bank_file_transactions set status = 'SUBMITTED', file_id = $1, updated_at = now()
           where ctid = any(array(
                   select ctid from bank_file_transactions
                   where ctid = any(array(select ctid from bank_file_transactions where file_id is null order by created_at limit $2))
                     and status = 'NEW'
                   for update skip locked))
             and status = 'NEW'
           returning amount)
         select count(*)::int as n, sum(amount)::int8 as sum from taken`,
        [fileId, policy.txsMax],
      );
      const { n, sum } = taken.rows[0];
      if (n === 0) throw new EmptyCut(); // another process took them all: nothing to record
      await tx.query('update bank_files set tx_count = $2, ctrl_sum = $3 where id = $1', [fileId, n, sum ?? 0n]);
      return msgId;
    }).catch((error) => {
      if (error instanceof EmptyCut) return undefined;
      throw error;
    });
    if (msgId === undefined) return recorded;
    recorded.push(msgId);
  }
}

class EmptyCut extends Error {}

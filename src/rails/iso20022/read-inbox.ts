import { createHash } from 'node:crypto';
import type { Db } from '../../db/port.ts';
import { limits } from '../../limits.ts';
import { applyMessage, ReportRejected, type ReportedFinal } from './apply-report.ts';
import { readIncomingMessage, type IncomingMessage } from './read-message.ts';
import type { FileFolders } from './transport.ts';
import { XmlFormatError } from './xml.ts';

export interface InboxRound {
  processed: string[];
  rejected: string[];
  /** The transactions this round's reports made final (paid or rejected), for their items to be settled now. */
  finals: ReportedFinal[];
}

/**
 * One round over the inbox: each file is read, checked whole, and applied in one transaction
 * (its bank_files row, the transactions' new states, the exceptions), then moved to processed/.
 * A file is applied once: by its message id, with its content hash — the same file again (a crash
 * between the commit and the move) is only moved; another file under an id already applied is
 * rejected. A file that cannot be read, or that contradicts our records, changes nothing: it goes to
 * rejected/ with a `.reason.txt` beside it, and the operator is alerted. `beforeApply` is the crash
 * tests' failpoint, between reading a report and applying it.
 */
export async function readInbox(db: Db, folders: FileFolders, inboxDir: string, log: (line: string) => void, beforeApply?: () => void): Promise<InboxRound> {
  const round: InboxRound = { processed: [], rejected: [], finals: [] };
  const files = (await folders.list(inboxDir)).slice(0, limits.bankInboxFilesPerRound);
  for (const { name, size } of files) {
    const outcome = await readOne(db, folders, inboxDir, name, size, beforeApply);
    if (outcome.ok) {
      await folders.moveInto(inboxDir, name, 'processed');
      round.processed.push(name);
      for (const final of outcome.finals) round.finals.push(final);
    } else {
      await reject(db, folders, inboxDir, name, outcome, log);
      round.rejected.push(name);
    }
  }
  return round;
}

type Outcome = { ok: true; finals: ReportedFinal[] } | { ok: false; reason: string; message?: string; sha256?: string };

async function readOne(db: Db, folders: FileFolders, inboxDir: string, name: string, size: number, beforeApply?: () => void): Promise<Outcome> {
  if (size > limits.bankInboxFileBytesMax) return { ok: false, reason: `${size} bytes, more than the ${limits.bankInboxFileBytesMax} read` };
  const bytes = await folders.read(inboxDir, name);
  const sha256 = createHash('sha256').update(bytes).digest('hex');
  let message: IncomingMessage;
  try {
    message = readIncomingMessage(bytes.toString('utf8'));
  } catch (error) {
    if (error instanceof XmlFormatError) return { ok: false, reason: error.message, sha256 };
    throw error;
  }
  beforeApply?.();
  try {
    return await db.transaction(async (tx) => {
      const seen = await tx.query<{ sha256: string }>(`select sha256 from bank_files where direction = 'IN' and msg_id = $1`, [message.msgId]);
      if (seen.rows[0]) {
        if (seen.rows[0].sha256 === sha256) return { ok: true, finals: [] } as const; // applied before a crash took the move
        throw new ReportRejected(`message ${message.msgId} was applied already, from a file with other content`);
      }
      const file = await tx.query<{ id: bigint }>(
        `insert into bank_files (direction, msg_id, name, message, sha256, state, tx_count) values ('IN', $1, $2, $3, $4, 'PROCESSED', $5) returning id`,
        [message.msgId, name, message.version, sha256, message.transactions.length],
      );
      const applied = await applyMessage(tx, file.rows[0].id, message);
      return { ok: true, finals: applied.finals } as const;
    });
  } catch (error) {
    if (error instanceof ReportRejected) return { ok: false, reason: error.message, message: message.version, sha256 };
    // SQLSTATE 23505 on bank_files_msg_id: another process applied this very message a moment ago.
    if ((error as { code?: unknown } | null)?.code === '23505') return { ok: true, finals: [] };
    throw error;
  }
}

async function reject(db: Db, folders: FileFolders, inboxDir: string, name: string, outcome: Extract<Outcome, { ok: false }>, log: (line: string) => void): Promise<void> {
  await db.query(`insert into bank_files (direction, name, message, sha256, state, reason) values ('IN', $1, $2, $3, 'REJECTED', $4)`, [
    name,
    outcome.message ?? 'unknown',
    outcome.sha256 ?? null,
    outcome.reason,
  ]);
  await folders.writeNew(`${inboxDir}/rejected`, `${name}.reason.txt`, `${outcome.reason}\n`).catch(() => undefined);
  await folders.moveInto(inboxDir, name, 'rejected');
  log(`ALERT operator: bank file ${name} rejected, nothing applied: ${outcome.reason}`);
}

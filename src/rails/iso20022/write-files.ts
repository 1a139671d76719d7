import type { Db } from '../../db/port.ts';
import type { Currency } from '../../money.ts';
import type { PainVersion } from './messages.ts';
import { buildPain001, type Debtor } from './pain001.ts';
import type { FileFolders } from './transport.ts';

interface RecordedFile {
  id: bigint;
  msg_id: string;
  name: string;
  message: PainVersion;
  created_at: Date;
  tx_count: number;
}

interface FileTransaction {
  end_to_end_id: string;
  creditor_iban: string;
  creditor_name: string;
  amount: bigint;
  currency: Currency;
  remittance: string | null;
  execution_date: string;
}

/** The pain.001 of a recorded file, built from its rows alone: the same bytes every time it is built. */
export async function painOfFile(db: Db, file: RecordedFile, debtor: Debtor): Promise<string> {
  const found = await db.query<FileTransaction>(
    `select end_to_end_id, creditor_iban, creditor_name, amount, currency, remittance, to_char(execution_date, 'YYYY-MM-DD') as execution_date
     from bank_file_transactions where file_id = $1 order by end_to_end_id`,
    [file.id],
  );
  if (found.rows.length !== file.tx_count) throw new Error(`bank file ${file.msg_id}: ${found.rows.length} transactions, ${file.tx_count} recorded`);
  return buildPain001({
    version: file.message,
    msgId: file.msg_id,
    createdAt: file.created_at,
    debtor,
    transfers: found.rows.map((row) => ({
      endToEndId: row.end_to_end_id,
      amount: row.amount,
      currency: row.currency,
      creditorName: row.creditor_name,
      creditorIban: row.creditor_iban,
      remittance: row.remittance,
      executionDate: row.execution_date,
    })),
  });
}

/**
 * Writes every RECORDED file into the outbox (temporary name, fsync, then its name, never over an
 * existing file) and marks it SUBMITTED. A file already there under its name was written before a
 * crash took the mark: it is only marked. `beforeWrite` is the crash tests' failpoint.
 */
export async function writeRecordedFiles(db: Db, folders: FileFolders, outboxDir: string, debtor: Debtor, beforeWrite?: () => void): Promise<string[]> {
  const recorded = await db.query<RecordedFile>(
    `select id, msg_id, name, message, created_at, tx_count from bank_files where state = 'RECORDED' and direction = 'OUT' order by id`,
  );
  const written: string[] = [];
  for (const file of recorded.rows) {
    const xml = await painOfFile(db, file, debtor);
    beforeWrite?.();
    await folders.writeNew(outboxDir, file.name, xml);
    await db.query(`update bank_files set state = 'SUBMITTED', updated_at = now() where id = $1 and state = 'RECORDED'`, [file.id]);
    written.push(file.name);
  }
  return written;
}

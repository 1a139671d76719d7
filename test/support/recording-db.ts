import type { Db, Tx } from '../../src/db/port.ts';
import { wrapTransactions } from './db.ts';

/**
 * The same database, recording the text of every statement run through it, in a transaction or
 * not (a COPY as `copy <table>`): to count what one call costs. `statements` is cleared by the
 * caller between the calls it compares.
 */
export function recordingDb(db: Db): { db: Db; statements: string[] } {
  const statements: string[] = [];
  const record = (tx: Tx): Tx => ({
    query(sql, params) {
      statements.push(sql);
      return tx.query(sql, params);
    },
    ...(tx.copyFrom
      ? {
          copyFrom(table: string, columns: readonly string[], rows: Iterable<Buffer>) {
            statements.push(`copy ${table}`);
            return tx.copyFrom!(table, columns, rows);
          },
        }
      : {}),
  });
  const recorded = wrapTransactions(db, record);
  return { db: { ...recorded, query: (sql, params) => record(db).query(sql, params) }, statements };
}

/** Statements that read or write the audit tables (audit_heads, audit_events). */
export const onAuditTables = (statements: readonly string[]) => statements.filter((sql) => /\baudit_(heads|events)\b/.test(sql));

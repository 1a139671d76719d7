import { readdir, readFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import type { Db } from './port.ts';

const migrationsDir = fileURLToPath(new URL('./migrations/', import.meta.url));
/** Any constant shared by every process of this project: the key of the migration lock. */
const migrationLockKey = 7_246_001;

/**
 * Applies the numbered SQL files not yet applied, in order, each in its own transaction under a
 * transaction-scoped advisory lock, so two processes starting at once apply each file exactly once.
 * `upTo` (a file name) stops after that file: an older version's schema, for upgrade tests.
 */
export async function migrate(db: Db, upTo?: string): Promise<string[]> {
  await db.query(`create table if not exists schema_migrations (
    name text primary key, applied_at timestamptz not null default now())`).catch(async (error) => {
    // Two processes racing on the very first create: the loser sees a duplicate type; the table exists.
    if (!/already exists|duplicate key/.test(String(error?.message))) throw error;
  });
  const files = (await readdir(migrationsDir)).filter((name) => /^\d{3}_.+\.sql$/.test(name) && (upTo === undefined || name <= upTo)).sort();
  const applied: string[] = [];
  for (const name of files) {
    const sql = await readFile(migrationsDir + name, 'utf8');
    const didApply = await db.transaction(async (tx) => {
      await tx.query('select pg_advisory_xact_lock($1)', [migrationLockKey]);
      const done = await tx.query('select 1 from schema_migrations where name = $1', [name]);
      if (done.rowCount > 0) return false;
      for (const statement of splitStatements(sql)) await tx.query(statement);
      await tx.query('insert into schema_migrations (name) values ($1)', [name]);
      return true;
    });
    if (didApply) applied.push(name);
  }
  return applied;
}

/** Our migrations hold no function bodies or quoted semicolons, so `;` at a line end ends a statement. */
function splitStatements(sql: string): string[] {
  return sql
    .replace(/--[^\n]*/g, '')
    .split(/;\s*$/m)
    .map((statement) => statement.trim())
    .filter(Boolean);
}

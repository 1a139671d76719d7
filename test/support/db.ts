import { randomBytes } from 'node:crypto';
import { openDb } from '../../src/db/open.ts';
import { openPostgres } from '../../src/db/postgres.ts';
import type { Db } from '../../src/db/port.ts';

/**
 * A fresh, migrated database for one test file: an in-memory PGlite by default, or a schema of its
 * own on the PostgreSQL server named by DATABASE_URL (dropped again by `drop`).
 */
export async function freshDb(): Promise<{ db: Db; schema?: string; drop(): Promise<void> }> {
  const url = process.env.DATABASE_URL;
  if (!url) {
    const db = await openDb({});
    return { db, drop: () => db.close() };
  }
  const schema = `t_${randomBytes(6).toString('hex')}`;
  const admin = await openPostgres({ url, poolSize: 1 });
  await admin.query(`create schema ${schema}`);
  const db = await openDb({ databaseUrl: url, schema, poolSize: 10 });
  return {
    db,
    schema,
    async drop() {
      await db.close();
      await admin.query(`drop schema ${schema} cascade`);
      await admin.close();
    },
  };
}

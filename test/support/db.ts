import { randomBytes } from 'node:crypto';
import { migrate } from '../../src/db/migrate.ts';
import { openPglite } from '../../src/db/pglite.ts';
import { openPostgres } from '../../src/db/postgres.ts';
import type { Db } from '../../src/db/port.ts';

/**
 * A fresh, migrated database for one test file: an in-memory PGlite by default, or a schema of its
 * own on the PostgreSQL server named by DATABASE_URL (dropped again by `drop`). `upTo` stops the
 * migrations after that file: an older version's schema, for upgrade tests.
 */
export async function freshDb(options: { upTo?: string } = {}): Promise<{ db: Db; schema?: string; drop(): Promise<void> }> {
  const url = process.env.DATABASE_URL;
  if (!url) {
    const db = await openPglite(undefined);
    await migrate(db, options.upTo);
    return { db, drop: () => db.close() };
  }
  const schema = `t_${randomBytes(6).toString('hex')}`;
  const admin = await openPostgres({ url, poolSize: 1 });
  await admin.query(`create schema ${schema}`);
  const db = await openPostgres({ url, schema, poolSize: 10 });
  await migrate(db, options.upTo);
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

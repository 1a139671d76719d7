import { mkdir } from 'node:fs/promises';
import { migrate } from './migrate.ts';
import { openPglite } from './pglite.ts';
import type { Db } from './port.ts';
import { openPostgres } from './postgres.ts';

export interface OpenDbOptions {
  /** postgres://… to use a server; otherwise the embedded database. */
  databaseUrl?: string;
  /** Where the embedded database keeps its files; undefined keeps it in memory (tests). */
  dataDir?: string;
  poolSize?: number;
  schema?: string;
}

/** Opens the database the configuration names and brings its schema up to date. */
export async function openDb(options: OpenDbOptions): Promise<Db> {
  let db: Db;
  if (options.databaseUrl) {
    db = await openPostgres({ url: options.databaseUrl, poolSize: options.poolSize, schema: options.schema });
  } else {
    if (options.dataDir) await mkdir(options.dataDir, { recursive: true });
    db = await openPglite(options.dataDir ? `${options.dataDir}/pgdata` : undefined);
  }
  await migrate(db);
  return db;
}

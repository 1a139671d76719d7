import { mkdir } from 'node:fs/promises';
import { lockDataDir } from './data-dir-lock.ts';
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
    db = await openEmbedded(options.dataDir);
  }
  try {
    await migrate(db);
  } catch (error) {
    await db.close();
    throw error;
  }
  return db;
}

/** PGlite in `dataDir` (in memory without one), held by this process alone until closed. */
async function openEmbedded(dataDir: string | undefined): Promise<Db> {
  if (!dataDir) return openPglite(undefined);
  await mkdir(dataDir, { recursive: true });
  const lock = await lockDataDir(dataDir);
  const db = await openPglite(`${dataDir}/pgdata`).catch(async (error: unknown) => {
    await lock.release();
    throw error;
  });
  return {
    ...db,
    async close() {
      try {
        await db.close();
      } finally {
        await lock.release();
      }
    },
  };
}

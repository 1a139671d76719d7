import { mkdir } from 'node:fs/promises';
import { lockDataDir } from './data-dir-lock.ts';
import { migrate } from './migrate.ts';
import type { Db } from './port.ts';

export interface OpenDbOptions {
  /** postgres://… to use a server; otherwise the embedded database. */
  databaseUrl?: string;
  /** Where the embedded database keeps its files; undefined keeps it in memory (tests). */
  dataDir?: string;
  poolSize?: number;
  schema?: string;
}

/**
 * Opens the database the configuration names and brings its schema up to date. Each driver is loaded
 * by the process that uses it: PGlite's (its WebAssembly build) or pg's, never both.
 */
export async function openDb(options: OpenDbOptions): Promise<Db> {
  let db: Db;
  if (options.databaseUrl) {
    const { openPostgres } = await import('./postgres.ts');
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
  const { openPglite } = await import('./pglite.ts');
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

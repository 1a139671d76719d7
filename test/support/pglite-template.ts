import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { PGlite } from '@electric-sql/pglite';
import type { TestProject } from 'vitest/node';
import { migrate } from '../../src/db/migrate.ts';
import { openPglite } from '../../src/db/pglite.ts';

/**
 * Vitest's global setup, once per run: on PGlite (no DATABASE_URL), one database created and
 * migrated by the real adapter and migrations, kept as a data dir and as PGlite's dump of it.
 * freshDb starts each in-memory database from the dump, and seededDataDir gives a process a copy
 * of the data dir, instead of each running initdb and every migration again (test/support/db.ts).
 */
declare module 'vitest' {
  export interface ProvidedContext {
    /** The migrated template: `dataDir` (PGlite's files) and `dump` (a tar of them), or nothing on a server. */
    pgliteTemplate: { dataDir: string; dump: string } | null;
  }
}

export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  if (process.env.DATABASE_URL) {
    project.provide('pgliteTemplate', null);
    return async () => undefined;
  }
  const root = await mkdtemp(path.join(tmpdir(), 'masspayout-template-'));
  const dataDir = path.join(root, 'pgdata');
  const db = await openPglite(dataDir);
  try {
    await migrate(db);
  } finally {
    await db.close();
  }
  // The dump is of the closed (checkpointed) data dir, read back by PGlite itself.
  const reader = await PGlite.create({ dataDir });
  const dump = path.join(root, 'pgdata.tar');
  try {
    await writeFile(dump, Buffer.from(await (await reader.dumpDataDir('none')).arrayBuffer()));
  } finally {
    await reader.close();
  }
  project.provide('pgliteTemplate', { dataDir, dump });
  return () => rm(root, { recursive: true, force: true });
}

import { createHash, randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdir, readdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { PGlite } from '@electric-sql/pglite';
import type { TestProject } from 'vitest/node';
import { migrate } from '../../src/db/migrate.ts';
import { openPglite } from '../../src/db/pglite.ts';

/**
 * Vitest's global setup, once per run: on PGlite (no DATABASE_URL), one database created and
 * migrated by the real adapter and migrations, kept as a data dir and as PGlite's dump of it.
 * freshDb starts each in-memory database from the dump, and seededDataDir gives a process a copy
 * of the data dir, instead of each running initdb and every migration again (test/support/db.ts).
 *
 * The template is kept between runs in node_modules/.cache/masspayout-pglite-template/<hash>, the
 * hash of everything it is made from (the migrations, the code that opens and migrates, PGlite's
 * version): building it is ~8 s of CPU before any test can start, and a checkout whose migrations
 * did not change gets the same database every time. A clean clone builds it once. It is built in a
 * temporary folder and renamed into place, so a run never sees a half-built one (two runs building
 * at once: the second rename loses, and that run uses the first one's).
 */
declare module 'vitest' {
  export interface ProvidedContext {
    /** The migrated template: `dataDir` (PGlite's files) and `dump` (a tar of them), or nothing on a server. */
    pgliteTemplate: { dataDir: string; dump: string } | null;
  }
}

const repoRoot = fileURLToPath(new URL('../../', import.meta.url));
const cacheRoot = path.join(repoRoot, 'node_modules', '.cache', 'masspayout-pglite-template');

export default async function setup(project: TestProject): Promise<void> {
  if (process.env.DATABASE_URL) {
    project.provide('pgliteTemplate', null);
    return;
  }
  const root = path.join(cacheRoot, await templateHash());
  if (!existsSync(root)) await build(root);
  project.provide('pgliteTemplate', { dataDir: path.join(root, 'pgdata'), dump: path.join(root, 'pgdata.tar') });
}

/** What the template is made from: a change to any of it is another template. */
async function templateHash(): Promise<string> {
  const hash = createHash('sha256');
  const migrations = path.join(repoRoot, 'src', 'db', 'migrations');
  const inputs = [
    ...(await readdir(migrations)).filter((name) => name.endsWith('.sql')).sort().map((name) => path.join(migrations, name)),
    path.join(repoRoot, 'src', 'db', 'migrate.ts'),
    path.join(repoRoot, 'src', 'db', 'pglite.ts'),
    path.join(repoRoot, 'node_modules', '@electric-sql', 'pglite', 'package.json'),
  ];
  for (const file of inputs) hash.update(path.relative(repoRoot, file)).update('\0').update(await readFile(file)).update('\0');
  return hash.digest('hex').slice(0, 16);
}

async function build(root: string): Promise<void> {
  await mkdir(cacheRoot, { recursive: true });
  const building = path.join(cacheRoot, `.building-${process.pid}-${randomBytes(4).toString('hex')}`);
  try {
    await mkdir(building);
    const dataDir = path.join(building, 'pgdata');
    const db = await openPglite(dataDir);
    try {
      await migrate(db);
    } finally {
      await db.close();
    }
    // The dump is of the closed (checkpointed) data dir, read back by PGlite itself.
    const reader = await PGlite.create({ dataDir });
    try {
      await writeFile(path.join(building, 'pgdata.tar'), Buffer.from(await (await reader.dumpDataDir('none')).arrayBuffer()));
    } finally {
      await reader.close();
    }
    await rename(building, root).catch((error: NodeJS.ErrnoException) => {
      // Another run put the same template there first: use that one.
      if (!existsSync(root)) throw error;
    });
  } finally {
    await rm(building, { recursive: true, force: true });
  }
  // Templates of other migrations (an older checkout's) are of no use any more.
  for (const entry of await readdir(cacheRoot)) {
    const at = path.join(cacheRoot, entry);
    if (at !== root && !entry.startsWith('.building-')) await rm(at, { recursive: true, force: true });
  }
}

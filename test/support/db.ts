import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { cp, readFile } from 'node:fs/promises';
import path from 'node:path';
import { inject } from 'vitest';
import { migrate } from '../../src/db/migrate.ts';
import { openPglite } from '../../src/db/pglite.ts';
import { openPostgres } from '../../src/db/postgres.ts';
import type { Db, Tx } from '../../src/db/port.ts';

/**
 * The one place tests get a database. In process: `freshDb` (what startTestService uses). For
 * processes the test starts (serve, worker, migrate): `installationDb`. On PGlite by default; on
 * the PostgreSQL server named by DATABASE_URL each gets a schema of its own, dropped again by `drop`.
 */

/**
 * A fresh, migrated database for one test file: an in-memory PGlite, or a schema of its own on the
 * server. `upTo` stops the migrations after that file: an older version's schema, for upgrade tests.
 * `drop` closes it first, unless the test closed it already (a database closed under the server).
 */
export async function freshDb(options: { upTo?: string } = {}): Promise<{ db: Db; schema?: string; drop(): Promise<void> }> {
  const url = process.env.DATABASE_URL;
  if (!url) {
    // From the run's migrated template (an older schema for `upTo` is built by migrating, as before).
    const db = onceClosed(await openPglite(undefined, { loadDataDir: options.upTo ? undefined : await templateDump() }));
    await migrate(db, options.upTo);
    return { db, drop: () => db.close() };
  }
  const schema = await freshSchema(url);
  const db = onceClosed(await openPostgres({ url, schema: schema.name, poolSize: 10 }));
  await migrate(db, options.upTo);
  return {
    db,
    schema: schema.name,
    async drop() {
      await db.close();
      await schema.drop();
    },
  };
}

/** Where the processes of one installation keep their data besides its data dir. */
export interface InstallationDb {
  /** What points a process at it: DATABASE_URL on a server; nothing on PGlite (the data dir holds it). */
  env: Record<string, string>;
  /** The test's own connection to it, on a server (the processes migrate it; the test only looks). */
  open(poolSize?: number): Promise<Db>;
  drop(): Promise<void>;
}

/**
 * On a server, an empty schema of its own and a URL whose connections use it (`options=-c
 * search_path=…`), so a child process is pointed at it with DATABASE_URL alone. `required` fails
 * without DATABASE_URL, for suites that only run on a server (several processes share the database).
 */
export async function installationDb(options: { required?: boolean } = {}): Promise<InstallationDb> {
  const server = process.env.DATABASE_URL;
  if (!server) {
    if (options.required) throw new Error('needs DATABASE_URL=postgres://…');
    return {
      env: {},
      open: () => Promise.reject(new Error('an embedded installation is one process: open it through its data dir')),
      drop: async () => undefined,
    };
  }
  const schema = await freshSchema(server);
  const url = `${server}${server.includes('?') ? '&' : '?'}options=${encodeURIComponent(`-c search_path=${schema.name}`)}`;
  const opened: Db[] = [];
  return {
    env: { DATABASE_URL: url },
    async open(poolSize = 2) {
      const db = onceClosed(await openPostgres({ url, poolSize }));
      opened.push(db);
      return db;
    },
    async drop() {
      for (const db of opened) await db.close();
      await schema.drop();
    },
  };
}

let dump: Promise<Blob> | undefined;
/** The template's dump (test/support/pglite-template.ts), read once per test file's process. */
function templateDump(): Promise<Blob | undefined> {
  const template = inject('pgliteTemplate');
  if (!template) return Promise.resolve(undefined);
  return (dump ??= readFile(template.dump).then((bytes) => new Blob([bytes])));
}

/**
 * On PGlite, `dataDir` gets a copy of the run's migrated, empty database: what a first start of
 * `serve` would leave there, for tests whose subject is not that first start (it costs an initdb and
 * every migration in the child). A start on it still runs migrate(), which finds nothing to do.
 * Nothing on a server, where the installation's schema is its database, nor in a data dir that
 * holds a database already.
 */
export async function seededDataDir(dataDir: string): Promise<void> {
  const template = inject('pgliteTemplate');
  const target = path.join(dataDir, 'pgdata');
  // A data dir that holds a database already (a restart) keeps it.
  if (process.env.DATABASE_URL || !template || existsSync(target)) return;
  await cp(template.dataDir, target, { recursive: true });
}

async function freshSchema(url: string): Promise<{ name: string; drop(): Promise<void> }> {
  const name = `t_${randomBytes(6).toString('hex')}`;
  const admin = await openPostgres({ url, poolSize: 1 });
  await admin.query(`create schema ${name}`);
  return {
    name,
    async drop() {
      await admin.query(`drop schema ${name} cascade`);
      await admin.close();
    },
  };
}

/** The same handle, whose close() may be called more than once (by the test, then by the clean-up). */
function onceClosed(db: Db): Db {
  let closing: Promise<void> | undefined;
  const close = db.close.bind(db);
  db.close = () => (closing ??= close());
  return db;
}

/** The same database, each transaction's handle passed through `wrap` (to pause, fault or record its statements). */
export function wrapTransactions(db: Db, wrap: (tx: Tx) => Tx): Db {
  return { kind: db.kind, query: (sql, params) => db.query(sql, params), transaction: (work) => db.transaction((tx) => work(wrap(tx))), close: () => db.close() };
}

/** The same database, except that its hand-over statement (PROCESSING → QUEUED) fails inside its transaction whenever it names a poisoned item id. */
export function poisonHandOver(db: Db, isPoisoned: (itemIds: bigint[]) => boolean): Db {
  return wrapTransactions(db, (tx) => ({
    query(sql, params) {
      const itemIds = (params ?? []).find((p): p is bigint[] => Array.isArray(p) && typeof p[0] === 'bigint');
      if (sql.includes('attempts = attempts + 1') && itemIds && isPoisoned(itemIds)) return Promise.reject(new Error('injected fault: this chunk cannot be handed over'));
      return tx.query(sql, params);
    },
  }));
}

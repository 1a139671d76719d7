import { randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';

/**
 * A database of its own for every run: a temporary data directory for the embedded database, or a
 * PostgreSQL database created for the run (`mp_bench_<hex>`) and dropped after it. A whole database
 * rather than a schema, because the service takes nothing but DATABASE_URL.
 */
export interface RunDatabase {
  kind: 'pglite' | 'postgres';
  /** What the service processes get: MASSPAYOUT_DATA_DIR and, on PostgreSQL, DATABASE_URL. */
  env: Record<string, string>;
  drop(): Promise<void>;
}

const pending = new Set<RunDatabase>();

export async function createRunDatabase(kind: 'pglite' | 'postgres', postgresUrl: string): Promise<RunDatabase> {
  const dataDir = await mkdtemp(join(tmpdir(), 'masspayout-bench-'));
  const removeDir = () => rm(dataDir, { recursive: true, force: true });
  if (kind === 'pglite') {
    const db: RunDatabase = { kind, env: { MASSPAYOUT_DATA_DIR: dataDir }, drop: async () => { pending.delete(db); await removeDir(); } };
    pending.add(db);
    return db;
  }
  const name = `mp_bench_${randomBytes(6).toString('hex')}`;
  await adminQuery(postgresUrl, `create database ${name}`);
  const url = new URL(postgresUrl);
  url.pathname = `/${name}`;
  const db: RunDatabase = {
    kind,
    env: { MASSPAYOUT_DATA_DIR: dataDir, DATABASE_URL: url.toString() },
    async drop() {
      pending.delete(db);
      // with (force): a worker killed mid-run may leave a connection the server has not noticed yet
      await adminQuery(postgresUrl, `drop database if exists ${name} with (force)`);
      await removeDir();
    },
  };
  pending.add(db);
  return db;
}

/** Drops whatever is still there (a run that failed half-way). */
export async function dropAll(): Promise<void> {
  await Promise.all([...pending].map((db) => db.drop().catch((error) => console.error(`bench: could not drop a run database: ${error.message}`))));
}

async function adminQuery(postgresUrl: string, sql: string): Promise<void> {
  const client = new pg.Client({ connectionString: postgresUrl });
  await client.connect();
  try {
    await client.query(sql);
  } finally {
    await client.end();
  }
}

import { randomBytes } from 'node:crypto';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
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
  /**
   * CPU seconds the PostgreSQL server spent for this database (its backends, sampled every 250 ms, so
   * a backend the pool closed still counts up to its last sample); 0 on the embedded database, whose
   * work is inside serve. With serve's own CPU it gives a cost per figure that a busy machine does not
   * inflate the way it inflates wall time.
   */
  serverCpuSeconds(): Promise<number>;
  drop(): Promise<void>;
}

const pending = new Set<RunDatabase>();

export async function createRunDatabase(kind: 'pglite' | 'postgres', postgresUrl: string): Promise<RunDatabase> {
  const dataDir = await mkdtemp(join(tmpdir(), 'masspayout-bench-'));
  const removeDir = () => rm(dataDir, { recursive: true, force: true });
  if (kind === 'pglite') {
    const db: RunDatabase = {
      kind,
      env: { MASSPAYOUT_DATA_DIR: dataDir },
      serverCpuSeconds: async () => 0,
      drop: async () => {
        pending.delete(db);
        await removeDir();
      },
    };
    pending.add(db);
    return db;
  }
  const name = `mp_bench_${randomBytes(6).toString('hex')}`;
  await adminQuery(postgresUrl, `create database ${name}`);
  // BENCH_PG_LOG_STATEMENTS=1: every statement of the run's database goes to the server log with its
  // duration (log_min_duration_statement = 0, set on this database only), for profiling; without its
  // parameters, whose 10,000-element arrays would fill the log and slow the run being profiled.
  if (process.env.BENCH_PG_LOG_STATEMENTS === '1') {
    await adminQuery(postgresUrl, `alter database ${name} set log_min_duration_statement = 0`);
    await adminQuery(postgresUrl, `alter database ${name} set log_parameter_max_length = 0`);
  }
  const url = new URL(postgresUrl);
  url.pathname = `/${name}`;
  const cpu = backendCpu(postgresUrl, name);
  const db: RunDatabase = {
    kind,
    env: { MASSPAYOUT_DATA_DIR: dataDir, DATABASE_URL: url.toString() },
    serverCpuSeconds: cpu.total,
    async drop() {
      pending.delete(db);
      await cpu.stop();
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

/** Samples the CPU ticks of every backend connected to `database` (Linux /proc; the server runs on this machine). */
function backendCpu(postgresUrl: string, database: string): { total(): Promise<number>; stop(): Promise<void> } {
  const ticks = new Map<number, number>();
  const client = new pg.Client({ connectionString: postgresUrl });
  const connected = client.connect();
  let stopped = false;
  const sample = async () => {
    await connected;
    const backends = await client.query<{ pid: number }>('select pid from pg_stat_activity where datname = $1', [database]);
    await Promise.all(
      backends.rows.map(async ({ pid }) => {
        try {
          const stat = await readFile(`/proc/${pid}/stat`, 'utf8');
          const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
          ticks.set(pid, Math.max(ticks.get(pid) ?? 0, Number(fields[11]) + Number(fields[12])));
        } catch {
          // the backend ended between the two reads
        }
      }),
    );
  };
  const loop = (async () => {
    while (!stopped) {
      await sample().catch(() => undefined);
      await sleep(250);
    }
  })();
  return {
    async total() {
      await sample().catch(() => undefined);
      return [...ticks.values()].reduce((sum, t) => sum + t, 0) / 100;
    },
    async stop() {
      stopped = true;
      await loop;
      await client.end().catch(() => undefined);
    },
  };
}

/**
 * How many of the items' row updates were HOT (the new version on the same page, no new index
 * entries), as the server's statistics have them. A backend may hold back its last counts for up
 * to 10 s, but reports them when it ends: read this once the service's processes have stopped (it
 * waits for their backends to go). Undefined on PGlite, whose database lives inside serve.
 */
export async function itemUpdateCounts(databaseEnv: Record<string, string>): Promise<{ updates: number; hot: number } | undefined> {
  if (!databaseEnv.DATABASE_URL) return undefined;
  const client = new pg.Client({ connectionString: databaseEnv.DATABASE_URL });
  await client.connect();
  try {
    for (let waited = 0; waited < 5_000; waited += 100) {
      const others = await client.query(`select 1 from pg_stat_activity where datname = current_database() and pid <> pg_backend_pid()`);
      if (others.rowCount === 0) break;
      await sleep(100);
    }
    const { rows } = await client.query<{ updates: string; hot: string }>(
      `select n_tup_upd as updates, n_tup_hot_upd as hot from pg_stat_user_tables where relid = 'items'::regclass`,
    );
    return rows[0] ? { updates: Number(rows[0].updates), hot: Number(rows[0].hot) } : undefined;
  } finally {
    await client.end();
  }
}

/** Where the server's write-ahead log is and how many checkpoints it has made (the whole server's: on a shared one, other databases' too). */
export interface WalPosition {
  bytes: number;
  checkpointsRequested: number;
  checkpointsTimed: number;
}

/** The server's WAL position and checkpoint counts; undefined on PGlite. Two of them apart say what a run wrote (walBetween). */
export async function walPosition(databaseEnv: Record<string, string>): Promise<WalPosition | undefined> {
  if (!databaseEnv.DATABASE_URL) return undefined;
  const client = new pg.Client({ connectionString: databaseEnv.DATABASE_URL });
  await client.connect();
  try {
    const { rows } = await client.query<{ bytes: string; requested: string; timed: string }>(
      `select pg_wal_lsn_diff(pg_current_wal_lsn(), '0/0')::bigint as bytes, checkpoints_req as requested, checkpoints_timed as timed from pg_stat_bgwriter`,
    );
    return { bytes: Number(rows[0].bytes), checkpointsRequested: Number(rows[0].requested), checkpointsTimed: Number(rows[0].timed) };
  } finally {
    await client.end();
  }
}

/** What the server wrote between two positions: WAL in MB and the checkpoints it made. */
export function walBetween(before: WalPosition | undefined, after: WalPosition | undefined): { walMB: number; checkpointsRequested: number; checkpointsTimed: number } | undefined {
  if (!before || !after) return undefined;
  return {
    walMB: (after.bytes - before.bytes) / 2 ** 20,
    checkpointsRequested: after.checkpointsRequested - before.checkpointsRequested,
    checkpointsTimed: after.checkpointsTimed - before.checkpointsTimed,
  };
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

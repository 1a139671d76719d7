import { PGlite, types } from '@electric-sql/pglite';
import { limits } from '../limits.ts';
import type { Db, QueryResult, Tx } from './port.ts';

const bigintParsers = {
  [types.INT8]: (value: string) => BigInt(value),
  1016: (value: string) => types.arrayParser(value, (v: string) => BigInt(v), types.INT8),
};

/**
 * PostgreSQL's buffer cache lives in this process's WebAssembly memory, which never shrinks. The
 * default 128 MB made a 100,000-item init peak at ~670 MB RSS; 16 MB takes ~120 MB off that peak
 * (and off every start) without slowing init: pages it evicts go to the data dir's files, which
 * the operating system caches anyway.
 */
const memoryParams = ['-c', 'shared_buffers=16MB'];

/**
 * WAL segments a checkpoint keeps for reuse are sized from the distance between checkpoints, up to
 * max_wal_size (1 GB by default): with 64 MB the data dir's pg_wal stays ≈ 64 MB however much a
 * batch writes, as long as checkpoints come (scheduleCheckpoints).
 */
const walParams = ['-c', 'max_wal_size=64MB', '-c', 'min_wal_size=32MB'];

/**
 * Checkpoints once the WAL written since the last one passes limits.embeddedCheckpointWalBytes,
 * looked at every `checkMs`. A checkpoint takes ~10–100 ms and waits, as any query, for a
 * transaction in progress. A failed check is tried again next time. Unref'd; stops at close.
 */
function scheduleCheckpoints(pg: PGlite, checkMs: number): () => void {
  let running = false;
  const timer = setInterval(() => {
    if (running || pg.closed) return;
    running = true;
    pg.query<{ written: string }>(`select pg_wal_lsn_diff(pg_current_wal_insert_lsn(), redo_lsn)::text as written from pg_control_checkpoint()`)
      .then(async (result) => {
        if (Number(result.rows[0]?.written ?? 0) > limits.embeddedCheckpointWalBytes) await pg.query('checkpoint');
      })
      .catch(() => undefined)
      .finally(() => {
        running = false;
      });
  }, checkMs);
  timer.unref();
  return () => clearInterval(timer);
}

/**
 * PGlite's errors carry the failed statement and its parameters (`query`, `params`), and a logger
 * prints every field of an error: parameters are api keys, sealed secrets, IBANs. They go here.
 */
function withoutStatement(error: unknown): never {
  if (error && typeof error === 'object') {
    for (const field of ['query', 'params', 'queryOptions']) delete (error as Record<string, unknown>)[field];
  }
  throw error;
}

/**
 * Embedded PostgreSQL in this process. PGlite is a single session: its own mutex serialises a
 * transaction against every other query, so awaiting the outer handle inside `transaction` deadlocks.
 * `loadDataDir` (a tar PGlite's dumpDataDir wrote) starts from that database instead of running initdb.
 */
export async function openPglite(dataDir: string | undefined, options: { checkpointCheckMs?: number; loadDataDir?: Blob } = {}): Promise<Db> {
  const pg = await PGlite.create({ dataDir, loadDataDir: options.loadDataDir, parsers: bigintParsers, startParams: [...PGlite.defaultStartParams, ...memoryParams, ...walParams] });
  const stopCheckpoints = scheduleCheckpoints(pg, options.checkpointCheckMs ?? limits.embeddedCheckpointCheckMs);
  const wrap = (q: { query: PGlite['query'] }): Tx => ({
    async query<Row>(sql: string, params: readonly unknown[] = []): Promise<QueryResult<Row>> {
      const result = await q.query<Row>(sql, params as unknown[]).catch(withoutStatement);
      // PGlite reports affectedRows 0 for a SELECT; pg's rowCount counts the rows returned. Both
      // adapters must agree (migrate.ts reads `select … rowCount` to skip applied migrations).
      return { rows: result.rows, rowCount: Math.max(result.affectedRows ?? 0, result.rows.length) };
    },
  });
  // PGlite's COPY reads a file: /dev/blob is the device that serves the blob passed with the query.
  const wrapTransaction = (q: { query: PGlite['query'] }): Tx => ({
    ...wrap(q),
    async copyFrom(table, columns, rows) {
      const pieces: Uint8Array<ArrayBuffer>[] = [];
      for await (const piece of rows) pieces.push(piece as Uint8Array<ArrayBuffer>);
      const blob = new Blob(pieces);
      const result = await q.query(`copy ${table} (${columns.join(', ')}) from '/dev/blob'`, [], { blob }).catch(withoutStatement);
      return result.affectedRows ?? 0;
    },
  });
  const outer = wrap(pg);
  return {
    kind: 'pglite',
    query: outer.query,
    transaction: (work) => pg.transaction((tx) => work(wrapTransaction(tx))),
    close: async () => {
      stopCheckpoints();
      await pg.close();
    },
  };
}

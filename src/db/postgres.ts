import { once } from 'node:events';
import { finished } from 'node:stream/promises';
import pg from 'pg';
import { from as copyFromStdin } from 'pg-copy-streams';
import { parse as parseArray } from 'postgres-array';
import { limits } from '../limits.ts';
import { inlineParameters } from './inline-parameters.ts';
import type { Db, QueryOptions, QueryResult, Tx } from './port.ts';
import { classifyDatabaseError } from './unavailable.ts';

pg.types.setTypeParser(20, (value: string) => BigInt(value));
pg.types.setTypeParser(1016 as never, (value: string) => parseArray(value, (v) => BigInt(v)));

export interface PostgresOptions {
  url: string;
  poolSize?: number;
  /** Every connection of this pool uses this schema first (tests isolate themselves this way). */
  schema?: string;
}

function openPool(options: PostgresOptions, max: number): pg.Pool {
  const pool = new pg.Pool({
    connectionString: options.url,
    max,
    options: options.schema ? `-c search_path=${options.schema}` : undefined,
    statement_timeout: limits.databaseStatementTimeoutMs,
    connectionTimeoutMillis: limits.databaseConnectTimeoutMs,
  });
  // An idle client that loses its server must not crash the process; the next query reconnects.
  pool.on('error', (error) => console.error(`postgres: an idle connection was lost (${error.message}); the next query opens a new one`));
  // And a client between the pool's hands and ours (checked out, its query done, not yet released)
  // has no listener of either: every client gets one of its own for its whole life. A query in
  // flight still rejects with the error; this only keeps the event from ending the process.
  pool.on('connect', (client) => client.on('error', () => undefined));
  return pool;
}

export async function openPostgres(options: PostgresOptions): Promise<Db> {
  const pool = openPool(options, options.poolSize ?? 10);
  // Connections of their own whose sessions run with synchronous_commit off (see Db.queryUnflushed),
  // so no statement of the main pool ever commits without its flush. The SET is queued on a new
  // connection before the statement that opened it (pg runs a client's queries in order); were it
  // to fail, the session would keep flushing, the safe side. pg opens these connections only when
  // the first such statement comes: a process that never asks (a worker) has none.
  const unflushedPool = openPool(options, Math.min(options.poolSize ?? 10, limits.databaseUnflushedConnectionsMax));
  unflushedPool.on('connect', (client) => {
    client.query('set synchronous_commit = off').catch(() => undefined);
  });
  const wrap = (client: pg.Pool | pg.PoolClient): Tx => ({
    async query<Row>(sql: string, params: readonly unknown[] = [], queryOptions?: QueryOptions): Promise<QueryResult<Row>> {
      const values = params as unknown[];
      const config = queryOptions?.prepareAs ? { name: queryOptions.prepareAs, text: sql, values } : { text: sql, values };
      const result = await client.query(config).catch(classifyDatabaseError);
      return { rows: result.rows as Row[], rowCount: result.rowCount ?? 0 };
    },
  });
  // COPY needs one connection for the whole statement: only a transaction's client offers it. A piece
  // is made only when the socket has room for it, so the server copies while the next one is made.
  const wrapClient = (client: pg.PoolClient): Tx => ({
    ...wrap(client),
    // One simple query of several statements: the server runs them one after another and stops at
    // the first error, answering once for all of them.
    async queryAll(statements) {
      if (statements.length === 0) return [];
      const result: pg.QueryResult | pg.QueryResult[] = await client.query(statements.map(inlineParameters).join(';\n')).catch(classifyDatabaseError);
      return (Array.isArray(result) ? result : [result]).map((r) => ({ rows: r.rows, rowCount: r.rowCount ?? 0 }));
    },
    async copyFrom(table, columns, rows) {
      const stream = client.query(copyFromStdin(`copy ${table} (${columns.join(', ')}) from stdin`));
      try {
        for await (const piece of rows) {
          // once() rejects if the stream fails first (the server refused a row): no wait for ever.
          if (!stream.write(piece)) await once(stream, 'drain');
        }
      } catch (error) {
        // Making a piece failed: end the COPY (CopyFail) or the connection stays in it and the
        // transaction's rollback would queue behind it for ever.
        stream.destroy(error as Error);
        await finished(stream).catch(() => undefined);
        throw error;
      }
      stream.end();
      await finished(stream);
      return stream.rowCount;
    },
  });
  const outer = wrap(pool);
  return {
    kind: 'postgres',
    query: outer.query,
    queryUnflushed: wrap(unflushedPool).query,
    async transaction(work) {
      const client = await pool.connect().catch(classifyDatabaseError);
      // A checked-out client has no listener of the pool's: without this one, a connection cut under
      // the transaction (a server restart, pg_terminate_backend) is an unhandled 'error' event that
      // ends the process. The query in flight rejects on its own; the client is then thrown away.
      let lost: Error | undefined;
      const onError = (error: Error) => {
        lost = error;
      };
      client.on('error', onError);
      try {
        await client.query('begin').catch(classifyDatabaseError);
        const result = await work(wrapClient(client));
        await client.query('commit').catch(classifyDatabaseError);
        return result;
      } catch (error) {
        if (!lost) await client.query('rollback').catch((rollbackError: Error) => (lost = rollbackError));
        throw error;
      } finally {
        client.removeListener('error', onError);
        // A client whose connection failed is destroyed, not handed to the next transaction.
        client.release(lost);
      }
    },
    close: async () => {
      await Promise.all([pool.end(), unflushedPool.end()]);
    },
    poolStats: () => ({ max: pool.options.max, total: pool.totalCount, idle: pool.idleCount, waiting: pool.waitingCount }),
  };
}

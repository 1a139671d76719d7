import { PGlite, types } from '@electric-sql/pglite';
import type { Db, QueryResult, Tx } from './port.ts';

const bigintParsers = {
  [types.INT8]: (value: string) => BigInt(value),
  1016: (value: string) => types.arrayParser(value, (v: string) => BigInt(v), types.INT8),
};

/**
 * Embedded PostgreSQL in this process. PGlite is a single session: its own mutex serialises a
 * transaction against every other query, so awaiting the outer handle inside `transaction` deadlocks.
 */
export async function openPglite(dataDir: string | undefined): Promise<Db> {
  const pg = await PGlite.create({ dataDir, parsers: bigintParsers });
  const wrap = (q: { query: PGlite['query'] }): Tx => ({
    async query<Row>(sql: string, params: readonly unknown[] = []): Promise<QueryResult<Row>> {
      const result = await q.query<Row>(sql, params as unknown[]);
      return { rows: result.rows, rowCount: result.affectedRows ?? result.rows.length };
    },
  });
  const outer = wrap(pg);
  return {
    kind: 'pglite',
    query: outer.query,
    transaction: (work) => pg.transaction((tx) => work(wrap(tx))),
    close: () => pg.close(),
  };
}

/**
 * The one database port the domain code talks to. The same parameterised SQL runs on PGlite (embedded)
 * and on a PostgreSQL server; `int8` comes back as `bigint` on both.
 */
export interface QueryResult<Row> {
  rows: Row[];
  rowCount: number;
}

export interface QueryOptions {
  /**
   * Prepare the statement under this name once per connection and reuse it (a PostgreSQL server
   * then skips parsing and, once its plan is generic, planning): for the hot reads. One name, one
   * constant text: a name given to two texts is a fault. PGlite, in process, ignores it.
   */
  prepareAs?: string;
}

/** One parameterised statement, for queryAll. */
export interface Statement {
  sql: string;
  params?: readonly unknown[];
}

export interface Queryable {
  query<Row = Record<string, unknown>>(sql: string, params?: readonly unknown[], options?: QueryOptions): Promise<QueryResult<Row>>;
  /**
   * Runs these statements in this order as ONE round trip to a server, and resolves to their results.
   * The first one that fails rejects, and the ones after it do not run (in a transaction: it is
   * aborted, as by any failed statement). For a transaction's steps under locks others wait for,
   * which then never wait for this process between two statements. Only a transaction handle of
   * the server adapter has it; db/steps.ts runs the statements one by one elsewhere.
   */
  queryAll?(statements: readonly Statement[]): Promise<QueryResult<Record<string, unknown>>[]>;
  /**
   * COPY `table (columns)` FROM `rows`: pieces in COPY's text format (src/db/copy-text.ts), taken one
   * at a time, so that a server can copy a piece while the next is made (or arrives: `rows` may be
   * asynchronous, as the items of a streamed init are). Resolves to the number of
   * rows copied. Only a transaction handle of either adapter has it; a wrapper that passes queries
   * through (tests) may not, and callers then fall back to an INSERT.
   */
  copyFrom?(table: string, columns: readonly string[], rows: Iterable<Buffer> | AsyncIterable<Buffer>): Promise<number>;
}

/** A transaction handle. Domain code receives it and never reaches for the outer pool inside it. */
export type Tx = Queryable;

export interface Db extends Queryable {
  readonly kind: 'pglite' | 'postgres';
  /**
   * One statement in a transaction of its own whose commit does not wait for its WAL to reach disk
   * (synchronous_commit off on a PostgreSQL server): only for a row that may be lost in the last
   * moments before a crash (the replay keys: merchant-auth.ts says why that is safe). Absent: use query.
   */
  queryUnflushed?<Row = Record<string, unknown>>(sql: string, params?: readonly unknown[], options?: QueryOptions): Promise<QueryResult<Row>>;
  /** Runs `work` in one transaction: committed if it resolves, rolled back if it throws. */
  transaction<T>(work: (tx: Tx) => Promise<T>): Promise<T>;
  close(): Promise<void>;
  /** A server pool's connections (for /metrics); PGlite is one in-process session and has none. */
  poolStats?(): PoolStats;
}

export interface PoolStats {
  max: number;
  total: number;
  idle: number;
  waiting: number;
}

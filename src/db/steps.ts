import type { QueryResult, Statement, Tx } from './port.ts';

/**
 * A statement and what its result means: how a module that owns a state change offers it to a
 * transaction that runs it with others in one round trip (runSteps), its SQL and its checks kept
 * in that module.
 */
export interface Step<T> {
  /** Absent for a step with nothing to do this time (noStep). */
  statement?: Statement;
  /** Reads (and checks) the statement's result. Throws when the result breaks an invariant. */
  read(result: QueryResult<Record<string, unknown>>): T;
}

/** A step that sends nothing and reads as `value`: for a change with nothing to change this time. */
export function noStep<T>(value: T): Step<T> {
  return { read: () => value };
}

const nothing: QueryResult<Record<string, unknown>> = { rows: [], rowCount: 0 };

type Results<Steps extends readonly Step<unknown>[]> = { [K in keyof Steps]: Steps[K] extends Step<infer T> ? T : never };

/** Runs one step. */
export async function runStep<T>(tx: Tx, step: Step<T>): Promise<T> {
  return step.read(step.statement ? await tx.query(step.statement.sql, step.statement.params) : nothing);
}

/**
 * Runs these steps in order, in one round trip where the handle can (Queryable.queryAll), else one
 * by one (PGlite, in process, has no round trips to save), and reads their results in order.
 */
export async function runSteps<const Steps extends readonly Step<unknown>[]>(tx: Tx, steps: Steps): Promise<Results<Steps>> {
  const statements = steps.flatMap((step) => (step.statement ? [step.statement] : []));
  const results: QueryResult<Record<string, unknown>>[] = [];
  if (tx.queryAll) results.push(...(await tx.queryAll(statements)));
  else for (const { sql, params } of statements) results.push(await tx.query(sql, params));
  let next = 0;
  return steps.map((step) => step.read(step.statement ? results[next++] : nothing)) as Results<Steps>;
}

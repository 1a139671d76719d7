/**
 * A fault of the database connection, not of the statement: the server is down, restarting, out of
 * connections, or the connection was cut (a restart, `pg_terminate_backend`, a network drop). Retrying
 * later can help; the HTTP edge answers 503 with Retry-After, workers back off and retry the chunk.
 */
export class DatabaseUnavailableError extends Error {
  constructor(readonly cause: unknown) {
    super(`database unavailable: ${cause instanceof Error ? cause.message : String(cause)}`);
    this.name = 'DatabaseUnavailableError';
  }
}

/** Node's socket errors seen when a server goes away or is not there. */
const socketCodes = new Set(['ECONNREFUSED', 'ECONNRESET', 'EPIPE', 'ETIMEDOUT', 'EHOSTUNREACH', 'ENETUNREACH', 'ENOTFOUND', 'EAI_AGAIN']);

/**
 * SQLSTATEs that mean the connection, not the query: class 08 (connection exception), 57P01–57P03
 * (the server shuts down or is starting), 53300 (too many connections).
 */
function isConnectionState(code: string): boolean {
  return code.startsWith('08') || code === '57P01' || code === '57P02' || code === '57P03' || code === '53300';
}

/** Whether `error` says the database could not be reached (as opposed to a query it refused). */
export function isConnectionFault(error: unknown): boolean {
  if (error instanceof DatabaseUnavailableError) return true;
  if (!(error instanceof Error)) return false;
  const code = (error as { code?: unknown }).code;
  if (typeof code === 'string' && (socketCodes.has(code) || isConnectionState(code))) return true;
  // pg's own words for a connection that ended under a query or before one could start.
  return /Connection terminated|connection timeout|Client has encountered a connection error|terminating connection/i.test(error.message);
}

/** Rethrows a connection fault as a DatabaseUnavailableError; anything else as it was. */
export function classifyDatabaseError(error: unknown): never {
  throw isConnectionFault(error) && !(error instanceof DatabaseUnavailableError) ? new DatabaseUnavailableError(error) : error;
}

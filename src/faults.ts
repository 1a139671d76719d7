/**
 * Faults: errors of ours or of what we depend on, as opposed to domain outcomes (values) and client
 * mistakes (the catalogue). Each says whether trying again can help; a chunk that fails with one
 * that cannot is parked at once, the others count towards its retry cap (limits.chunkFailuresMax).
 */
export class Fault extends Error {
  constructor(
    message: string,
    readonly retryable: boolean,
  ) {
    super(message);
    this.name = 'Fault';
  }
}

/** A broken invariant: a bug of ours. Retrying the same work meets it again. */
export class InvariantError extends Fault {
  constructor(message: string) {
    super(message, false);
    this.name = 'InvariantError';
  }
}

/** Throws an InvariantError unless `condition` holds. */
export function invariant(condition: unknown, message: string): asserts condition {
  if (!condition) throw new InvariantError(message);
}

/**
 * Whether a retry can help: a Fault says so itself; anything else (a lost connection, a deadlock,
 * a timeout, an error nobody classified) may pass, and counts towards the cap.
 */
export function isRetryable(error: unknown): boolean {
  return error instanceof Fault ? error.retryable : true;
}

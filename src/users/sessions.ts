import { createHash, randomBytes } from 'node:crypto';
import type { Db } from '../db/port.ts';
import { limits } from '../limits.ts';

export interface Session {
  /** Undefined: the operator's session (signed in with the admin token). */
  userId?: bigint;
  /** Sent back with every form (a hidden field) and compared: a cross-site form cannot know it. */
  csrfToken: string;
}

const hashOf = (token: string) => createHash('sha256').update(token).digest('hex');

/** A new session; the token goes into the cookie, only its hash into the database. */
export async function openSession(db: Db, userId: bigint | undefined): Promise<{ token: string; session: Session }> {
  const token = randomBytes(32).toString('base64url');
  const csrfToken = randomBytes(24).toString('base64url');
  await db.query(`insert into console_sessions (token_hash, user_id, csrf_token, expires_at) values ($1, $2, $3, now() + make_interval(secs => $4))`, [
    hashOf(token),
    userId ?? null,
    csrfToken,
    limits.consoleSessionMs / 1000,
  ]);
  // Expired sessions of anyone are forgotten here: sign-ins are rare, so this costs nothing.
  await db.query('delete from console_sessions where expires_at < now()');
  return { token, session: { userId, csrfToken } };
}

export async function findSession(db: Db, token: string): Promise<Session | undefined> {
  const found = await db.query<{ user_id: bigint | null; csrf_token: string }>(
    'select user_id, csrf_token from console_sessions where token_hash = $1 and expires_at > now()',
    [hashOf(token)],
  );
  const row = found.rows[0];
  return row && { userId: row.user_id ?? undefined, csrfToken: row.csrf_token };
}

export async function closeSession(db: Db, token: string): Promise<void> {
  await db.query('delete from console_sessions where token_hash = $1', [hashOf(token)]);
}

import { appendAudit } from '../audit/transaction-events.ts';
import type { Queryable, Tx } from '../db/port.ts';
import type { SecretBox } from '../merchants/secret-box.ts';
import { hashPassword } from './passwords.ts';
import type { Role } from './roles.ts';
import { newTotpSecret, totpUri } from './totp.ts';

export interface ConsoleUser {
  id: bigint;
  merchantId: bigint;
  email: string;
  role: Role;
}

export interface NewUser extends ConsoleUser {
  /** Shown once, to be put into an authenticator app. */
  totpSecret: string;
  totpUri: string;
}

export const emailPattern = /^[^\s@]{1,64}@[^\s@]{1,189}\.[^\s@]{2,}$/;

/** Creates a user for a merchant (the operator does it), with a TOTP secret of its own. */
export async function createUser(tx: Tx, box: SecretBox, input: { merchantId: bigint; email: string; role: Role; password: string }): Promise<NewUser | 'EMAIL_TAKEN'> {
  const email = input.email.trim().toLowerCase();
  const taken = await tx.query('select 1 from console_users where email = $1', [email]);
  if (taken.rowCount > 0) return 'EMAIL_TAKEN';
  const totpSecret = newTotpSecret();
  const created = await tx.query<{ id: bigint }>(
    `insert into console_users (merchant_id, email, role, password_hash, totp_secret_sealed) values ($1, $2, $3, $4, $5) returning id`,
    [input.merchantId, email, input.role, await hashPassword(input.password), box.seal(totpSecret)],
  );
  const id = created.rows[0].id;
  await appendAudit(tx, { chainId: input.merchantId, actor: 'admin' }, [{ action: 'user.created', entity: `user:${id}`, after: { email, role: input.role } }]);
  return { id, merchantId: input.merchantId, email, role: input.role, totpSecret, totpUri: totpUri(totpSecret, email) };
}

interface UserRow {
  id: bigint;
  merchant_id: bigint;
  email: string;
  role: Role;
}

const fromRow = (row: UserRow): ConsoleUser => ({ id: row.id, merchantId: row.merchant_id, email: row.email, role: row.role });

export async function userById(db: Queryable, id: bigint): Promise<ConsoleUser | undefined> {
  const found = await db.query<UserRow>('select id, merchant_id, email, role from console_users where id = $1', [id]);
  return found.rows[0] && fromRow(found.rows[0]);
}

export async function usersOfMerchant(db: Queryable, merchantId: bigint): Promise<(ConsoleUser & { lockedUntil: Date | null })[]> {
  const found = await db.query<UserRow & { locked_until: Date | null }>(
    'select id, merchant_id, email, role, locked_until from console_users where merchant_id = $1 order by id',
    [merchantId],
  );
  return found.rows.map((row) => ({ ...fromRow(row), lockedUntil: row.locked_until }));
}

/** The audit actor that names a user. */
export const actorOf = (user: ConsoleUser) => `user:${user.email}` as const;

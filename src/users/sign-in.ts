import type { Db } from '../db/port.ts';
import { limits } from '../limits.ts';
import type { SecretBox } from '../merchants/secret-box.ts';
import { verifyPassword } from './passwords.ts';
import { totpStep } from './totp.ts';
import type { ConsoleUser } from './users.ts';

export type SignInOutcome = { ok: true; user: ConsoleUser } | { ok: false; reason: 'REFUSED' | 'LOCKED' };

/** A hash to compare against when the email is unknown, so both cases take scrypt's time. */
const decoy = 'scrypt$32768$8$AAAAAAAAAAAAAAAAAAAAAA$AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA';

/**
 * Email, password and the current TOTP code, all three or nothing. Each failure counts; after
 * consoleSignInFailuresMax in a row the user is locked for consoleLockoutMs, during which even the
 * right credentials are refused. The answer never says which of the three was wrong.
 */
export async function signIn(db: Db, box: SecretBox, input: { email: string; password: string; code: string }): Promise<SignInOutcome> {
  const email = input.email.trim().toLowerCase();
  const found = await db.query<{ id: bigint; merchant_id: bigint; email: string; role: ConsoleUser['role']; password_hash: string; totp_secret_sealed: string; totp_last_step: bigint; locked: boolean }>(
    `select id, merchant_id, email, role, password_hash, totp_secret_sealed, totp_last_step, coalesce(locked_until > now(), false) as locked
     from console_users where email = $1`,
    [email],
  );
  const row = found.rows[0];
  const passwordOk = await verifyPassword(input.password, row?.password_hash ?? decoy);
  if (!row) return { ok: false, reason: 'REFUSED' };
  if (row.locked) return { ok: false, reason: 'LOCKED' };
  const step = passwordOk ? await totpStep(box.open(row.totp_secret_sealed), input.code.trim()) : undefined;
  // A step already used is a replayed code: refused like a wrong one. The guarded UPDATE makes two
  // sign-ins racing with one code succeed once.
  const accepted =
    step !== undefined &&
    (await db.query(`update console_users set totp_last_step = $2, failed_sign_ins = 0, locked_until = null where id = $1 and totp_last_step < $2`, [row.id, step]))
      .rowCount === 1;
  if (accepted) return { ok: true, user: { id: row.id, merchantId: row.merchant_id, email: row.email, role: row.role } };
  const counted = await db.query<{ locked: boolean }>(
    `update console_users
       set failed_sign_ins = case when failed_sign_ins + 1 >= $2 then 0 else failed_sign_ins + 1 end,
           locked_until = case when failed_sign_ins + 1 >= $2 then now() + make_interval(secs => $3) else locked_until end
     where id = $1 returning locked_until is not null and locked_until > now() as locked`,
    [row.id, limits.consoleSignInFailuresMax, limits.consoleLockoutMs / 1000],
  );
  return { ok: false, reason: counted.rows[0]?.locked ? 'LOCKED' : 'REFUSED' };
}

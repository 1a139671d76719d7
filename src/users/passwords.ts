import { randomBytes, scrypt, timingSafeEqual, type ScryptOptions } from 'node:crypto';
import { limits } from '../limits.ts';

/**
 * Passwords are stored as scrypt hashes (node's crypto.scrypt: memory-hard, no native addon).
 * N = 2^15, r = 8: 32 MiB and ~60 ms per hash on these 2-core machines, so guessing a stolen hash
 * costs as much memory as time. The parameters live in the stored string, so they can grow later.
 */
const cost = { N: 2 ** 15, r: 8, p: 1 } as const;
const keyBytes = 32;

function derive(password: string, salt: Buffer, options: ScryptOptions): Promise<Buffer> {
  return new Promise((resolve, reject) =>
    scrypt(password.normalize('NFKC'), salt, keyBytes, { ...options, maxmem: 128 * options.N! * options.r! * 2 }, (error, key) => (error ? reject(error) : resolve(key))),
  );
}

export async function hashPassword(password: string): Promise<string> {
  const salt = randomBytes(16);
  const key = await derive(password, salt, cost);
  return ['scrypt', cost.N, cost.r, cost.p, salt.toString('base64url'), key.toString('base64url')].join('$');
}

export async function verifyPassword(password: string, stored: string): Promise<boolean> {
  const [scheme, n, r, p, salt, key] = stored.split('$');
  if (scheme !== 'scrypt' || !salt || !key) return false;
  const expected = Buffer.from(key, 'base64url');
  const actual = await derive(password, Buffer.from(salt, 'base64url'), { N: Number(n), r: Number(r), p: Number(p) });
  return actual.length === expected.length && timingSafeEqual(actual, expected);
}

/** What a new password must be: long enough to resist guessing, short enough to hash quickly. */
export function passwordProblem(password: string): string | undefined {
  if (password.length < limits.consolePasswordCharsMin) return `at least ${limits.consolePasswordCharsMin} characters`;
  if (password.length > limits.consolePasswordCharsMax) return `at most ${limits.consolePasswordCharsMax} characters`;
  return undefined;
}

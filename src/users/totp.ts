import { generate, generateSecret, generateURI, verify } from 'otplib';

/** RFC 6238 codes (30 s steps, 6 digits, SHA-1: what every authenticator app reads), via otplib. */
const periodSeconds = 30;

export function newTotpSecret(): string {
  return generateSecret();
}

/** The otpauth:// URI an authenticator app takes (as a QR code or typed in). */
export function totpUri(secret: string, email: string): string {
  return generateURI({ issuer: 'masspayout', label: email, secret });
}

export function totpCode(secret: string, at = Date.now()): Promise<string> {
  return generate({ secret, epoch: Math.floor(at / 1000) });
}

/**
 * The time step a code belongs to, if it is valid now (one step of drift either way is allowed),
 * so the caller can refuse a step already used: each code signs in once.
 */
export async function totpStep(secret: string, code: string, at = Date.now()): Promise<number | undefined> {
  if (!/^[0-9]{6}$/.test(code)) return undefined;
  const epoch = Math.floor(at / 1000);
  const result = await verify({ secret, token: code, epoch, epochTolerance: periodSeconds });
  if (!result.valid) return undefined;
  return Math.floor(epoch / periodSeconds) + result.delta;
}

import { createHmac, type Hmac, timingSafeEqual } from 'node:crypto';

/**
 * IYZWSv2, the one implementation shared by the server's verification and the SDK's signing:
 *   signature = hex(HMAC-SHA256(secretKey, randomKey + path + rawBody))
 *   Authorization: IYZWSv2 base64("apiKey:" + apiKey + "&randomKey:" + randomKey + "&signature:" + signature)
 * `path` has no scheme, host or query; `rawBody` is the exact bytes sent (possibly empty).
 */
export const scheme = 'IYZWSv2';

export interface Credentials {
  apiKey: string;
  randomKey: string;
  signature: string;
}

export function computeSignature(secretKey: string, randomKey: string, path: string, rawBody: Buffer | string): string {
  return signatureHmac(secretKey, randomKey, path).update(rawBody).digest('hex');
}

/** The HMAC of a signature before its body: feed it the body as it arrives, then compare with digestMatches. */
export function signatureHmac(secretKey: string, randomKey: string, path: string): Hmac {
  return createHmac('sha256', secretKey).update(randomKey + path);
}

export function authorizationHeader(apiKey: string, secretKey: string, randomKey: string, path: string, rawBody: Buffer | string): string {
  return authorizationOf(apiKey, randomKey, computeSignature(secretKey, randomKey, path, rawBody));
}

/** The Authorization value of a signature already computed (by signatureHmac, over a body streamed through it). */
export function authorizationOf(apiKey: string, randomKey: string, signature: string): string {
  const token = `apiKey:${apiKey}&randomKey:${randomKey}&signature:${signature}`;
  return `${scheme} ${Buffer.from(token, 'utf8').toString('base64')}`;
}

const base64Pattern = /^[A-Za-z0-9+/]+={0,2}$/;
// No control characters in the key parts: a NUL would reach SQL (and PostgreSQL refuses it).
const tokenPattern = /^apiKey:([^&\u0000-\u001f\u007f]{1,128})&randomKey:([^&\u0000-\u001f\u007f]{1,128})&signature:([0-9a-fA-F]{64})$/;

/** The three parts of an Authorization value, or undefined when it is not a well-formed IYZWSv2 value. */
export function parseAuthorization(header: string): Credentials | undefined {
  const match = /^IYZWSv2 (\S+)$/.exec(header.trim());
  if (!match || !base64Pattern.test(match[1]) || match[1].length > 1024) return undefined;
  const parts = tokenPattern.exec(Buffer.from(match[1], 'base64').toString('utf8'));
  if (!parts) return undefined;
  return { apiKey: parts[1], randomKey: parts[2], signature: parts[3].toLowerCase() };
}

/** Constant-time comparison of the presented signature with the one the secret key yields. */
export function signatureMatches(secretKey: string, credentials: Credentials, path: string, rawBody: Buffer): boolean {
  return digestMatches(credentials, signatureHmac(secretKey, credentials.randomKey, path).update(rawBody).digest());
}

/** Constant-time comparison of the presented signature with an HMAC digest. */
export function digestMatches(credentials: Credentials, expected: Buffer): boolean {
  const presented = Buffer.from(credentials.signature, 'hex');
  return presented.length === expected.length && timingSafeEqual(presented, expected);
}

import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { Db } from '../db/port.ts';
import { limits } from '../limits.ts';
import { type Merchant, merchantByApiKey } from '../merchants/merchants.ts';
import type { SecretBox } from '../merchants/secret-box.ts';
import { parseAuthorization, signatureMatches } from '../signing/iyzws.ts';
import { ApiError } from './errors.ts';

declare module 'fastify' {
  interface FastifyRequest {
    merchant?: Merchant;
  }
}

/** The merchant a signed request was verified for; routes behind `requireSignature` always have one. */
export function merchantOf(request: FastifyRequest): Merchant {
  if (!request.merchant) throw new Error('route reached without a verified merchant');
  return request.merchant;
}

/**
 * IYZWSv2 on every route of the scope: runs once the raw body is read and before it is parsed, so an
 * unsigned request never gets as far as the JSON parser. Every refusal past a missing header is the
 * same code, so a caller learns nothing about which part was wrong.
 */
export function requireSignature(scope: FastifyInstance, db: Db, box: SecretBox): void {
  scope.addHook('preParsing', async (request, _reply, payload) => {
    const header = request.headers.authorization;
    if (!header) throw new ApiError('AUTHORIZATION_REQUIRED');
    const credentials = parseAuthorization(header);
    if (!credentials) throw new ApiError('INVALID_SIGNATURE');
    const found = await merchantByApiKey(db, box, credentials.apiKey);
    const path = request.url.split('?')[0];
    if (!found || !signatureMatches(found.secretKey, credentials, path, request.rawBody ?? Buffer.alloc(0))) {
      throw new ApiError('INVALID_SIGNATURE');
    }
    const fresh = await db.query(
      `insert into seen_random_keys (merchant_id, random_key) values ($1, $2) on conflict do nothing`,
      [found.merchant.id, credentials.randomKey],
    );
    if (fresh.rowCount === 0) throw new ApiError('REPLAYED_REQUEST');
    request.merchant = found.merchant;
    return payload;
  });
}

/** Forgets random keys older than the replay window; run periodically. */
export async function forgetOldRandomKeys(db: Db): Promise<number> {
  const result = await db.query(`delete from seen_random_keys where seen_at < now() - $1::int * interval '1 millisecond'`, [limits.replayWindowMs]);
  return result.rowCount;
}

import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { Db } from '../db/port.ts';
import { limits } from '../limits.ts';
import { type Merchant, merchantByApiKey } from '../merchants/merchants.ts';
import type { SecretBox } from '../merchants/secret-box.ts';
import { type Credentials, parseAuthorization, signatureMatches } from '../signing/iyzws.ts';
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
 * IYZWSv2 on every route of the scope, in two steps. On arrival, before a byte of the body is read:
 * the header must be there and well formed and name a merchant — so a stranger cannot make the
 * server buffer an init body (up to MASSPAYOUT_BODY_BYTES_MAX, 64 MiB). Once the raw body is read
 * and before it is parsed: the signature over it, then the replay check — so an unsigned request
 * never gets as far as the JSON parser. Every refusal past a missing header is the same code, so a
 * caller learns nothing about which part was wrong.
 */
export function requireSignature(scope: FastifyInstance, db: Db, box: SecretBox): void {
  const claimed = new WeakMap<FastifyRequest, { credentials: Credentials; merchant: Merchant; secretKey: string }>();

  scope.addHook('onRequest', async (request) => {
    const header = request.headers.authorization;
    if (!header) throw new ApiError('AUTHORIZATION_REQUIRED');
    const credentials = parseAuthorization(header);
    if (!credentials) throw new ApiError('INVALID_SIGNATURE');
    const found = await merchantByApiKey(db, box, credentials.apiKey);
    if (!found) throw new ApiError('INVALID_SIGNATURE');
    claimed.set(request, { credentials, ...found });
  });

  scope.addHook('preParsing', async (request, _reply, payload) => {
    const claim = claimed.get(request);
    if (!claim) throw new ApiError('INVALID_SIGNATURE');
    const path = request.url.split('?')[0];
    if (!signatureMatches(claim.secretKey, claim.credentials, path, request.rawBody ?? Buffer.alloc(0))) {
      throw new ApiError('INVALID_SIGNATURE');
    }
    const fresh = await db.query(
      `insert into seen_random_keys (merchant_id, random_key) values ($1, $2) on conflict do nothing`,
      [claim.merchant.id, claim.credentials.randomKey],
    );
    if (fresh.rowCount === 0) throw new ApiError('REPLAYED_REQUEST');
    request.merchant = claim.merchant;
    return payload;
  });
}

/** Forgets random keys older than the replay window; run periodically. */
export async function forgetOldRandomKeys(db: Db): Promise<number> {
  const result = await db.query(`delete from seen_random_keys where seen_at < now() - $1::int * interval '1 millisecond'`, [limits.replayWindowMs]);
  return result.rowCount;
}

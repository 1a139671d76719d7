import type { TLSSocket } from 'node:tls';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { Db, Queryable } from '../db/port.ts';
import { limits } from '../limits.ts';
import type { Merchant, Signer } from '../merchants/merchants.ts';
import type { SecretBox } from '../merchants/secret-box.ts';
import { SignerCache } from '../merchants/signer-cache.ts';
import { type Credentials, parseAuthorization } from '../signing/iyzws.ts';
import { type SignedRequest, signatureMatchesAnyForm } from '../signing/signed-forms.ts';
import { ApiError } from './errors.ts';
import { readSmallBody, streamsItsBody } from './raw-body.ts';
import { spendRandomKey } from './replay-keys.ts';
import { StreamedSignature } from './streamed-signature.ts';

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
 * server read an init body (up to MASSPAYOUT_BODY_BYTES_MAX, 512 MiB). Once the raw body is read
 * and before it is parsed: the signature over it (in one of the forms of signed-forms.ts), then the
 * replay check — so an unsigned request never gets as far as the JSON parser. A route that streams
 * its body (init) is parsed as it arrives instead: its signature is checked over the same bytes as
 * they pass (streamed-signature.ts), and decides before anything the route wrote is committed. Every refusal past a
 * missing header is the same code, so a caller learns nothing about which part was wrong.
 *
 * A refusal decided on arrival waits for the body when the body is declared small (at most
 * limits.smallBodyBytesMax): then every refusal of a small body can echo its conversationId
 * (envelope.ts), whichever part was wrong, and a large or undeclared body is still never read.
 *
 * The merchant and its unsealed secret come from memory when recently read (signer-cache.ts), and
 * the statement that spends the random key confirms them current (replay-keys.ts): a signed request
 * makes that one round trip before its route's own.
 */
export function requireSignature(scope: FastifyInstance, db: Db, box: SecretBox, options: { trustForwardedProto: boolean }): void {
  const signers = new SignerCache(db, box);
  const claimed = new WeakMap<FastifyRequest, { credentials: Credentials; signer: Signer; fromMemory: boolean }>();
  const refused = new WeakMap<FastifyRequest, ApiError>();

  scope.addHook('onRequest', async (request) => {
    const refusal = await claim(request);
    if (!refusal) return;
    if (!bodyDeclaredSmall(request)) throw refusal;
    refused.set(request, refusal);
  });

  async function claim(request: FastifyRequest): Promise<ApiError | undefined> {
    const header = request.headers.authorization;
    if (!header) return new ApiError('AUTHORIZATION_REQUIRED');
    const credentials = parseAuthorization(header);
    if (!credentials) return new ApiError('INVALID_SIGNATURE');
    const found = await signers.get(credentials.apiKey);
    if (!found) return new ApiError('INVALID_SIGNATURE');
    claimed.set(request, { credentials, ...found });
    return undefined;
  }

  /**
   * The merchant whose current secret signed the request, its random key spent; a refusal otherwise.
   * A signer from memory that does not verify, or that the spending statement finds out of date,
   * is read again from its row before the request is judged: so a new secret signs at once and an
   * old one is refused at once, in every process.
   */
  async function verify(claim: { credentials: Credentials; signer: Signer; fromMemory: boolean }, signed: SignedRequest): Promise<Merchant> {
    let { signer, fromMemory } = claim;
    for (let reads = 0; reads < limits.signerReadsPerRequestMax; reads++) {
      const matches = signatureMatchesAnyForm(signer.secretKey, claim.credentials, signed);
      if (!matches && !fromMemory) throw new ApiError('INVALID_SIGNATURE');
      const outcome = matches ? await spendRandomKey(db, signer, claim.credentials.randomKey) : 'stale';
      if (outcome === 'spent') return signer.merchant;
      if (outcome === 'replayed') throw new ApiError('REPLAYED_REQUEST');
      const reread = await signers.reload(claim.credentials.apiKey);
      if (!reread) throw new ApiError('INVALID_SIGNATURE');
      signer = reread;
      fromMemory = false;
    }
    throw new Error(`merchant ${signer.merchant.id}: its row changed under ${limits.signerReadsPerRequestMax} reads in a row`);
  }

  /**
   * A streamed body is hashed as it passes, with one secret: so it is the current one, read from the
   * merchant's row. Its random key is spent once the body has ended (StreamedSignature.confirm),
   * through `via`, the route's transaction when one is open; a row changed meanwhile is read again,
   * and a secret changed meanwhile refuses the request, since its bytes are gone.
   */
  async function streamed(claim: { credentials: Credentials; signer: Signer; fromMemory: boolean }, target: { path: string; fullUrl: string }): Promise<StreamedSignature> {
    let signer = claim.fromMemory ? await signers.reload(claim.credentials.apiKey) : claim.signer;
    if (!signer) throw new ApiError('INVALID_SIGNATURE');
    const hashedWith = signer.secretKey;
    const spend = async (via: Queryable | undefined): Promise<boolean> => {
      for (let reads = 0; reads < limits.signerReadsPerRequestMax; reads++) {
        const outcome = await spendRandomKey(via ?? db, signer!, claim.credentials.randomKey);
        if (outcome !== 'stale') return outcome === 'spent';
        signer = await signers.reload(claim.credentials.apiKey);
        if (!signer || signer.secretKey !== hashedWith) throw new ApiError('INVALID_SIGNATURE');
      }
      throw new Error(`merchant ${signer!.merchant.id}: its row changed under ${limits.signerReadsPerRequestMax} reads in a row`);
    };
    return new StreamedSignature(signer.merchant, signer.secretKey, claim.credentials, target, spend);
  }

  scope.addHook('preParsing', async (request, _reply, payload) => {
    const refusal = refused.get(request);
    if (refusal) {
      // A route that streams its body has not read it yet: a small one is, so the refusal can echo it.
      if (streamsItsBody(request)) request.rawBody = await readSmallBody(payload);
      throw refusal;
    }
    const claim = claimed.get(request);
    if (!claim) throw new ApiError('INVALID_SIGNATURE');
    const target = requestTarget(request, options.trustForwardedProto);
    if (streamsItsBody(request)) {
      request.streamedSignature = await streamed(claim, target);
      return payload;
    }
    const signed = { ...target, rawBody: request.rawBody ?? Buffer.alloc(0) };
    request.merchant = await verify(claim, signed);
    return payload;
  });
}

function bodyDeclaredSmall(request: FastifyRequest): boolean {
  const declared = request.headers['content-length'];
  if (declared === undefined) return request.headers['transfer-encoding'] === undefined;
  const bytes = Number(declared);
  return Number.isSafeInteger(bytes) && bytes <= limits.smallBodyBytesMax;
}

/**
 * The path (no query) and the full URL as the client formed it: the connection's scheme (or a
 * trusted X-Forwarded-Proto), the Host header, and the path and query exactly as received.
 */
function requestTarget(request: FastifyRequest, trustForwardedProto: boolean): { path: string; fullUrl: string } {
  const forwarded = trustForwardedProto ? request.headers['x-forwarded-proto'] : undefined;
  const fromConnection = (request.raw.socket as TLSSocket).encrypted ? 'https' : 'http';
  const scheme = typeof forwarded === 'string' && /^https?$/i.test(forwarded.trim()) ? forwarded.trim().toLowerCase() : fromConnection;
  return { path: request.url.split('?')[0], fullUrl: `${scheme}://${request.headers.host ?? ''}${request.url}` };
}

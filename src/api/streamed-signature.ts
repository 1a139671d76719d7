import type { FastifyRequest } from 'fastify';
import type { Queryable } from '../db/port.ts';
import type { Merchant } from '../merchants/merchants.ts';
import { type Credentials, digestMatches, signatureHmac } from '../signing/iyzws.ts';
import { signatureMatchesAnyForm } from '../signing/signed-forms.ts';
import { ApiError } from './errors.ts';

declare module 'fastify' {
  interface FastifyRequest {
    /** On a route that streams its body (init): the signature check its bytes are fed to as they are read. */
    streamedSignature?: StreamedSignature;
  }
}

/**
 * The IYZWSv2 check of a body read as it arrives rather than held whole (merchant-auth.ts checks
 * a held body). Every byte goes through the HMAC; the first three are kept, because the forms a
 * signature may take besides path + body (signed-forms.ts) exist only for bodies of at most two
 * bytes, which are then checked exactly as a held body is. `confirm` decides once the body has
 * ended, before anything the request wrote is committed.
 */
export class StreamedSignature {
  /** Run once the signature verified (the merchant's rate limit counts a request only then). */
  readonly afterVerified: Array<() => void> = [];
  private readonly hmac;
  private readonly head: Buffer[] = [];
  private bytes = 0;
  private confirmed = false;

  constructor(
    /** The merchant the request's apiKey names: not yet proven to be its sender. */
    readonly claimed: Merchant,
    private readonly secretKey: string,
    private readonly credentials: Credentials,
    private readonly target: { path: string; fullUrl: string },
    /** Records the random key through `via`; false when it was seen before (a replay). */
    private readonly rememberRandomKey: (via: Queryable | undefined) => Promise<boolean>,
  ) {
    this.hmac = signatureHmac(secretKey, credentials.randomKey, target.path);
  }

  update(chunk: Buffer): void {
    this.hmac.update(chunk);
    if (this.bytes < 3) this.head.push(Buffer.from(chunk.subarray(0, 3)));
    this.bytes += chunk.length;
  }

  /**
   * After the last byte: throws INVALID_SIGNATURE or REPLAYED_REQUEST, else the request is the
   * merchant's. `via`: the transaction the request's writes are in, when one is open: the random key
   * is then recorded in it (and spent only if it commits) instead of taking a second connection
   * while this one is held; a copy of the same request waits on it and is refused once it commits.
   */
  async confirm(request: FastifyRequest, via?: Queryable): Promise<void> {
    if (this.confirmed) return;
    const matched =
      this.bytes <= 2
        ? signatureMatchesAnyForm(this.secretKey, this.credentials, { ...this.target, rawBody: Buffer.concat(this.head).subarray(0, this.bytes) })
        : digestMatches(this.credentials, this.hmac.digest());
    if (!matched) throw new ApiError('INVALID_SIGNATURE');
    if (!(await this.rememberRandomKey(via))) throw new ApiError('REPLAYED_REQUEST');
    this.confirmed = true;
    request.merchant = this.claimed;
    for (const then of this.afterVerified) then();
  }
}

/** The streamed signature check of a request on a streaming route; such a route is always behind requireSignature. */
export function streamedSignatureOf(request: FastifyRequest): StreamedSignature {
  if (!request.streamedSignature) throw new Error('streamed route reached without its signature check');
  return request.streamedSignature;
}

import { type Credentials, signatureMatches } from './iyzws.ts';

/**
 * The texts an IYZWSv2 signature may cover, exactly as wide as the official clients need. After the
 * random key, one of:
 *
 *   1. path + raw body               every client (Node, Java, Python, .NET; PHP on POST)
 *   2. path                          when the raw body is `[]` or `{}`: PHP's signer leaves out a
 *                                    request that serialises to `[]` while curl still sends it
 *   3. full URL                      when the raw body is empty, `[]` or `{}`: PHP's GET idiom signs
 *                                    the URL it requests (scheme://host:port/path?query) and no body
 *
 * The path has no query; the full URL is the scheme of the connection (or a trusted
 * X-Forwarded-Proto), the Host header, and the path and query string exactly as received. Nothing
 * else is accepted: no other body, no path with a query, no other scheme.
 */
export interface SignedRequest {
  /** The request target without its query string. */
  path: string;
  /** The request URL as the client formed it: scheme://host + path and query as received. */
  fullUrl: string;
  rawBody: Buffer;
}

const emptyBodies = new Set(['[]', '{}']);

/** Every [text, body] pair the request may have been signed over, the first always path + body. */
export function signedForms(request: SignedRequest): Array<[string, Buffer]> {
  const none = Buffer.alloc(0);
  const forms: Array<[string, Buffer]> = [[request.path, request.rawBody]];
  const emptyish = request.rawBody.length === 0 || (request.rawBody.length === 2 && emptyBodies.has(request.rawBody.toString('latin1')));
  if (emptyish && request.rawBody.length > 0) forms.push([request.path, none]);
  if (emptyish) forms.push([request.fullUrl, none]);
  return forms;
}

/**
 * Whether the presented signature matches one of the accepted forms. Every form is computed and
 * compared in constant time, and the results are combined without stopping early, so the time taken
 * says nothing about which form (if any) matched.
 */
export function signatureMatchesAnyForm(secretKey: string, credentials: Credentials, request: SignedRequest): boolean {
  let matched = false;
  for (const [text, body] of signedForms(request)) {
    const same = signatureMatches(secretKey, credentials, text, body);
    matched = same || matched;
  }
  return matched;
}

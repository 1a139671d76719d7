import { randomBytes } from 'node:crypto';
import { authorizationHeader } from '../../src/signing/iyzws.ts';
import { httpRequest, type HttpResponse } from './http.ts';
import type { TestMerchant } from './service.ts';

/**
 * The bytes the official iyzipay clients put on the wire, so that tests can send exactly
 * what each of them sends and signs.
 */

/**
 * Python's `json.dumps(value)` with its defaults: `", "` and `": "` separators and ensure_ascii, so
 * "Ayşe" goes out as "Ay\u015fe". The client signs these bytes and sends them.
 */
export function pythonJson(value: unknown): string {
  if (value === null || value === undefined) return 'null';
  if (Array.isArray(value)) return `[${value.map(pythonJson).join(', ')}]`;
  if (typeof value === 'object') {
    return `{${Object.entries(value as Record<string, unknown>)
      .map(([key, v]) => `${pythonJson(key)}: ${pythonJson(v)}`)
      .join(', ')}}`;
  }
  if (typeof value === 'string') return JSON.stringify(value).replace(/[\u0080-\uffff]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
  return JSON.stringify(value);
}

export interface RawCall {
  method: string;
  /** The path that is signed and requested. */
  path: string;
  /** Appended to the URL, never signed. */
  query?: string;
  /** Exact bytes of the body; undefined sends none (and signs the path alone). */
  body?: string;
  randomKey?: string;
  /** The x-iyzi-rnd header: the random key by default, `null` to leave it out. */
  rndHeader?: string | null;
  /** Sign these bytes instead of the body (to alter a body after signing). */
  signedBody?: string;
  /** Sign this path instead (e.g. path + query, which the server must refuse). */
  signedPath?: string;
  secretKey?: string;
  contentType?: string | null;
  /** More headers (e.g. X-Forwarded-Proto). */
  headers?: Record<string, string>;
}

/** One signed request with every wire detail under the test's control. */
export function sendRaw(baseUrl: string, merchant: TestMerchant, call: RawCall): Promise<HttpResponse> {
  const randomKey = call.randomKey ?? randomBytes(8).toString('hex');
  const authorization = authorizationHeader(
    merchant.apiKey,
    call.secretKey ?? merchant.secretKey,
    randomKey,
    call.signedPath ?? call.path,
    call.signedBody ?? call.body ?? '',
  );
  const headers: Record<string, string> = { ...call.headers, authorization };
  const rnd = call.rndHeader === undefined ? randomKey : call.rndHeader;
  if (rnd !== null) headers['x-iyzi-rnd'] = rnd;
  const contentType = call.contentType === undefined ? (call.body === undefined ? null : 'application/json') : call.contentType;
  if (contentType !== null) headers['content-type'] = contentType;
  return httpRequest(baseUrl + call.path + (call.query ?? ''), call.method, call.body, headers);
}

/**
 * What the PHP client's IyziAuthV2Generator::getPayload signs after the random key, for the URI its
 * caller passes and the request's JSON: the URI is cut down to its path only when it contains `/v2`
 * (none of the mass payout URLs do, so it is signed whole), and the JSON is appended unless it is
 * `[]` (a request with no fields; curl still sends those two bytes). Its GET idiom passes the full
 * URL it requests (base URL, path, query) and no request; its POST idiom passes the path alone.
 */
export function phpSigned(uri: string, json?: string): Pick<RawCall, 'signedPath' | 'signedBody'> {
  if (uri.includes('/v2')) throw new Error('only the v1 form is reproduced here');
  return { signedPath: uri, signedBody: json === undefined || json === '[]' ? '' : json };
}

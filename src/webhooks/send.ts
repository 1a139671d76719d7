import { request as httpRequest, type IncomingMessage } from 'node:http';
import { request as httpsRequest } from 'node:https';
import { isIP } from 'node:net';
import { limits } from '../limits.ts';
import { checkUrlForm, hostOf, isPublicAddress, webhookLookup } from './url-safety.ts';

/** What one attempt came to: a status (any, 2xx or not), or a network error, and how long it took. */
export interface AttemptResult {
  httpStatus: number | null;
  error: string | null;
  durationMs: number;
  /** The start of the response body, at most limits.webhookResponseBytesMax bytes, as text. */
  responseHead: string | null;
  /** Retry-After of a 429 or 503, in ms (bounded). */
  retryAfterMs: number | null;
}

export interface SendOptions {
  allowPrivate: boolean;
  timeoutMs?: number;
}

/**
 * One POST of a webhook. Never follows a redirect (a 3xx is an answer like any other non-2xx, a
 * failure); the whole attempt — connect, send, response head and the first bytes of the body — is
 * bounded by one timeout, so a receiver that hangs or trickles bytes costs this connection until
 * then and nothing else. Only the first limits.webhookResponseBytesMax bytes are read, then the
 * connection is dropped. The address is checked at connect time (webhookLookup) or, for an IP
 * literal, here. Never throws: every failure is a result.
 */
export function sendWebhook(url: string, headers: Record<string, string>, body: string, options: SendOptions): Promise<AttemptResult> {
  const started = performance.now();
  const elapsed = () => Math.round(performance.now() - started);
  const failed = (error: string): AttemptResult => ({ httpStatus: null, error, durationMs: elapsed(), responseHead: null, retryAfterMs: null });
  const form = checkUrlForm(url, options.allowPrivate);
  if (!form.ok) return Promise.resolve(failed(`URL refused: ${form.detail}`));
  const host = hostOf(form.url);
  if (isIP(host) && !options.allowPrivate && !isPublicAddress(host)) return Promise.resolve(failed(`URL refused: ${host} is not a public address`));

  return new Promise((resolve) => {
    let settled = false;
    const finish = (result: AttemptResult) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      request.destroy();
      resolve(result);
    };
    const send = form.url.protocol === 'https:' ? httpsRequest : httpRequest;
    const request = send(
      form.url,
      {
        method: 'POST',
        headers: { ...headers, 'content-type': 'application/json', 'content-length': String(Buffer.byteLength(body)), 'user-agent': 'masspayout-webhooks/1' },
        lookup: webhookLookup(options.allowPrivate) as never,
        // One connection per attempt: nothing of a receiver's is kept between attempts.
        agent: false,
      },
      (response) => readHead(response, (head) => finish(answered(response, head, elapsed()))),
    );
    const timer = setTimeout(() => finish(failed(`timeout after ${options.timeoutMs ?? limits.webhookTimeoutMs} ms`)), options.timeoutMs ?? limits.webhookTimeoutMs);
    request.on('error', (error: NodeJS.ErrnoException) => finish(failed(error.code ? `${error.code}: ${error.message}` : error.message)));
    request.end(body);
  });
}

/** Reads at most webhookResponseBytesMax bytes of the body, then calls back (end, limit or error). */
function readHead(response: IncomingMessage, done: (head: string) => void): void {
  const chunks: Buffer[] = [];
  let size = 0;
  let called = false;
  const stop = () => {
    if (called) return;
    called = true;
    done(Buffer.concat(chunks).subarray(0, limits.webhookResponseBytesMax).toString('utf8'));
  };
  response.on('data', (chunk: Buffer) => {
    chunks.push(chunk);
    size += chunk.length;
    if (size >= limits.webhookResponseBytesMax) stop();
  });
  response.on('end', stop);
  response.on('error', stop);
  response.on('aborted', stop);
}

function answered(response: IncomingMessage, head: string, durationMs: number): AttemptResult {
  const status = response.statusCode ?? 0;
  const retryAfterMs = status === 429 || status === 503 ? retryAfterOf(response.headers['retry-after']) : null;
  const redirect = status >= 300 && status < 400 ? `redirect to ${String(response.headers.location ?? '(no location)').slice(0, 200)} not followed` : null;
  return { httpStatus: status, error: redirect, durationMs, responseHead: head === '' ? null : head, retryAfterMs };
}

/** Retry-After as seconds or an HTTP date, in ms from now, at most limits.webhookRetryAfterMsMax. */
export function retryAfterOf(value: string | string[] | undefined, now = Date.now()): number | null {
  const text = Array.isArray(value) ? value[0] : value;
  if (!text) return null;
  const ms = /^\s*\d+\s*$/.test(text) ? Number(text) * 1000 : Date.parse(text) - now;
  if (!Number.isFinite(ms)) return null;
  return Math.min(Math.max(ms, 0), limits.webhookRetryAfterMsMax);
}

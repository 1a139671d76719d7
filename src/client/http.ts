import http from 'node:http';
import https from 'node:https';
import { limits } from '../limits.ts';
import { clientErrorCodes, isRetryableStatus, MassPayoutError } from './errors.ts';

export interface HttpAttempt {
  method: 'GET' | 'POST' | 'PATCH' | 'DELETE';
  url: URL;
  headers: Record<string, string>;
  /** Exactly the bytes that were signed, whole or as a stream; undefined sends no body at all. */
  body?: string | StreamedBody;
  /** Milliseconds this attempt may take, connection to last byte. */
  timeoutMs: number;
  /** `envelope`: the merchant API's `{status: "success", …}`; `plain`: the admin API's bare JSON object. */
  success: 'envelope' | 'plain';
}

/** A body sent as it is made, never held whole: its length is known before (it was signed). */
export interface StreamedBody {
  byteLength: number;
  /** Read once. A failure in it (the source changed, the file went away) cuts the request off and is the exchange's failure. */
  chunks: AsyncIterable<Uint8Array>;
}

/**
 * One HTTP exchange, decoded into the API's envelope. Resolves with the success body; rejects with a
 * MassPayoutError for everything else: the server's failure envelope (its own code), no answer
 * (NETWORK_ERROR / TIMEOUT, httpStatus 0) or an answer that is not the envelope (BAD_RESPONSE).
 * node:http rather than fetch: a timeout that covers the whole exchange, and errors that say plainly
 * whether any response arrived.
 */
export function exchange<T>(attempt: HttpAttempt): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    const transport = attempt.url.protocol === 'https:' ? https : http;
    const headers: Record<string, string | number> = { accept: 'application/json', ...attempt.headers };
    const body = attempt.body;
    if (body !== undefined) {
      headers['content-type'] = 'application/json';
      headers['content-length'] = typeof body === 'string' ? Buffer.byteLength(body) : body.byteLength;
    }
    let settled = false;
    let sending = false;
    const finish = (outcome: () => void) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      // An answer (or a failure) before the body's end: the rest is not sent, nor the socket reused.
      if (sending) request.destroy();
      outcome();
    };
    const request = transport.request(attempt.url, { method: attempt.method, headers }, (response) => {
      const chunks: Buffer[] = [];
      let size = 0;
      response.on('data', (chunk: Buffer) => {
        size += chunk.length;
        if (size > limits.clientResponseBytesMax) {
          request.destroy();
          finish(() => reject(badResponse(response.statusCode ?? 0, `the response exceeds ${limits.clientResponseBytesMax} bytes`)));
          return;
        }
        chunks.push(chunk);
      });
      response.on('error', (error) => finish(() => reject(networkError(error, attempt.url))));
      response.on('aborted', () => finish(() => reject(networkError(new Error('the response was cut off'), attempt.url))));
      response.on('end', () => finish(() => settle(attempt.success, response.statusCode ?? 0, Buffer.concat(chunks).toString('utf8'), resolve, reject)));
    });
    const timer = setTimeout(() => {
      request.destroy();
      finish(() =>
        reject(
          new MassPayoutError({
            errorCode: clientErrorCodes.TIMEOUT,
            errorMessage: `no answer from ${attempt.url.host} within ${attempt.timeoutMs} ms`,
            httpStatus: 0,
            retryable: true,
          }),
        ),
      );
    }, attempt.timeoutMs);
    request.on('error', (error) => finish(() => reject(networkError(error, attempt.url))));
    if (body === undefined || typeof body === 'string') {
      request.end(body);
      return;
    }
    sending = true;
    send(request, body.chunks, () => settled).then(
      () => {
        sending = false;
      },
      (error: unknown) => finish(() => reject(error)),
    );
  });
}

/** Writes the chunks as the socket takes them (waiting on `drain`), then ends the request; stops once the exchange is over. */
async function send(request: http.ClientRequest, chunks: AsyncIterable<Uint8Array>, over: () => boolean): Promise<void> {
  for await (const chunk of chunks) {
    if (over()) return;
    if (!request.write(chunk) && !over()) await drained(request);
  }
  if (!over()) request.end();
}

function drained(request: http.ClientRequest): Promise<void> {
  return new Promise((resolve) => {
    if (request.destroyed) return resolve();
    const done = () => {
      request.off('drain', done);
      request.off('close', done);
      resolve();
    };
    request.on('drain', done);
    request.on('close', done);
  });
}

function settle<T>(mode: HttpAttempt['success'], status: number, text: string, resolve: (value: T) => void, reject: (error: MassPayoutError) => void): void {
  let body: unknown;
  try {
    body = JSON.parse(text);
  } catch {
    return reject(badResponse(status, `HTTP ${status} with a body that is not JSON: ${text.slice(0, 80).replace(/\s+/g, ' ')}`));
  }
  const envelope = typeof body === 'object' && body !== null && !Array.isArray(body) ? (body as Record<string, unknown>) : undefined;
  const ok = status >= 200 && status < 300;
  if (ok && envelope && (mode === 'plain' || envelope.status === 'success')) return resolve(body as T);
  if (envelope?.status === 'failure' && typeof envelope.errorCode === 'string') {
    return reject(
      new MassPayoutError({
        errorCode: envelope.errorCode,
        errorMessage: typeof envelope.errorMessage === 'string' ? envelope.errorMessage : envelope.errorCode,
        errorGroup: typeof envelope.errorGroup === 'string' ? envelope.errorGroup : undefined,
        conversationId: typeof envelope.conversationId === 'string' ? envelope.conversationId : undefined,
        httpStatus: status,
        retryable: isRetryableStatus(status),
      }),
    );
  }
  reject(badResponse(status, `HTTP ${status} without the API's envelope`));
}

function networkError(error: Error & { code?: string }, url: URL): MassPayoutError {
  return new MassPayoutError({
    errorCode: clientErrorCodes.NETWORK_ERROR,
    errorMessage: `no answer from ${url.origin}: ${error.code ?? error.message}`,
    httpStatus: 0,
    retryable: true,
    cause: error,
  });
}

function badResponse(status: number, message: string): MassPayoutError {
  return new MassPayoutError({ errorCode: clientErrorCodes.BAD_RESPONSE, errorMessage: message, httpStatus: status, retryable: isRetryableStatus(status) });
}

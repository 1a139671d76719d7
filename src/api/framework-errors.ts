import { STATUS_CODES } from 'node:http';
import type { Socket } from 'node:net';
import type { FastifyError, FastifyReply, FastifyRequest } from 'fastify';
import { isConnectionFault } from '../db/unavailable.ts';
import { limits } from '../limits.ts';
import { failure } from './envelope.ts';
import { messageFor } from '../errors.ts';
import { ApiError, type ApiErrorName } from './errors.ts';

/** PostgreSQL refused a character (NUL, or one its encoding lacks): the client's text, a 400 at worst. */
const characterStates = new Set(['22021', '22P05']);

/** Every failure becomes a catalogue entry; anything unexpected is a 500 that says nothing inside. */
export function toApiError(error: FastifyError | ApiError): ApiError {
  if (error instanceof ApiError) return error;
  if (isConnectionFault(error)) return new ApiError('DATABASE_UNAVAILABLE');
  if (characterStates.has(String((error as { code?: unknown }).code))) return new ApiError('INVALID_CHARACTERS');
  if (error.validation) return validationFailure(error.validation, error.validationContext ?? 'body');
  const byCode: Record<string, ApiErrorName> = {
    FST_ERR_CTP_BODY_TOO_LARGE: 'BODY_TOO_LARGE',
    FST_ERR_CTP_INVALID_MEDIA_TYPE: 'UNSUPPORTED_MEDIA_TYPE',
    FST_ERR_CTP_EMPTY_JSON_BODY: 'MALFORMED_JSON',
    FST_ERR_CTP_INVALID_JSON_BODY: 'MALFORMED_JSON',
    FST_ERR_BAD_URL: 'MALFORMED_URL',
    FST_ERR_MAX_PARAM_LENGTH: 'URI_TOO_LONG',
  };
  const name = byCode[error.code];
  if (name) return new ApiError(name);
  if (typeof error.statusCode === 'number' && error.statusCode >= 400 && error.statusCode < 500) {
    return new ApiError('INVALID_REQUEST');
  }
  return new ApiError('SYSTEM_ERROR');
}

/** A schema's refusal of a request part, as INVALID_REQUEST naming the first problem. */
export function validationFailure(problems: readonly { instancePath?: string; message?: string }[], context: string): ApiError {
  const first = problems[0];
  return new ApiError('INVALID_REQUEST', `${context}${first?.instancePath ?? ''} ${first?.message ?? 'is invalid'}`.slice(0, 200));
}

/** Sends `error` in the failure envelope; a 503 or a 429 says when to come back. */
export function sendFailure(request: FastifyRequest, reply: FastifyReply, error: ApiError): void {
  if (error.httpStatus === 503) reply.header('retry-after', String(limits.unavailableRetryAfterSeconds));
  if (error.httpStatus === 429) reply.header('retry-after', String(request.retryAfterSeconds ?? 1));
  reply.status(error.httpStatus).send(failure(request, error));
}

/** Fastify's `frameworkErrors`: a URL it cannot decode, a path parameter past maxParamLength. */
export function frameworkErrors(error: FastifyError, request: FastifyRequest, reply: FastifyReply): void {
  sendFailure(request, reply, toApiError(error));
}

/**
 * Node's `clientError`: the request never became a request (headers past their size limit, a
 * request or its headers too slow, bytes that are not HTTP). There is no request to read a locale
 * from, so the message is Turkish, the API's default, like any failure without `?locale=`.
 */
export function clientErrorHandler(error: Error & { code?: string }, socket: Socket): void {
  if (error.code === 'ECONNRESET' || socket.destroyed) return;
  const name: ApiErrorName =
    error.code === 'ERR_HTTP_REQUEST_TIMEOUT'
      ? 'REQUEST_TIMEOUT'
      : error.code === 'HPE_HEADER_OVERFLOW'
        ? 'HEADERS_TOO_LARGE'
        : 'INVALID_REQUEST';
  const apiError = new ApiError(name);
  const body = JSON.stringify({
    status: 'failure',
    errorCode: apiError.entry.code,
    errorMessage: messageFor(apiError.entry.code, 'tr'),
    errorGroup: apiError.entry.group,
    locale: 'tr',
    systemTime: Date.now(),
  });
  const status = apiError.httpStatus;
  if (socket.writable) {
    socket.write(
      `HTTP/1.1 ${status} ${STATUS_CODES[status]}\r\nContent-Type: application/json; charset=utf-8\r\nContent-Length: ${Buffer.byteLength(body)}\r\n` +
        `Cache-Control: no-store\r\nX-Content-Type-Options: nosniff\r\nConnection: close\r\n\r\n${body}`,
    );
  }
  socket.destroy();
}

import type { FastifyRequest } from 'fastify';
import { messageFor } from '../errors.ts';
import { limits } from '../limits.ts';
import type { ApiError } from './errors.ts';
import { localeOf } from './locale.ts';

/**
 * The conversationId of the request's JSON body. A request refused before its body was parsed (a
 * bad signature, a replay) has its raw body parsed here, when it is small: every refusal whose body
 * can be parsed echoes the id, and a refused init of megabytes is not parsed only to say no.
 */
function conversationIdOf(request: FastifyRequest): string | undefined {
  const body = request.body !== undefined ? request.body : unparsedBody(request);
  const id = body && typeof body === 'object' ? (body as Record<string, unknown>).conversationId : undefined;
  return typeof id === 'string' && id.length <= limits.conversationIdCharsMax ? id : undefined;
}

function unparsedBody(request: FastifyRequest): unknown {
  const raw = request.rawBody;
  if (!raw || raw.length === 0 || raw.length > limits.smallBodyBytesMax) return undefined;
  try {
    return JSON.parse(raw.toString('utf8'));
  } catch {
    return undefined;
  }
}

/** The success envelope around an endpoint's own fields. */
export function success<T extends object>(request: FastifyRequest, fields: T) {
  const conversationId = conversationIdOf(request);
  return {
    status: 'success' as const,
    locale: localeOf(request),
    systemTime: Date.now(),
    ...(conversationId !== undefined ? { conversationId } : {}),
    ...fields,
  };
}

export interface FailureBody {
  status: 'failure';
  errorCode: string;
  errorMessage: string;
  errorGroup: string;
  locale: string;
  systemTime: number;
  conversationId?: string;
}

export function failure(request: FastifyRequest, error: ApiError): FailureBody {
  const locale = localeOf(request);
  const message = messageFor(error.entry.code, locale);
  const conversationId = conversationIdOf(request);
  return {
    status: 'failure',
    errorCode: error.entry.code,
    errorMessage: error.detail ? `${message}: ${error.detail}` : message,
    errorGroup: error.entry.group,
    locale,
    systemTime: Date.now(),
    ...(conversationId !== undefined ? { conversationId } : {}),
  };
}

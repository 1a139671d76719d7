import type { FastifyRequest } from 'fastify';
import { ApiError, messageFor } from './errors.ts';
import { localeOf } from './locale.ts';

function conversationIdOf(request: FastifyRequest): string | undefined {
  const body = request.body as Record<string, unknown> | undefined;
  const id = body && typeof body === 'object' ? body.conversationId : undefined;
  return typeof id === 'string' ? id : undefined;
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

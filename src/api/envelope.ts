import type { FastifyRequest } from 'fastify';
import { errors, messageFor } from '../errors.ts';
import { limits } from '../limits.ts';
import type { ApiError } from './errors.ts';
import { localeOf } from './locale.ts';
import { topLevelStringMember } from './top-level-member.ts';

/**
 * The conversationId of the request's JSON body, echoed on every answer whose body could be parsed.
 * A request refused before its body was parsed (a bad signature, a replay, a body too deep) has its
 * raw body looked at here: parsed when small; when larger (an init), its top level read in one pass
 * (top-level-member.ts), so a refused init of megabytes still echoes its id without being built. A
 * body refused before it was read (a missing or unknown key on a body declared over 64 KiB, 413,
 * 503) has no bytes to look at, and a body that does not parse (12) has no id.
 */
function conversationIdOf(request: FastifyRequest): string | undefined {
  const id = request.body !== undefined ? memberOf(request.body) : unparsedConversationId(request.rawBody);
  return typeof id === 'string' && id.length <= limits.conversationIdCharsMax ? id : undefined;
}

function memberOf(body: unknown): unknown {
  return body && typeof body === 'object' ? (body as Record<string, unknown>).conversationId : undefined;
}

function unparsedConversationId(raw: Buffer | undefined): unknown {
  if (!raw || raw.length === 0) return undefined;
  if (raw.length > limits.smallBodyBytesMax) return topLevelStringMember(raw, 'conversationId');
  try {
    return memberOf(JSON.parse(raw.toString('utf8')));
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
  // A body that is not JSON has no id, even where its top level alone would read as an object.
  const conversationId = error.entry.code === errors.MALFORMED_JSON.code ? undefined : conversationIdOf(request);
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

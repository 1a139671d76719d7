import { timingSafeEqual } from 'node:crypto';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { ApiError } from '../errors.ts';
import { type Locale } from '../../errors.ts';
import type { Db } from '../../db/port.ts';
import { findSession } from '../../users/sessions.ts';
import { userById, type ConsoleUser } from '../../users/users.ts';
import { cookieOf } from './cookies.ts';

export const sessionCookie = 'mp_session';

/** Who is looking: the operator (every merchant) or a merchant's user (that merchant only). */
export type Viewer = { kind: 'operator'; csrfToken: string } | { kind: 'user'; user: ConsoleUser; csrfToken: string };

export interface ConsoleRequest {
  viewer: Viewer;
  locale: Locale;
}

declare module 'fastify' {
  interface FastifyRequest {
    console?: ConsoleRequest;
  }
}

/** The page's language: ?lang=, then the mp_lang cookie, then Accept-Language; Turkish first. */
export function consoleLocale(request: FastifyRequest): Locale {
  const asked = (request.query as Record<string, unknown> | undefined)?.lang ?? cookieOf(request, 'mp_lang');
  if (asked === 'tr' || asked === 'en') return asked;
  const accepted = request.headers['accept-language'] ?? '';
  return /^\s*en/i.test(accepted) ? 'en' : 'tr';
}

export async function viewerOf(db: Db, request: FastifyRequest): Promise<Viewer | undefined> {
  const token = cookieOf(request, sessionCookie);
  if (!token) return undefined;
  const session = await findSession(db, token);
  if (!session) return undefined;
  if (session.userId === undefined) return { kind: 'operator', csrfToken: session.csrfToken };
  const user = await userById(db, session.userId);
  return user && { kind: 'user', user, csrfToken: session.csrfToken };
}

/** The signed-in viewer of a console route (the guard in console.ts has put it there). */
export function viewer(request: FastifyRequest): Viewer {
  if (!request.console) throw new ApiError('SESSION_REQUIRED');
  return request.console.viewer;
}

/** The merchant a viewer may see: a user's own; the operator's choice (undefined: all). */
export function merchantScope(v: Viewer, asked?: bigint): bigint | undefined {
  return v.kind === 'user' ? v.user.merchantId : asked;
}

export function requireOperator(v: Viewer): void {
  if (v.kind !== 'operator') throw new ApiError('ROLE_FORBIDDEN');
}

export function sameToken(given: unknown, expected: string): boolean {
  if (typeof given !== 'string' || given.length !== expected.length) return false;
  return timingSafeEqual(Buffer.from(given), Buffer.from(expected));
}

/** Every state-changing form carries the session's CSRF token in `_csrf`. */
export function checkCsrf(request: FastifyRequest, v: Viewer): void {
  const body = request.body as Record<string, unknown> | undefined;
  if (!sameToken(body?._csrf, v.csrfToken)) throw new ApiError('CSRF_INVALID');
}

export function redirect(reply: FastifyReply, to: string): FastifyReply {
  return reply.status(303).header('location', to).send();
}

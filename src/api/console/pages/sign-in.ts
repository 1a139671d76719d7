import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { ApiError } from '../../errors.ts';
import { messageFor } from '../../../errors.ts';
import type { Deps } from '../../deps.ts';
import { limits } from '../../../limits.ts';
import { consoleSignIns } from '../../../observability/metrics.ts';
import { closeSession, openSession } from '../../../users/sessions.ts';
import { signIn } from '../../../users/sign-in.ts';
import { cookieOf, setCookie } from '../cookies.ts';
import { html } from '../html.ts';
import { t } from '../i18n.ts';
import { page } from '../layout.ts';
import { consoleLocale, redirect, sameToken, sessionCookie, viewer, checkCsrf } from '../viewer.ts';

/** Before a session exists, a double-submit cookie stands in for the CSRF token (login CSRF). */
const signInCookie = 'mp_signin';
const digest = (text: string) => createHash('sha256').update(text).digest();

export function signInPages(scope: FastifyInstance, deps: Deps): void {
  const expectedAdmin = digest(deps.adminToken);

  scope.get('/console/sign-in', { config: { public: true }, schema: { hide: true } }, async (request, reply) => {
    const locale = consoleLocale(request);
    const nonce = randomBytes(18).toString('base64url');
    setCookie(request, reply, signInCookie, nonce, 3600);
    const problem = (request.query as { problem?: string }).problem;
    const alert = problem === '7205' || problem === '7206' || problem === '1010' ? html`<p role="alert" class="error">${messageFor(problem, locale)}</p>` : '';
    const body = html`${alert}
      <div class="cards">
      <form method="post" action="/console/sign-in/user" class="card" aria-labelledby="user-heading">
        <h2 id="user-heading">${t(locale, 'userSignIn')}</h2>
        <input type="hidden" name="_csrf" value="${nonce}" />
        <label>${t(locale, 'email')} <input name="email" type="email" autocomplete="username" required /></label>
        <label>${t(locale, 'password')} <input name="password" type="password" autocomplete="current-password" required /></label>
        <label>${t(locale, 'totpCode')} <input name="code" inputmode="numeric" pattern="[0-9]{6}" autocomplete="one-time-code" required /></label>
        <button type="submit">${t(locale, 'signIn')}</button>
      </form>
      <form method="post" action="/console/sign-in/operator" class="card" aria-labelledby="operator-heading">
        <h2 id="operator-heading">${t(locale, 'operatorSignIn')}</h2>
        <input type="hidden" name="_csrf" value="${nonce}" />
        <label>${t(locale, 'adminToken')} <input name="token" type="password" autocomplete="off" required /></label>
        <button type="submit">${t(locale, 'signIn')} (${t(locale, 'operator')})</button>
      </form>
      </div>`;
    return reply.type('text/html; charset=utf-8').send(page(locale, undefined, t(locale, 'signIn'), body));
  });

  const checkNonce = (request: FastifyRequest) => {
    const nonce = cookieOf(request, signInCookie);
    if (!nonce || !sameToken((request.body as Record<string, unknown>)?._csrf, nonce)) throw new ApiError('CSRF_INVALID');
  };
  const startSession = async (request: FastifyRequest, reply: FastifyReply, userId: bigint | undefined) => {
    const { token } = await openSession(deps.db, userId);
    setCookie(request, reply, sessionCookie, token, limits.consoleSessionMs / 1000);
    setCookie(request, reply, signInCookie, '', 0);
    return redirect(reply, '/console/batches');
  };

  scope.post('/console/sign-in/operator', { config: { public: true }, schema: { hide: true } }, async (request, reply) => {
    checkNonce(request);
    const token = String((request.body as Record<string, unknown>).token ?? '');
    if (!timingSafeEqual(digest(token), expectedAdmin)) {
      consoleSignIns.inc({ outcome: 'refused' });
      return redirect(reply, '/console/sign-in?problem=1010');
    }
    consoleSignIns.inc({ outcome: 'ok' });
    request.log.info({ actor: 'admin' }, 'console sign-in');
    return startSession(request, reply, undefined);
  });

  scope.post('/console/sign-in/user', { config: { public: true }, schema: { hide: true } }, async (request, reply) => {
    checkNonce(request);
    const body = request.body as Record<string, unknown>;
    const outcome = await signIn(deps.db, deps.box, { email: String(body.email ?? ''), password: String(body.password ?? ''), code: String(body.code ?? '') });
    if (!outcome.ok) {
      consoleSignIns.inc({ outcome: outcome.reason === 'LOCKED' ? 'locked' : 'refused' });
      return redirect(reply, `/console/sign-in?problem=${outcome.reason === 'LOCKED' ? '7206' : '7205'}`);
    }
    consoleSignIns.inc({ outcome: 'ok' });
    request.log.info({ actor: `user:${outcome.user.email}` }, 'console sign-in');
    return startSession(request, reply, outcome.user.id);
  });

  scope.post('/console/sign-out', { schema: { hide: true } }, async (request, reply) => {
    checkCsrf(request, viewer(request));
    const token = cookieOf(request, sessionCookie);
    if (token) await closeSession(deps.db, token);
    setCookie(request, reply, sessionCookie, '', 0);
    return redirect(reply, '/console/sign-in');
  });
}

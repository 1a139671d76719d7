import { readFileSync } from 'node:fs';
import type { FastifyError, FastifyInstance } from 'fastify';
import { ApiError } from '../errors.ts';
import { errors, messageFor } from '../../errors.ts';
import type { Deps } from '../deps.ts';
import { toApiError } from '../framework-errors.ts';
import { limits } from '../../limits.ts';
import { setCookie } from './cookies.ts';
import { html } from './html.ts';
import { page } from './layout.ts';
import { bankFilePages } from './pages/bank-files.ts';
import { batchPages } from './pages/batches.ts';
import { bookPages } from './pages/books.ts';
import { merchantPages } from './pages/merchants.ts';
import { signInPages } from './pages/sign-in.ts';
import { uploadPages } from './pages/upload.ts';
import { webhookPages } from './pages/webhooks.ts';
import { consoleLocale, redirect, viewerOf } from './viewer.ts';

const asset = (name: string) => readFileSync(new URL(`./assets/${name}`, import.meta.url));
const assets = { 'console.css': { type: 'text/css; charset=utf-8', body: asset('console.css') }, 'console.js': { type: 'text/javascript; charset=utf-8', body: asset('console.js') } };

/**
 * The console at /console: server-rendered pages (no build step, no CDN, works offline), a small
 * CSS file and a little script for progressive enhancement. Forms post urlencoded (or multipart for
 * the CSV upload), parsed here from the raw body the server has already read within its limits.
 */
export async function consoleRoutes(scope: FastifyInstance, deps: Deps): Promise<void> {
  scope.removeAllContentTypeParsers();
  scope.addContentTypeParser('application/x-www-form-urlencoded', (request, _payload, done) => {
    done(null, Object.fromEntries(new URLSearchParams((request.rawBody ?? Buffer.alloc(0)).toString('utf8'))));
  });
  scope.addContentTypeParser('multipart/form-data', (request, _payload, done) => {
    // undici's multipart parser (Node's own fetch): no dependency for one upload form.
    new Response(new Uint8Array(request.rawBody ?? Buffer.alloc(0)), { headers: { 'content-type': String(request.headers['content-type']) } })
      .formData()
      .then(async (form) => {
        const fields: Record<string, unknown> = {};
        for (const [name, value] of form) fields[name] = typeof value === 'string' ? value : new Uint8Array(await value.arrayBuffer());
        done(null, fields);
      })
      .catch(() => done(new ApiError('INVALID_REQUEST', 'the form could not be read')));
  });

  scope.setErrorHandler((error: FastifyError | ApiError, request, reply) => {
    const locale = consoleLocale(request);
    // The API's mapping (415 for a JSON body, 400 for bad input, 503 for an outage): only what is
    // left over is a 500, and logged as one.
    const apiError = !(error instanceof ApiError) && error.statusCode === 413 ? new ApiError('BODY_TOO_LARGE') : toApiError(error);
    if (apiError.httpStatus >= 500 && apiError.entry !== errors.DATABASE_UNAVAILABLE) request.log.error({ err: error }, 'console request failed');
    if (apiError.entry.code === '7207') return redirect(reply, '/console/sign-in');
    const message = messageFor(apiError.entry.code, locale) + (apiError.detail ? `: ${apiError.detail}` : '');
    const body = html`<p role="alert" class="error">${message} <small>(${apiError.entry.code})</small></p><p><a href="/console">masspayout</a></p>`;
    reply.status(apiError.httpStatus).type('text/html; charset=utf-8').send(page(locale, request.console?.viewer, message, body));
  });

  scope.addHook('preHandler', async (request, reply) => {
    const lang = (request.query as Record<string, unknown> | undefined)?.lang;
    if (lang === 'tr' || lang === 'en') setCookie(request, reply, 'mp_lang', lang, 365 * 24 * 3600);
    reply.header('content-security-policy', "default-src 'self'; frame-ancestors 'none'; form-action 'self'");
    reply.header('x-frame-options', 'DENY');
    reply.header('cache-control', 'no-store');
    const open = request.routeOptions.config as { public?: boolean } | undefined;
    const viewer = await viewerOf(deps.db, request);
    if (viewer) request.console = { viewer, locale: consoleLocale(request) };
    else if (!open?.public) throw new ApiError('SESSION_REQUIRED');
  });

  scope.get('/console/assets/:name', { config: { public: true }, schema: { hide: true } }, async (request, reply) => {
    const name = (request.params as { name: string }).name;
    // Own keys only: `constructor` or `__proto__` would otherwise find Object's own members.
    if (!Object.hasOwn(assets, name)) throw new ApiError('NOT_FOUND');
    const found = assets[name as keyof typeof assets];
    return reply.header('cache-control', 'public, max-age=3600').type(found.type).send(found.body);
  });
  scope.get('/console', { config: { public: true }, schema: { hide: true } }, async (request, reply) => redirect(reply, request.console ? '/console/batches' : '/console/sign-in'));

  signInPages(scope, deps);
  batchPages(scope, deps);
  uploadPages(scope, deps);
  merchantPages(scope, deps);
  bookPages(scope, deps);
  bankFilePages(scope, deps);
  webhookPages(scope, deps);
}

/** Body limit of the CSV upload route; every other console form is small. */
export const uploadBodyLimit = limits.consoleUploadBytesMax;

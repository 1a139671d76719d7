import swagger from '@fastify/swagger';
import swaggerUi from '@fastify/swagger-ui';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import Fastify, { type FastifyError, type FastifyServerOptions } from 'fastify';
import type { Db } from '../db/port.ts';
import { limits } from '../limits.ts';
import { requireAdminToken } from './admin-auth.ts';
import type { ApiServer, Deps } from './deps.ts';
import { failure } from './envelope.ts';
import { ApiError } from './errors.ts';
import { forgetOldRandomKeys, requireSignature } from './merchant-auth.ts';
import { captureRawBodies } from './raw-body.ts';
import { recordRouteMethods } from './route-methods.ts';
import { adminRoutes, merchantRoutes } from './routes/index.ts';

export interface ServerOptions {
  logger?: FastifyServerOptions['logger'];
  /** How often seen random keys past the replay window are forgotten (tests shorten it). */
  randomKeyPurgeIntervalMs?: number;
}

export async function buildServer(deps: Deps, options: ServerOptions = {}): Promise<ApiServer> {
  const app = Fastify({
    logger: options.logger ?? false,
    bodyLimit: limits.smallBodyBytesMax,
    requestTimeout: limits.requestTimeoutMs,
    // Strict schemas: unknown fields and wrong types are the client's mistake, reported, never dropped.
    ajv: { customOptions: { removeAdditional: false, coerceTypes: false, useDefaults: true, allErrors: false } },
  }).withTypeProvider<TypeBoxTypeProvider>();

  app.setErrorHandler((error: FastifyError | ApiError, request, reply) => {
    const apiError = toApiError(error);
    if (apiError.httpStatus >= 500) request.log.error({ err: error }, 'request failed');
    if (apiError.httpStatus >= 500 && !options.logger) console.error(error);
    reply.status(apiError.httpStatus).send(failure(request, apiError));
  });
  const methodsOf = recordRouteMethods(app);
  app.setNotFoundHandler((request, reply) => {
    const allowed = methodsOf(request.url.split('?')[0]);
    if (allowed.length > 0) {
      reply.status(405).header('allow', allowed.join(', ')).send(failure(request, new ApiError('METHOD_NOT_ALLOWED')));
      return;
    }
    reply.status(404).send(failure(request, new ApiError('NOT_FOUND')));
  });

  await app.register(swagger, {
    openapi: {
      info: {
        title: 'masspayout',
        version: '0.1.0',
        description:
          "Mass payouts over iyzico's Mass Payout API. Merchant routes are signed with IYZWSv2; admin routes take `Authorization: Bearer <MASSPAYOUT_ADMIN_TOKEN>`.",
      },
      tags: [
        { name: 'mass payout', description: "The merchant API, as iyzico's Mass Payout API: IYZWSv2-signed, `?locale=tr|en`." },
        { name: 'admin', description: 'The operator API: merchants, deposits, wallet members, books and audit. Bearer token.' },
      ],
      components: {
        securitySchemes: {
          IYZWSv2: { type: 'apiKey', in: 'header', name: 'Authorization' },
          adminToken: { type: 'http', scheme: 'bearer' },
        },
      },
    },
  });
  // The UI's assets ship inside @fastify/swagger-ui: /docs works with no network access.
  await app.register(swaggerUi, { routePrefix: '/docs', theme: { title: 'masspayout API' }, uiConfig: { docExpansion: 'list' } });
  captureRawBodies(app);

  app.get('/healthz', { schema: { hide: true } }, async () => {
    await deps.db.query('select 1');
    return { status: 'ok' };
  });
  app.get('/openapi.json', { schema: { hide: true } }, async () => app.swagger());

  scheduleRandomKeyPurge(app, deps.db, options.randomKeyPurgeIntervalMs ?? limits.randomKeyPurgeIntervalMs);

  await app.register(async (scope) => {
    requireSignature(scope, deps.db, deps.box, { trustForwardedProto: deps.config.tls.trustForwardedProto });
    merchantRoutes(scope as ApiServer, deps);
  });
  await app.register(async (scope) => {
    requireAdminToken(scope, deps.adminToken);
    adminRoutes(scope as ApiServer, deps);
  });
  await app.ready();
  return app;
}

/**
 * Forgets random keys older than the replay window, every `intervalMs`, while the server is open.
 * Unref'd: it never keeps a process alive; a failed purge is logged and tried again next time.
 */
function scheduleRandomKeyPurge(app: ApiServer, db: Db, intervalMs: number): void {
  let running = false;
  const timer = setInterval(() => {
    if (running) return;
    running = true;
    forgetOldRandomKeys(db)
      .catch((error: unknown) => app.log.error({ err: error }, 'forgetting old random keys failed'))
      .finally(() => {
        running = false;
      });
  }, intervalMs);
  timer.unref();
  app.addHook('onClose', async () => clearInterval(timer));
}

/** Every failure becomes a catalogue entry; anything unexpected is a 500 that says nothing inside. */
function toApiError(error: FastifyError | ApiError): ApiError {
  if (error instanceof ApiError) return error;
  if (error.validation) {
    const first = error.validation[0];
    const where = `${error.validationContext ?? 'body'}${first?.instancePath ?? ''}`;
    return new ApiError('INVALID_REQUEST', `${where} ${first?.message ?? 'is invalid'}`.slice(0, 200));
  }
  switch (error.code) {
    case 'FST_ERR_CTP_BODY_TOO_LARGE':
      return new ApiError('BODY_TOO_LARGE');
    case 'FST_ERR_CTP_INVALID_MEDIA_TYPE':
      return new ApiError('UNSUPPORTED_MEDIA_TYPE');
    case 'FST_ERR_CTP_EMPTY_JSON_BODY':
    case 'FST_ERR_CTP_INVALID_JSON_BODY':
      return new ApiError('MALFORMED_JSON');
  }
  if (typeof error.statusCode === 'number' && error.statusCode >= 400 && error.statusCode < 500) {
    return new ApiError('INVALID_REQUEST');
  }
  return new ApiError('SYSTEM_ERROR');
}

import swagger from '@fastify/swagger';
import swaggerUi from '@fastify/swagger-ui';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import Fastify, { LogController, type FastifyBaseLogger, type FastifyError, type FastifyServerOptions } from 'fastify';
import { observeRequests } from '../observability/http-observability.ts';
import { requestIdOf, type Logger } from '../observability/logger.ts';
import type { Db } from '../db/port.ts';
import { errors } from '../errors.ts';
import { limits } from '../limits.ts';
import { requireAdminToken } from './admin-auth.ts';
import type { ApiServer, Deps } from './deps.ts';
import { BodyBudget } from './body-budget.ts';
import { ApiError } from './errors.ts';
import { clientErrorHandler, frameworkErrors, sendFailure, toApiError } from './framework-errors.ts';
import { healthRoutes } from './health.ts';
import { guardText } from './input-guard.ts';
import { iyzwsDescription, withExamples } from './openapi-examples.ts';
import { webhookEventSchemas } from './webhook-event-docs.ts';
import { requireSignature } from './merchant-auth.ts';
import { forgetOldRandomKeys } from './replay-keys.ts';
import { limitMerchantRate } from './rate-limit.ts';
import { captureRawBodies } from './raw-body.ts';
import { recordRouteMethods } from './route-methods.ts';
import { adminRoutes, merchantRoutes } from './routes/index.ts';
import { metricsRoute } from './routes/metrics.ts';
import { consoleRoutes } from './console/console.ts';

export interface ServerOptions {
  /** The process's JSON logger (service.ts); tests pass fastify's logger options instead, or nothing. */
  loggerInstance?: Logger;
  logger?: FastifyServerOptions['logger'];
  /** How often seen random keys past the replay window are forgotten (tests shorten it). */
  randomKeyPurgeIntervalMs?: number;
  /** PEM certificate and key: the server speaks HTTPS (HTTP/1.1) instead of plain HTTP. */
  https?: { cert: Buffer; key: Buffer };
}

export async function buildServer(deps: Deps, options: ServerOptions = {}): Promise<ApiServer> {
  const socketTimeouts = { headersTimeout: deps.config.edge.headersTimeoutMs, connectionsCheckingInterval: limits.connectionsCheckIntervalMs };
  const logging = options.loggerInstance ? { loggerInstance: options.loggerInstance as FastifyBaseLogger } : { logger: options.logger ?? false };
  const app = Fastify({
    ...logging,
    genReqId: requestIdOf,
    // observeRequests writes one line per request, with its route, status and time.
    logController: new LogController({ disableRequestLogging: true }),
    bodyLimit: limits.smallBodyBytesMax,
    requestTimeout: deps.config.edge.requestTimeoutMs,
    frameworkErrors,
    clientErrorHandler,
    // Strict schemas: unknown fields and wrong types are the client's mistake, reported, never dropped.
    ajv: { customOptions: { removeAdditional: false, coerceTypes: false, useDefaults: true, allErrors: false } },
    // With a certificate the server is an https.Server; routes and hooks see the same requests, so
    // ApiServer keeps the http typing (merchant-auth.ts reads the scheme off the socket).
    // The socket timeouts go to whichever Node server fastify creates.
    ...(options.https ? { https: { ...options.https, ...socketTimeouts } } : { http: socketTimeouts }),
  } as unknown as FastifyServerOptions).withTypeProvider<TypeBoxTypeProvider>();

  app.server.maxConnections = deps.config.edge.connectionsMax;

  app.setErrorHandler((error: FastifyError | ApiError, request, reply) => {
    // The client hung up before its body arrived (or the request timeout cut it off): its socket's
    // ECONNRESET is no database fault and nobody reads the answer. A refusal of our own (a body over
    // its limit, whose reading we stopped) keeps its code.
    if (!(error instanceof ApiError) && request.raw.readableAborted) {
      request.log.info('the client closed the connection before its request was complete');
      return sendFailure(request, reply, new ApiError('INVALID_REQUEST', 'incomplete request'));
    }
    const apiError = toApiError(error);
    // An outage is logged once per request as a line, not a stack: the database is the news.
    if (apiError.entry === errors.DATABASE_UNAVAILABLE) request.log.warn(`database unavailable: ${error.message}`);
    else if (apiError.httpStatus >= 500) {
      request.log.error({ err: error }, 'request failed');
      if (!options.logger && !options.loggerInstance) console.error(error);
    }
    sendFailure(request, reply, apiError);
  });
  observeRequests(app);
  const methodsOf = recordRouteMethods(app);
  app.setNotFoundHandler((request, reply) => {
    const allowed = methodsOf(request.url.split('?')[0]);
    if (allowed.length > 0) reply.header('allow', allowed.join(', '));
    sendFailure(request, reply, new ApiError(allowed.length > 0 ? 'METHOD_NOT_ALLOWED' : 'NOT_FOUND'));
  });
  // Answers are the caller's own (balances, secret keys once): no cache keeps them, no browser sniffs them.
  app.addHook('onSend', async (_request, reply) => {
    reply.header('cache-control', 'no-store');
    reply.header('x-content-type-options', 'nosniff');
  });
  guardText(app);

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
        // What a webhook endpoint receives (README "Webhooks"): no route answers with these.
        schemas: webhookEventSchemas as Record<string, object> as never,
        securitySchemes: {
          IYZWSv2: { type: 'apiKey', in: 'header', name: 'Authorization', description: iyzwsDescription },
          adminToken: { type: 'http', scheme: 'bearer', description: "The service's admin token (MASSPAYOUT_ADMIN_TOKEN, or data/admin.token as `serve` generated it)." },
        },
      },
    },
    transformObject: (document) => ('openapiObject' in document ? withExamples(document.openapiObject as Parameters<typeof withExamples>[0]) : document.swaggerObject) as object,
  });
  // The UI's assets ship inside @fastify/swagger-ui: /docs works with no network access.
  await app.register(swaggerUi, { routePrefix: '/docs', theme: { title: 'masspayout API' }, uiConfig: { docExpansion: 'list' } });
  // A streamed init holds its rows as COPY text on PGlite until it is settled (~0.7 of its body), and
  // on a server only what limits.streamedInitBudgetBytes says.
  const streamedBudgetBytes = (declared: number | undefined) =>
    deps.db.kind === 'pglite' ? (declared ?? deps.config.requestBodyBytesMax) : Math.min(declared ?? Number.POSITIVE_INFINITY, limits.streamedInitBudgetBytes);
  captureRawBodies(app, new BodyBudget(limits.bodyBytesInFlightMax), streamedBudgetBytes);

  healthRoutes(app, { db: deps.db, brokerConnected: deps.brokerConnected });
  app.get('/openapi.json', { schema: { hide: true } }, async () => app.swagger());
  // Someone who opens the service's address in a browser lands on its documentation.
  app.get('/', { schema: { hide: true } }, async (_request, reply) => reply.redirect('/docs', 302));
  metricsRoute(app, deps);

  scheduleRandomKeyPurge(app, deps.db, options.randomKeyPurgeIntervalMs ?? limits.randomKeyPurgeIntervalMs);

  await app.register(async (scope) => {
    requireSignature(scope, deps.db, deps.box, { trustForwardedProto: deps.config.tls.trustForwardedProto });
    limitMerchantRate(scope, deps.config.edge.rateLimit);
    merchantRoutes(scope as ApiServer, deps);
  });
  await app.register(async (scope) => consoleRoutes(scope, deps));
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

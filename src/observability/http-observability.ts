import type { FastifyInstance } from 'fastify';
import { httpDuration, httpRequests } from './metrics.ts';

/**
 * One log line per request at `info` (fastify's own two are turned off), the request id answered in
 * `X-Request-Id`, and the HTTP counters. The route label is the route's pattern
 * (`/v1/mass/payout/item/:referenceCode`), never the URL: labels stay few however many ids exist.
 */
export function observeRequests(app: FastifyInstance): void {
  app.addHook('onRequest', async (request, reply) => {
    reply.header('x-request-id', request.id);
  });
  app.addHook('onResponse', async (request, reply) => {
    const route = request.routeOptions.url ?? 'unmatched';
    const status = reply.statusCode;
    const seconds = reply.elapsedTime / 1000;
    httpRequests.inc({ method: request.method, route, status: String(status) });
    httpDuration.observe({ method: request.method, route }, seconds);
    request.log.info({ method: request.method, route, path: request.url.split('?')[0], status, ms: Math.round(reply.elapsedTime * 10) / 10 }, 'request');
  });
}

import { createHash, timingSafeEqual } from 'node:crypto';
import { databaseMetrics } from '../../observability/database-gauges.ts';
import { registry } from '../../observability/metrics.ts';
import { ApiError } from '../errors.ts';
import type { ApiServer, Deps } from '../deps.ts';

const digest = (text: string) => createHash('sha256').update(text).digest();

/**
 * GET /metrics in Prometheus' text format: this process's counters, then what the database knows.
 * Open unless MASSPAYOUT_METRICS_TOKEN is set (then `Authorization: Bearer <token>`): it holds
 * counts and timings, never an id, an amount of one payout, or a secret.
 */
export function metricsRoute(app: ApiServer, deps: Deps): void {
  const token = deps.config.observability.metricsToken;
  const expected = token ? digest(token) : undefined;
  app.get('/metrics', { schema: { hide: true } }, async (request, reply) => {
    if (expected) {
      const match = /^Bearer (\S+)$/i.exec(request.headers.authorization ?? '');
      if (!match || !timingSafeEqual(digest(match[1]), expected)) throw new ApiError('METRICS_UNAUTHORIZED');
    }
    const text = (await registry.metrics()) + (await databaseMetrics(deps.db));
    return reply.type(registry.contentType).send(text);
  });
}

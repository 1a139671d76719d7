import type { FastifyInstance } from 'fastify';
import type { Db } from '../db/port.ts';
import { limits } from '../limits.ts';

export interface Readiness {
  db: Db;
  /** With QUEUE_URL: whether this process holds a broker connection now. */
  brokerConnected?: () => boolean;
}

/**
 * `/healthz` is liveness: the process answers, whatever its dependencies do (a restart would not
 * bring back a database). `/readyz` is readiness: the database answers `select 1` (and the broker
 * is connected when there is one); 503 with what is missing otherwise, so a load balancer sends
 * traffic elsewhere while this process waits for them to come back.
 */
export function healthRoutes(app: FastifyInstance, readiness: Readiness): void {
  app.get('/healthz', { schema: { hide: true } }, async () => ({ status: 'ok' }));
  app.get('/readyz', { schema: { hide: true } }, async (_request, reply) => {
    const database = await readinessOf(readiness.db.query('select 1'));
    const broker = readiness.brokerConnected ? (readiness.brokerConnected() ? 'ok' : 'unavailable') : undefined;
    const ready = database === 'ok' && broker !== 'unavailable';
    if (!ready) reply.status(503).header('retry-after', String(limits.unavailableRetryAfterSeconds));
    return { status: ready ? 'ok' : 'unavailable', database, ...(broker ? { broker } : {}) };
  });
}

async function readinessOf(check: Promise<unknown>): Promise<'ok' | 'unavailable'> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<'unavailable'>((resolve) => (timer = setTimeout(() => resolve('unavailable'), limits.readinessCheckTimeoutMs)));
  try {
    return await Promise.race([check.then(() => 'ok' as const, () => 'unavailable' as const), timeout]);
  } finally {
    clearTimeout(timer);
  }
}

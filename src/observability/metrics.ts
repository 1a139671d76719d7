import { collectDefaultMetrics, Counter, Histogram, Registry } from 'prom-client';

/**
 * The process's own counters and histograms, kept in memory and rendered by GET /metrics (each
 * process is scraped on its own: `serve` and every `worker`). What lives in the database (queue
 * depth, items by final status, outbox lag) is read at scrape time instead (database-gauges.ts), so
 * it is the same whichever process is asked.
 */
export const registry = new Registry();
collectDefaultMetrics({ register: registry, prefix: 'masspayout_' });

export const httpRequests = new Counter({
  name: 'masspayout_http_requests_total',
  help: 'HTTP requests answered, by method, route (the pattern, not the URL) and status code.',
  labelNames: ['method', 'route', 'status'] as const,
  registers: [registry],
});

export const httpDuration = new Histogram({
  name: 'masspayout_http_request_duration_seconds',
  help: 'Time from the request arriving to the response sent, by method and route.',
  labelNames: ['method', 'route'] as const,
  // From a cached retrieve (~1 ms) to an init of 100,000 items (~3 s on 2 cores).
  buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
  registers: [registry],
});

export const itemsSettled = new Counter({
  name: 'masspayout_items_settled_total',
  help: 'Items this process brought to a final state, by status (SUCCESS, DEPOSIT_SUCCESS, DEPOSIT_FAIL); its rate is the settle throughput.',
  labelNames: ['status'] as const,
  registers: [registry],
});

export const railCalls = new Counter({
  name: 'masspayout_rail_calls_total',
  help: 'Calls to the rails, by rail, call (send, status) and outcome (PAID, REJECTED, AMBIGUOUS, UNKNOWN).',
  labelNames: ['rail', 'call', 'outcome'] as const,
  registers: [registry],
});

export const batchTransitions = new Counter({
  name: 'masspayout_batch_transitions_total',
  help: 'Batch state changes made by this process, by the state reached.',
  labelNames: ['status'] as const,
  registers: [registry],
});

export const consoleSignIns = new Counter({
  name: 'masspayout_console_sign_ins_total',
  help: 'Console sign-in attempts, by outcome (ok, refused, locked, second_factor).',
  labelNames: ['outcome'] as const,
  registers: [registry],
});

export const webhookAttempts = new Counter({
  name: 'masspayout_webhook_attempts_total',
  help: 'Webhook delivery attempts made by this process, by outcome (success, gone, redirect, http_4xx, http_5xx, timeout, refused, network_error).',
  labelNames: ['outcome'] as const,
  registers: [registry],
});

export const webhookAttemptDuration = new Histogram({
  name: 'masspayout_webhook_attempt_duration_seconds',
  help: 'Time of one webhook delivery attempt, connect to the response read (bounded by the 10 s timeout).',
  buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
  registers: [registry],
});

/** What the webhook delivery loop and the operator's re-send report per attempt. */
export function countWebhookAttempt(outcome: string, durationMs: number): void {
  webhookAttempts.inc({ outcome });
  webhookAttemptDuration.observe(durationMs / 1000);
}

/** Logs and metrics: how much the process says, and who may scrape it. */
export interface ObservabilityConfig {
  /** pino's level for the JSON log: one line per request at `info`. */
  logLevel: LogLevel;
  /** When set, GET /metrics wants `Authorization: Bearer <token>`; unset, it is open. */
  metricsToken?: string;
}

export const logLevels = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const;
export type LogLevel = (typeof logLevels)[number];

/** LOG_LEVEL (default info) and MASSPAYOUT_METRICS_TOKEN. */
export function observabilityConfigFromEnv(env: NodeJS.ProcessEnv): ObservabilityConfig {
  const raw = (env.LOG_LEVEL || 'info').toLowerCase();
  if (!(logLevels as readonly string[]).includes(raw)) throw new Error(`LOG_LEVEL must be one of ${logLevels.join(', ')}, got "${env.LOG_LEVEL}"`);
  return { logLevel: raw as LogLevel, metricsToken: env.MASSPAYOUT_METRICS_TOKEN || undefined };
}

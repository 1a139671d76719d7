import { randomUUID } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import { pino, type DestinationStream, type Logger, type LoggerOptions } from 'pino';
import type { LogLevel } from './observability-config.ts';

/**
 * What never reaches a log line, wherever it appears in a logged object: credentials, signatures,
 * cookies, passwords and second-factor codes. pino replaces them with "[redacted]".
 */
export const redactedPaths = [
  'req.headers.authorization',
  'req.headers.cookie',
  'req.headers["x-csrf-token"]',
  'res.headers["set-cookie"]',
  '*.authorization',
  '*.secretKey',
  '*.apiKeySecret',
  '*.password',
  '*.token',
  '*.totp',
  '*.totpSecret',
  '*.signature',
  '*.cookie',
];

export function loggerOptions(level: LogLevel): LoggerOptions {
  return {
    level,
    base: { pid: process.pid, service: 'masspayout' },
    redact: { paths: redactedPaths, censor: '[redacted]' },
    timestamp: pino.stdTimeFunctions.isoTime,
  };
}

/** The process's JSON logger (stdout unless a stream is given: tests read their own). */
export function createLogger(level: LogLevel, stream?: DestinationStream): Logger {
  return stream ? pino(loggerOptions(level), stream) : pino(loggerOptions(level));
}

const requestIdPattern = /^[A-Za-z0-9._:-]{1,64}$/;

/**
 * The request id every log line of a request carries, answered in `X-Request-Id`: the caller's own
 * (a load balancer's) when it is a sane token, else a new UUID.
 */
export function requestIdOf(request: IncomingMessage): string {
  const given = request.headers['x-request-id'];
  return typeof given === 'string' && requestIdPattern.test(given) ? given : randomUUID();
}

export type { Logger };

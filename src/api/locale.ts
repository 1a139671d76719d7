import type { FastifyRequest } from 'fastify';
import type { Locale } from '../errors.ts';

function asLocale(value: unknown): Locale | undefined {
  if (typeof value !== 'string') return undefined;
  const lower = value.toLowerCase();
  return lower === 'tr' || lower === 'en' ? lower : undefined;
}

/**
 * The language of messages: `?locale=` first, then `"locale"` in the JSON body (the Java client
 * sends it there, upper case), then Turkish. Works before the body is parsed, too.
 */
export function localeOf(request: FastifyRequest): Locale {
  const fromQuery = asLocale((request.query as Record<string, unknown> | undefined)?.locale);
  if (fromQuery) return fromQuery;
  const body = request.body as Record<string, unknown> | undefined;
  const fromBody = body && typeof body === 'object' ? asLocale(body.locale) : undefined;
  if (fromBody) return fromBody;
  const head = request.rawBody?.subarray(0, 4096).toString('utf8');
  const match = head ? /"locale"\s*:\s*"(tr|en)"/i.exec(head) : null;
  return asLocale(match?.[1]) ?? 'tr';
}

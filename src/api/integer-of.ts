import { ApiError } from './errors.ts';

/**
 * The value of a lenient integer field (src/wire/contract.ts: a number, or a string of digits as the
 * Python and PHP clients send), `fallback` when absent; outside minimum..maximum it is the client's mistake.
 */
export function integerOf(field: string, value: number | string | undefined, fallback: number, minimum: number, maximum: number): number {
  if (value === undefined) return fallback;
  const n = typeof value === 'number' ? value : Number(value);
  if (!Number.isSafeInteger(n) || n < minimum || n > maximum) {
    throw new ApiError('INVALID_REQUEST', `body/${field} must be an integer between ${minimum} and ${maximum}`);
  }
  return n;
}

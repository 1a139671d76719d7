import type { Locale } from '../errors.ts';

/**
 * How the CLI writes money, one way everywhere: for people `38,750.50 TRY` (grouped, two fraction
 * digits, the locale's separators: `38.750,50 TRY` under --locale tr); in --json a decimal string
 * with two fraction digits, `"38750.50"`, whatever the API answered (`38750.5`, `"38750.5"`).
 * Amounts pass through as decimal text, never through a float sum, so nothing is rounded on the way.
 */

export type Amount = number | string | bigint;

const separators: Record<Locale, { group: string; decimal: string }> = {
  en: { group: ',', decimal: '.' },
  tr: { group: '.', decimal: ',' },
};

/** Minor units of a decimal amount as the API writes it (a JSON number or a decimal string, maybe signed). */
export function toMinor(amount: Amount): bigint {
  if (typeof amount === 'bigint') return amount;
  const text = typeof amount === 'number' ? String(amount) : amount.trim();
  const match = /^(-?)(\d+)(?:\.(\d{1,2}))?$/.exec(text);
  if (!match) throw new TypeError(`not a decimal amount with at most two fraction digits: ${text}`);
  const minor = BigInt(match[2]) * 100n + BigInt((match[3] ?? '').padEnd(2, '0'));
  return match[1] ? -minor : minor;
}

/** `"38750.50"`: the --json form of every amount. */
export function jsonMoney(amount: Amount): string {
  const minor = toMinor(amount);
  const abs = minor < 0n ? -minor : minor;
  return `${minor < 0n ? '-' : ''}${abs / 100n}.${String(abs % 100n).padStart(2, '0')}`;
}

/** `38,750.50` (en) or `38.750,50` (tr), without the currency. */
export function formatAmount(amount: Amount, locale: Locale): string {
  const minor = toMinor(amount);
  const abs = minor < 0n ? -minor : minor;
  const { group, decimal } = separators[locale];
  const whole = String(abs / 100n).replace(/\B(?=(\d{3})+(?!\d))/g, group);
  return `${minor < 0n ? '-' : ''}${whole}${decimal}${String(abs % 100n).padStart(2, '0')}`;
}

/** `38,750.50 TRY`: an amount for people. */
export function formatMoney(amount: Amount, currency: string, locale: Locale): string {
  return `${formatAmount(amount, locale)} ${currency}`;
}

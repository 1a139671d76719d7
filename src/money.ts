/**
 * Money is bigint minor units inside; decimals exist only at the JSON edge. Every currency we
 * accept (TRY, USD, EUR) has two fraction digits.
 */
export const currencies = ['TRY', 'USD', 'EUR'] as const;
export type Currency = (typeof currencies)[number];

export function isCurrency(value: unknown): value is Currency {
  return typeof value === 'string' && (currencies as readonly string[]).includes(value);
}

const decimalPattern = /^(\d{1,15})(?:\.(\d{1,2}))?$/;

/**
 * Parses a JSON number or decimal string into minor units. Rejects more than 2 fraction digits,
 * exponents, signs and anything that is not plainly a decimal. A JSON number is read through its
 * shortest round-trip string (what JSON.parse produced), so 100.1 is 10010, never 10009.
 */
export function parseMinor(value: unknown): bigint | undefined {
  let text: string;
  if (typeof value === 'number') {
    if (!Number.isFinite(value)) return undefined;
    text = String(value);
  } else if (typeof value === 'string') {
    text = value.trim();
  } else {
    return undefined;
  }
  const match = decimalPattern.exec(text);
  if (!match) return undefined;
  const [, whole, fraction = ''] = match;
  return BigInt(whole) * 100n + BigInt(fraction.padEnd(2, '0'));
}

/** Minor units as a decimal string without trailing zeros: 2539939350n → "25399393.5". */
export function formatDecimal(minor: bigint): string {
  const negative = minor < 0n;
  const abs = negative ? -minor : minor;
  const whole = abs / 100n;
  const cents = abs % 100n;
  let text = whole.toString();
  if (cents !== 0n) text += '.' + cents.toString().padStart(2, '0').replace(/0$/, '');
  return negative ? '-' + text : text;
}

/**
 * Minor units as a JSON number. Exact for every amount below 2^53 minor units (≈ 90 trillion),
 * which the per-item and per-batch limits keep us far under; asserted, never silently rounded.
 */
export function toJsonAmount(minor: bigint): number {
  if (minor > BigInt(Number.MAX_SAFE_INTEGER) || minor < -BigInt(Number.MAX_SAFE_INTEGER)) {
    throw new Error(`amount ${minor} is beyond what a JSON number carries exactly`);
  }
  return Number(formatDecimal(minor));
}

/** Half-up rounding of amount × rateE8 / 10^8, in minor units. */
export function applyRate(amountMinor: bigint, rateE8: bigint): bigint {
  return (amountMinor * rateE8 + 50_000_000n) / 100_000_000n;
}

/** Parses a rate like "0.01" (0 ≤ rate ≤ 1, ≤ 8 fraction digits) into rate × 10^8. */
export function parseRateE8(value: unknown): bigint | undefined {
  const text = typeof value === 'number' ? String(value) : typeof value === 'string' ? value.trim() : undefined;
  const match = text === undefined ? null : /^(0|1)(?:\.(\d{1,8}))?$/.exec(text);
  if (!match) return undefined;
  const rate = BigInt(match[1]) * 100_000_000n + BigInt((match[2] ?? '').padEnd(8, '0'));
  return rate <= 100_000_000n ? rate : undefined;
}

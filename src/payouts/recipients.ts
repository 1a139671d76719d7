import { electronicFormatIBAN } from 'ibantools';
import { isValidElectronicIban } from './iban.ts';

/**
 * Recipient checks, pure. IBAN: ISO 13616 mod-97 and the country's length (ibantools knows every
 * registry country; TR is 26). Identity number: the Turkish T.C. kimlik no algorithm.
 */
export function normaliseIban(text: string): string {
  return electronicFormatIBAN(text) ?? '';
}

export function isValidIban(text: string): boolean {
  return isValidElectronicIban(normaliseIban(text));
}

/** 11 digits, no leading 0; d10 = ((d1+d3+d5+d7+d9)·7 − (d2+d4+d6+d8)) mod 10; d11 = Σ(d1..d10) mod 10. */
export function isValidIdentityNumber(text: string): boolean {
  if (!/^[1-9][0-9]{10}$/.test(text)) return false;
  const d = [...text].map(Number);
  const odd = d[0] + d[2] + d[4] + d[6] + d[8];
  const even = d[1] + d[3] + d[5] + d[7];
  const tenth = (((odd * 7 - even) % 10) + 10) % 10;
  const eleventh = d.slice(0, 10).reduce((sum, digit) => sum + digit, 0) % 10;
  return d[9] === tenth && d[10] === eleventh;
}

/** E.164: a plus, a non-zero country code digit, 8 to 15 digits in all. */
export function isValidPhone(text: string): boolean {
  return /^\+[1-9][0-9]{7,14}$/.test(text);
}

export function isValidMemberId(text: string): boolean {
  return /^[0-9]{1,32}$/.test(text);
}

import { parseMinor } from '../../money.ts';
import { XmlFormatError } from './xml.ts';

/** Minor units as an ISO 20022 decimal amount, always with its two fraction digits: 1234 → "12.34". */
export function isoAmount(minor: bigint): string {
  if (minor < 0n) throw new Error(`ISO 20022 amounts are never negative, got ${minor}`);
  return `${minor / 100n}.${(minor % 100n).toString().padStart(2, '0')}`;
}

/** An ISO 20022 decimal amount as minor units; anything else (three fraction digits, a sign) is a format error. */
export function minorFromIso(value: string | undefined, where: string): bigint {
  const minor = value === undefined ? undefined : parseMinor(value);
  if (minor === undefined || minor < 0n) throw new XmlFormatError(`${where}: "${value ?? ''}" is not an amount`);
  return minor;
}

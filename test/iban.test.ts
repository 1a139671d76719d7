import { composeIBAN, isValidIBAN } from 'ibantools';
import { describe, expect, test } from 'vitest';
import { isValidElectronicIban } from '../src/payouts/iban.ts';
import { validIbans } from './support/items.ts';

const examples = validIbans;

/** Every single-character change, adjacent swaps, truncations and extensions of a valid IBAN. */
function mutations(iban: string): string[] {
  const out: string[] = [iban.slice(0, -1), iban + '0', iban.slice(0, 2) + '00' + iban.slice(4), iban.slice(0, 2) + '01' + iban.slice(4), iban.slice(0, 2) + '99' + iban.slice(4)];
  for (let i = 0; i < iban.length; i++) {
    for (const c of ['0', '7', 'A', 'Z']) if (iban[i] !== c) out.push(iban.slice(0, i) + c + iban.slice(i + 1));
    if (i + 1 < iban.length) out.push(iban.slice(0, i) + iban[i + 1] + iban[i] + iban.slice(i + 2));
  }
  return out;
}

describe('isValidElectronicIban gives the same verdict as ibantools', () => {
  test('on valid IBANs of several countries', () => {
    for (const iban of examples) {
      expect(isValidIBAN(iban), iban).toBe(true);
      expect(isValidElectronicIban(iban), iban).toBe(true);
    }
  });

  test('on thousands of near misses', () => {
    let invalid = 0;
    for (const iban of examples) {
      for (const candidate of mutations(iban)) {
        const expected = isValidIBAN(candidate);
        if (!expected) invalid++;
        expect(isValidElectronicIban(candidate), candidate).toBe(expected);
      }
    }
    expect(invalid).toBeGreaterThan(1000);
  });

  test('on composed TR and DE IBANs with check digits of every size', () => {
    for (let n = 0; n < 2000; n++) {
      const tr = composeIBAN({ countryCode: 'TR', bban: `00061${String(n * 7919).padStart(17, '0')}` })!;
      const de = composeIBAN({ countryCode: 'DE', bban: String(n * 104729).padStart(18, '0') })!;
      for (const iban of [tr, de]) expect(isValidElectronicIban(iban), iban).toBe(isValidIBAN(iban));
    }
  });

  test('on junk', () => {
    for (const junk of ['', 'T', 'TR', 'TR33', 'tr330006100519786457841326', 'TR33 0006 1005 1978 6457 8413 26', '€€330006100519786457841326', '1'.repeat(26)]) {
      expect(isValidElectronicIban(junk), junk).toBe(isValidIBAN(junk));
    }
  });
});

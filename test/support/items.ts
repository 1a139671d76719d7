import { composeIBAN } from 'ibantools';

/**
 * Payout items for tests: valid ones of every recipient type, numbered so that each is distinct.
 * Identity numbers and IBANs carry correct check digits (computed, not hard-coded per item).
 */

/** Valid IBANs of several countries, including ones whose BBAN has a national check (BE, FR, ES, …). */
export const validIbans = [
  'TR330006100519786457841326',
  'DE89370400440532013000',
  'GB29NWBK60161331926819',
  'FR1420041010050500013M02606',
  'NL91ABNA0417164300',
  'CH9300762011623852957',
  'BE68539007547034',
  'ES9121000418450200051332',
  'IT60X0542811101000000123456',
  'NO9386011117947',
  'PL61109010140000071219812874',
  'SA0380000000608010167519',
  'AE070331234567890123456',
  'MT84MALT011000012345MTLCAST001S',
];

/** A valid TR IBAN (26 chars): bank code 00061, reserve digit 0, a 16-digit account number. */
export function trIban(n: number): string {
  const iban = composeIBAN({ countryCode: 'TR', bban: `000610${String(n).padStart(16, '0')}` });
  if (!iban) throw new Error(`cannot compose an IBAN for ${n}`);
  return iban;
}

/** A valid Turkish identity number: 9 digits from n (first non-zero), then both check digits. */
export function identityNumber(n: number): string {
  const base = String(100_000_000 + (n % 800_000_000));
  const d = [...base].map(Number);
  const tenth = (((d[0] + d[2] + d[4] + d[6] + d[8]) * 7 - (d[1] + d[3] + d[5] + d[7])) % 10 + 10) % 10;
  const eleventh = (d.reduce((sum, digit) => sum + digit, 0) + tenth) % 10;
  return `${base}${tenth}${eleventh}`;
}

export type Item = Record<string, unknown>;

export function ibanItem(n: number, value: number | string = '100.00', currency = 'TRY'): Item {
  return { itemExternalId: `item-${n}`, recipientType: 'IBAN', recipientInfo: trIban(n), recipientName: `Recipient ${n}`, description: `payout ${n}`, amount: { value, currency } };
}

export function memberItem(n: number, memberId: string, value: number | string = '10.00'): Item {
  return { itemExternalId: `item-${n}`, recipientType: 'MEMBER_ID', recipientInfo: memberId, amount: { value, currency: 'TRY' } };
}

export function identityItem(n: number, value: number | string = '10.00'): Item {
  return { itemExternalId: `item-${n}`, recipientType: 'IDENTITY_NUMBER', recipientInfo: identityNumber(n), amount: { value, currency: 'TRY' } };
}

export function phoneItem(n: number, value: number | string = '10.00'): Item {
  return { itemExternalId: `item-${n}`, recipientType: 'PHONE', recipientInfo: `+90555${String(n).padStart(7, '0')}`, amount: { value, currency: 'TRY' } };
}

/** `count` valid IBAN items of 1.00 .. count.00 TRY (item i pays i + 1 lira). */
export function ibanItems(count: number, from = 0): Item[] {
  return Array.from({ length: count }, (_, i) => ibanItem(from + i, `${from + i + 1}.00`));
}

import { describe, expect, test } from 'vitest';
import { isValidIdentityNumber, isValidIban } from '../src/payouts/recipients.ts';
import { type CheckedItem, newBatchContext, validateItem, validateItems } from '../src/payouts/validate-item.ts';
import { identityNumber, trIban, validIbans } from './support/items.ts';

const good = {
  itemExternalId: 'e-1',
  recipientType: 'IBAN',
  recipientInfo: 'TR330006100519786457841326',
  recipientName: 'Ayşe Yılmaz',
  description: 'June salary',
  amount: { value: '100.50', currency: 'TRY' },
};

/** Validates one item on its own (fresh batch context) and returns its reasons ([] when valid). */
function reasonsOf(raw: unknown): string[] {
  const checked = validateItem(raw, newBatchContext());
  return checked.valid ? [] : checked.reasons;
}

function valid(checked: CheckedItem) {
  if (!checked.valid) throw new Error(`expected a valid item, got ${checked.reasons.join(',')}`);
  return checked.item;
}

function invalid(checked: CheckedItem) {
  if (checked.valid) throw new Error('expected an invalid item');
  return checked;
}

const withField = (field: string, value: unknown) => ({ ...good, [field]: value });
const withAmount = (value: unknown, currency: unknown = 'TRY') => ({ ...good, amount: { value, currency } });

describe('a valid item', () => {
  test('comes out normalised: amount in minor units, IBAN in electronic format', () => {
    const item = valid(validateItem({ ...good, recipientInfo: 'tr33 0006 1005 1978 6457 8413 26' }, newBatchContext()));
    expect(item).toEqual({
      itemExternalId: 'e-1',
      recipientType: 'IBAN',
      recipientInfo: 'TR330006100519786457841326',
      recipientName: 'Ayşe Yılmaz',
      description: 'June salary',
      amountMinor: 10050n,
      currency: 'TRY',
    });
  });

  test('of every recipient type', () => {
    expect(reasonsOf({ itemExternalId: 'm', recipientType: 'MEMBER_ID', recipientInfo: '4711', amount: { value: 1, currency: 'TRY' } })).toEqual([]);
    expect(reasonsOf({ itemExternalId: 'i', recipientType: 'IDENTITY_NUMBER', recipientInfo: '10000000146', amount: { value: 1, currency: 'TRY' } })).toEqual([]);
    expect(reasonsOf({ itemExternalId: 'p', recipientType: 'PHONE', recipientInfo: '+905551234567', amount: { value: 1, currency: 'TRY' } })).toEqual([]);
  });

  test('optional fields may be absent or null; recipientName is optional except for IBAN', () => {
    const item = valid(validateItem({ itemExternalId: 'm', recipientType: 'MEMBER_ID', recipientInfo: '1', recipientName: null, description: null, amount: { value: '0.01', currency: 'EUR' } }, newBatchContext()));
    expect(item.recipientName).toBeNull();
    expect(item.description).toBeNull();
    expect(item.amountMinor).toBe(1n);
  });
});

describe('amounts', () => {
  test.each([
    [100.1, 10010n],
    ['100.10', 10010n],
    [' 7.5 ', 750n],
    [10_000_000, 1_000_000_000n],
    ['0.01', 1n],
  ])('%j is %s minor units', (value, minor) => {
    expect(valid(validateItem(withAmount(value), newBatchContext())).amountMinor).toBe(minor);
  });

  test.each([0, '0.00', -1, '-1.00', '1.001', 1.001, 'abc', '', '1e3', 'NaN', '+5'])('%j is AMOUNT_INVALID', (value) => {
    expect(reasonsOf(withAmount(value))).toEqual(['AMOUNT_INVALID']);
  });

  test.each([10_000_000.01, '10000000.01', 1e16, 1e21, '12345678901234567890'])('%j is AMOUNT_TOO_LARGE', (value) => {
    expect(reasonsOf(withAmount(value))).toEqual(['AMOUNT_TOO_LARGE']);
  });

  test('a missing amount or value is AMOUNT_INVALID; a missing currency CURRENCY_INVALID', () => {
    expect(reasonsOf(withField('amount', undefined))).toEqual(['AMOUNT_INVALID']);
    expect(reasonsOf(withField('amount', null))).toEqual(['AMOUNT_INVALID']);
    expect(reasonsOf({ ...good, amount: { currency: 'TRY' } })).toEqual(['AMOUNT_INVALID']);
    expect(reasonsOf({ ...good, amount: { value: 1 } })).toEqual(['CURRENCY_INVALID']);
  });

  test.each(['GBP', 'try', '', 'TRYY'])('currency %j is CURRENCY_INVALID', (currency) => {
    expect(reasonsOf(withAmount(1, currency))).toEqual(['CURRENCY_INVALID']);
  });

  test('an invalid item keeps the amount it could read, 0 when it could not', () => {
    expect(invalid(validateItem(withAmount('20000000.00'), newBatchContext())).item.amountMinor).toBe(2_000_000_000n);
    expect(invalid(validateItem(withAmount('1.001'), newBatchContext())).item.amountMinor).toBe(0n);
    expect(invalid(validateItem(withAmount(1e21), newBatchContext())).item.amountMinor).toBe(0n);
  });
});

describe('recipients', () => {
  test.each([
    ...validIbans.slice(0, 6),
    'GB29 NWBK 6016 1331 9268 19',
    'de89370400440532013000',
  ])('IBAN %s is valid', (iban) => {
    expect(reasonsOf(withField('recipientInfo', iban))).toEqual([]);
  });

  test.each([
    ['TR330006100519786457841327', 'checksum'],
    ['TR33000610051978645784132', 'TR is 26 chars'],
    ['TR3300061005197864578413261', 'TR is 26 chars'],
    ['DE89370400440532013001', 'checksum'],
    ['GB29NWBK6016133192681', 'GB is 22 chars'],
    ['XX89370400440532013000', 'no such country'],
    ['', 'empty'],
    ['TR33' + '0'.repeat(70), 'beyond the field limit'],
  ])('IBAN %s is IBAN_INVALID (%s)', (iban) => {
    expect(reasonsOf(withField('recipientInfo', iban))).toEqual(['IBAN_INVALID']);
  });

  test('generated TR IBANs are valid', () => {
    for (const n of [0, 1, 42, 999_999]) expect(isValidIban(trIban(n))).toBe(true);
  });

  test.each(['10000000146', '12345678950'])('identity number %s is valid', (id) => {
    expect(isValidIdentityNumber(id)).toBe(true);
    expect(reasonsOf({ ...good, recipientType: 'IDENTITY_NUMBER', recipientInfo: id })).toEqual([]);
  });

  test.each([
    ['10000000147', 'eleventh digit wrong'],
    ['10000000156', 'tenth digit wrong'],
    ['01000000146', 'leading zero'],
    ['1000000014', '10 digits'],
    ['100000001466', '12 digits'],
    ['1000000014a', 'a letter'],
  ])('identity number %s is IDENTITY_NUMBER_INVALID (%s)', (id) => {
    expect(reasonsOf({ ...good, recipientType: 'IDENTITY_NUMBER', recipientInfo: id })).toEqual(['IDENTITY_NUMBER_INVALID']);
  });

  test('generated identity numbers are valid', () => {
    for (const n of [0, 1, 77, 123_456]) expect(isValidIdentityNumber(identityNumber(n))).toBe(true);
  });

  test.each(['+905551234567', '+14155552671', '+4930123456'])('phone %s is valid', (phone) => {
    expect(reasonsOf({ ...good, recipientType: 'PHONE', recipientInfo: phone })).toEqual([]);
  });

  test.each(['905551234567', '+05551234567', '+90 555 123 45 67', '+1234567', '+1234567890123456', ''])('phone %j is PHONE_INVALID', (phone) => {
    expect(reasonsOf({ ...good, recipientType: 'PHONE', recipientInfo: phone })).toEqual(['PHONE_INVALID']);
  });

  test.each(['4711', '0', '1'.repeat(32)])('member id %s is valid', (id) => {
    expect(reasonsOf({ ...good, recipientType: 'MEMBER_ID', recipientInfo: id })).toEqual([]);
  });

  test.each(['', 'abc', '12a', '-1', '1'.repeat(33)])('member id %j is MEMBER_ID_INVALID', (id) => {
    expect(reasonsOf({ ...good, recipientType: 'MEMBER_ID', recipientInfo: id })).toEqual(['MEMBER_ID_INVALID']);
  });

  test('a missing recipientInfo is the recipient type\'s own reason', () => {
    expect(reasonsOf(withField('recipientInfo', undefined))).toEqual(['IBAN_INVALID']);
    expect(reasonsOf({ ...good, recipientType: 'PHONE', recipientInfo: null })).toEqual(['PHONE_INVALID']);
  });

  test.each(['iban', 'WALLET', '', undefined, null])('recipientType %j is RECIPIENT_TYPE_INVALID', (type) => {
    expect(reasonsOf(withField('recipientType', type))).toEqual(['RECIPIENT_TYPE_INVALID']);
  });
});

describe('names, descriptions and ids', () => {
  test('IBAN needs a recipientName; blank counts as missing', () => {
    expect(reasonsOf(withField('recipientName', undefined))).toEqual(['RECIPIENT_NAME_REQUIRED']);
    expect(reasonsOf(withField('recipientName', '   '))).toEqual(['RECIPIENT_NAME_REQUIRED']);
  });

  test('limits: name 128, description 256, itemExternalId 64 chars', () => {
    expect(reasonsOf(withField('recipientName', 'n'.repeat(128)))).toEqual([]);
    expect(reasonsOf(withField('recipientName', 'n'.repeat(129)))).toEqual(['RECIPIENT_NAME_TOO_LONG']);
    expect(reasonsOf(withField('description', 'd'.repeat(256)))).toEqual([]);
    expect(reasonsOf(withField('description', 'd'.repeat(257)))).toEqual(['DESCRIPTION_TOO_LONG']);
    expect(reasonsOf(withField('itemExternalId', 'x'.repeat(64)))).toEqual([]);
    expect(reasonsOf(withField('itemExternalId', 'x'.repeat(65)))).toEqual(['ITEM_EXTERNAL_ID_INVALID']);
  });

  test.each(['', undefined, null])('itemExternalId %j is ITEM_EXTERNAL_ID_INVALID', (id) => {
    expect(reasonsOf(withField('itemExternalId', id))).toEqual(['ITEM_EXTERNAL_ID_INVALID']);
  });

  test('a huge field is cut to its limit in what an invalid item keeps', () => {
    const checked = invalid(validateItem({ ...good, itemExternalId: 'x'.repeat(100_000), recipientName: 'n'.repeat(100_000), description: 'd'.repeat(100_000), recipientInfo: 'r'.repeat(100_000) }, newBatchContext()));
    expect(checked.reasons).toEqual(['ITEM_EXTERNAL_ID_INVALID', 'IBAN_INVALID', 'RECIPIENT_NAME_TOO_LONG', 'DESCRIPTION_TOO_LONG']);
    expect(checked.item.itemExternalId).toHaveLength(64);
    expect(checked.item.recipientInfo).toHaveLength(64);
    expect(checked.item.recipientName).toHaveLength(128);
    expect(checked.item.description).toHaveLength(256);
  });
});

describe('malformed items', () => {
  test.each([null, 5, 'item', true, [], [good]])('%j is ITEM_MALFORMED and nothing else', (raw) => {
    const checked = invalid(validateItem(raw, newBatchContext()));
    expect(checked.reasons).toEqual(['ITEM_MALFORMED']);
    expect(checked.item).toEqual({ itemExternalId: null, recipientType: '', recipientInfo: '', recipientName: null, description: null, amountMinor: 0n, amountSent: null, currency: null });
  });

  test('an unknown field, in the item or in its amount, is ITEM_MALFORMED', () => {
    expect(reasonsOf({ ...good, iban: 'TR' })).toEqual(['ITEM_MALFORMED']);
    expect(reasonsOf({ ...good, amount: { value: 1, currency: 'TRY', fee: 0 } })).toEqual(['ITEM_MALFORMED']);
  });

  test.each([
    ['itemExternalId', 42],
    ['recipientType', ['IBAN']],
    ['recipientInfo', 330006100519786],
    ['recipientName', { first: 'A' }],
    ['description', false],
    ['amount', '100.00'],
    ['amount', [100, 'TRY']],
  ])('%s of the wrong type (%j) is ITEM_MALFORMED', (field, value) => {
    expect(reasonsOf(withField(field, value))).toContain('ITEM_MALFORMED');
  });

  test('a string with U+0000 (PostgreSQL text cannot hold it) is ITEM_MALFORMED and not kept', () => {
    const checked = invalid(validateItem({ ...good, description: 'a\u0000b' }, newBatchContext()));
    expect(checked.reasons).toEqual(['ITEM_MALFORMED']);
    expect(checked.item.description).toBeNull();
    expect(reasonsOf(withField('itemExternalId', 'x\u0000'))).toEqual(['ITEM_MALFORMED']);
    expect(reasonsOf(withAmount('1.00\u0000'))).toEqual(['AMOUNT_INVALID']);
  });

  test('amount value or currency of the wrong type is ITEM_MALFORMED', () => {
    expect(reasonsOf(withAmount({ v: 1 }))).toEqual(['ITEM_MALFORMED']);
    expect(reasonsOf(withAmount(true))).toEqual(['ITEM_MALFORMED']);
    expect(reasonsOf(withAmount(1, 949))).toEqual(['ITEM_MALFORMED']);
  });

  test('every reason is reported once, in field order', () => {
    const checked = invalid(validateItem({ extra: 1, itemExternalId: '', recipientType: 'IBAN', recipientInfo: 'TR00', description: 'd'.repeat(300), amount: { value: 0, currency: 'XYZ' }, more: 2 }, newBatchContext()));
    expect(checked.reasons).toEqual(['ITEM_MALFORMED', 'ITEM_EXTERNAL_ID_INVALID', 'IBAN_INVALID', 'RECIPIENT_NAME_REQUIRED', 'DESCRIPTION_TOO_LONG', 'AMOUNT_INVALID', 'CURRENCY_INVALID']);
  });
});

describe('batch rules', () => {
  test('the batch currency is the first valid currency, even on an otherwise invalid item', () => {
    const checked = validateItems([
      { ...good, itemExternalId: 'a', amount: { value: 1, currency: 'GBP' } },
      { ...good, itemExternalId: 'b', amount: { value: 0, currency: 'USD' } },
      { ...good, itemExternalId: 'c', amount: { value: 1, currency: 'TRY' } },
      { ...good, itemExternalId: 'd', amount: { value: 1, currency: 'USD' } },
    ]);
    expect(checked.currency).toBe('USD');
    expect(checked.items.map((c) => (c.valid ? [] : c.reasons))).toEqual([['CURRENCY_INVALID'], ['AMOUNT_INVALID'], ['CURRENCY_MISMATCH'], []]);
    expect(checked.validCount).toBe(1);
    // A mismatched item keeps its own currency; an unreadable one has none (the batch's is stored).
    expect(checked.items[2].item.currency).toBe('TRY');
    expect(checked.items[0].item.currency).toBeNull();
  });

  test('a duplicate itemExternalId: the first occurrence is valid, later ones are not', () => {
    const checked = validateItems([
      { ...good, itemExternalId: 'x' },
      { ...good, itemExternalId: 'y' },
      { ...good, itemExternalId: 'x' },
      { ...good, itemExternalId: 'x', amount: { value: 1, currency: 'TRY' } },
    ]);
    expect(checked.items.map((c) => (c.valid ? [] : c.reasons))).toEqual([[], [], ['ITEM_EXTERNAL_ID_DUPLICATE'], ['ITEM_EXTERNAL_ID_DUPLICATE']]);
  });

  test('the first occurrence counts even when that item is invalid for another reason', () => {
    const checked = validateItems([{ ...good, itemExternalId: 'x', amount: { value: 0, currency: 'TRY' } }, { ...good, itemExternalId: 'x' }]);
    expect(checked.items.map((c) => (c.valid ? [] : c.reasons))).toEqual([['AMOUNT_INVALID'], ['ITEM_EXTERNAL_ID_DUPLICATE']]);
  });

  test('with no valid currency anywhere the batch currency is TRY and every item is invalid', () => {
    const checked = validateItems([5, { ...good, amount: { value: 1, currency: 'GBP' } }]);
    expect(checked).toMatchObject({ currency: 'TRY', validCount: 0 });
  });

  test('100,000 items validate in one pass', () => {
    const items = Array.from({ length: 100_000 }, (_, i) => ({ ...good, itemExternalId: `e-${i}`, recipientInfo: trIban(i) }));
    const started = performance.now();
    const checked = validateItems(items);
    const elapsedMs = performance.now() - started;
    expect(checked.validCount).toBe(100_000);
    // ~0.3 s on these 2-core machines; a generous bound that still catches an accidental O(n²).
    expect(elapsedMs).toBeLessThan(5_000);
  });
});

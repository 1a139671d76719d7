import { limits } from '../limits.ts';
import { type Currency, isCurrency, parseMinor } from '../money.ts';
import type { ErrorName } from '../errors.ts';
import { isValidElectronicIban } from './iban.ts';
import { isValidIdentityNumber, isValidMemberId, isValidPhone, normaliseIban } from './recipients.ts';
import { type RecipientType, recipientTypes } from './statuses.ts';
import { isStorableText } from '../text.ts';

/**
 * Per-item validation, pure. One bad line never rejects a request: an item either comes out
 * normalised and valid, or INVALID with every reason found (in field order, the first is the
 * headline). Runs once per item in a single pass over the batch; at 100,000 items it allocates two
 * small objects per item and nothing per field.
 */

export type ItemReason = Extract<
  ErrorName,
  | 'ITEM_MALFORMED'
  | 'ITEM_EXTERNAL_ID_INVALID'
  | 'ITEM_EXTERNAL_ID_DUPLICATE'
  | 'RECIPIENT_TYPE_INVALID'
  | 'IBAN_INVALID'
  | 'MEMBER_ID_INVALID'
  | 'IDENTITY_NUMBER_INVALID'
  | 'PHONE_INVALID'
  | 'RECIPIENT_NAME_REQUIRED'
  | 'RECIPIENT_NAME_TOO_LONG'
  | 'DESCRIPTION_TOO_LONG'
  | 'AMOUNT_INVALID'
  | 'AMOUNT_TOO_LARGE'
  | 'CURRENCY_INVALID'
  | 'CURRENCY_MISMATCH'
>;

/** A valid item, normalised: amount in minor units, IBAN in electronic format (no spaces, upper case). */
export interface ValidItem {
  itemExternalId: string;
  recipientType: RecipientType;
  recipientInfo: string;
  recipientName: string | null;
  description: string | null;
  amountMinor: bigint;
  currency: Currency;
}

/**
 * What could be read of an invalid item, cut to the field limits so a huge string is never stored:
 * unreadable text is '' (or null where the field is optional), an unreadable amount is 0, an
 * unreadable currency is null (the batch's currency is stored in its place).
 */
export interface ReadableItem {
  itemExternalId: string | null;
  recipientType: string;
  recipientInfo: string;
  recipientName: string | null;
  description: string | null;
  amountMinor: bigint;
  /** amount.value exactly as sent (a number's JSON text, a string as is, cut to 64 chars); null when it was neither. */
  amountSent: string | null;
  currency: Currency | null;
}

export type CheckedItem = { valid: true; item: ValidItem } | { valid: false; item: ReadableItem; reasons: ItemReason[] };

/** What validating one item needs to know about the items before it. */
export interface BatchContext {
  /** The currency of the first item whose currency is valid; undefined until one is seen. */
  currency: Currency | undefined;
  /** Every well-formed itemExternalId seen so far, valid item or not: its first occurrence wins. */
  seenExternalIds: Set<string>;
}

export function newBatchContext(): BatchContext {
  return { currency: undefined, seenExternalIds: new Set() };
}

const itemFields = new Set(['itemExternalId', 'recipientType', 'recipientInfo', 'recipientName', 'description', 'amount']);
const amountFields = new Set(['value', 'currency']);
const recipientTypeSet: ReadonlySet<string> = new Set(recipientTypes);
/** Largest amount an invalid item keeps: beyond it a JSON number would no longer carry it exactly. */
const readableAmountMinorMax = BigInt(Number.MAX_SAFE_INTEGER);

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function hasOnly(value: Record<string, unknown>, allowed: ReadonlySet<string>): boolean {
  for (const key in value) if (!allowed.has(key)) return false;
  return true;
}

function add(reasons: ItemReason[], reason: ItemReason): void {
  if (!reasons.includes(reason)) reasons.push(reason);
}

/** null counts as absent: some clients send every optional field, unset ones as null. */
function absent(value: unknown): value is undefined | null {
  return value === undefined || value === null;
}

/**
 * A present value of the wrong JSON type is malformed; an absent one is the field's own problem.
 * A string with U+0000 or a lone surrogate is malformed and unreadable too: PostgreSQL cannot store it.
 */
function textField(value: unknown, reasons: ItemReason[]): string | undefined {
  if (absent(value)) return undefined;
  if (typeof value === 'string' && isStorableText(value)) return value;
  add(reasons, 'ITEM_MALFORMED');
  return undefined;
}

const recipientReason: Record<RecipientType, ItemReason> = {
  IBAN: 'IBAN_INVALID',
  MEMBER_ID: 'MEMBER_ID_INVALID',
  IDENTITY_NUMBER: 'IDENTITY_NUMBER_INVALID',
  PHONE: 'PHONE_INVALID',
};

/** `info` of an IBAN is already in electronic format (normalised once, not again here). */
function recipientIsValid(type: RecipientType, info: string): boolean {
  switch (type) {
    case 'IBAN':
      return isValidElectronicIban(info);
    case 'MEMBER_ID':
      return isValidMemberId(info);
    case 'IDENTITY_NUMBER':
      return isValidIdentityNumber(info);
    case 'PHONE':
      return isValidPhone(info);
  }
}

/** Digits only but too many for parseMinor (> 15 whole digits): a number, just far too large. */
const oversizeDecimal = /^\s*\d+(?:\.\d{1,2})?\s*$/;

function readAmount(value: unknown, reasons: ItemReason[]): bigint {
  if (absent(value)) {
    add(reasons, 'AMOUNT_INVALID');
    return 0n;
  }
  if (typeof value !== 'number' && typeof value !== 'string') {
    add(reasons, 'ITEM_MALFORMED');
    return 0n;
  }
  const minor = parseMinor(value);
  if (minor === undefined) {
    const huge = typeof value === 'number' ? value > 0 && Number.isFinite(value) && Number.isInteger(value) : oversizeDecimal.test(value.slice(0, 64));
    add(reasons, huge ? 'AMOUNT_TOO_LARGE' : 'AMOUNT_INVALID');
    return 0n;
  }
  if (minor <= 0n) add(reasons, 'AMOUNT_INVALID');
  else if (minor > limits.itemAmountMinorMax) add(reasons, 'AMOUNT_TOO_LARGE');
  return minor <= readableAmountMinorMax ? minor : 0n;
}

/** What an invalid item's amount was sent as, kept so that what to fix can be shown. */
function sentText(value: unknown): string | null {
  if (typeof value === 'number') return String(value).slice(0, limits.amountSentCharsMax);
  // U+0000 cannot be stored in text; it is shown as U+FFFD.
  if (typeof value === 'string') return value.slice(0, limits.amountSentCharsMax).replaceAll('\u0000', '\uFFFD');
  return null;
}

function readCurrency(value: unknown, context: BatchContext, reasons: ItemReason[]): Currency | null {
  const text = textField(value, reasons);
  if (text === undefined || !isCurrency(text)) {
    if (text !== undefined || absent(value)) add(reasons, 'CURRENCY_INVALID');
    return null;
  }
  if (context.currency === undefined) context.currency = text;
  else if (context.currency !== text) add(reasons, 'CURRENCY_MISMATCH');
  return text;
}

/** Validates one submitted item against the item rules (the README's API section) and the items before it (context). */
export function validateItem(raw: unknown, context: BatchContext): CheckedItem {
  const reasons: ItemReason[] = [];
  if (!isPlainObject(raw)) {
    reasons.push('ITEM_MALFORMED');
    const item: ReadableItem = { itemExternalId: null, recipientType: '', recipientInfo: '', recipientName: null, description: null, amountMinor: 0n, amountSent: null, currency: null };
    return { valid: false, item, reasons };
  }
  if (!hasOnly(raw, itemFields)) add(reasons, 'ITEM_MALFORMED');

  const externalId = textField(raw.itemExternalId, reasons);
  if (externalId === undefined) {
    if (absent(raw.itemExternalId)) add(reasons, 'ITEM_EXTERNAL_ID_INVALID');
  } else if (externalId.length === 0 || externalId.length > limits.itemExternalIdCharsMax) {
    add(reasons, 'ITEM_EXTERNAL_ID_INVALID');
  } else if (context.seenExternalIds.has(externalId)) {
    add(reasons, 'ITEM_EXTERNAL_ID_DUPLICATE');
  } else {
    context.seenExternalIds.add(externalId);
  }

  const typeText = textField(raw.recipientType, reasons);
  const type = typeText !== undefined && recipientTypeSet.has(typeText) ? (typeText as RecipientType) : undefined;
  if (type === undefined && (typeText !== undefined || absent(raw.recipientType))) add(reasons, 'RECIPIENT_TYPE_INVALID');

  const infoText = textField(raw.recipientInfo, reasons);
  const infoFits = infoText !== undefined && infoText.length <= limits.recipientInfoCharsMax;
  // Kept on an invalid item too, so cut to the field limit; an IBAN is kept in electronic format.
  let info = infoText === undefined ? '' : infoText.slice(0, limits.recipientInfoCharsMax);
  if (type === 'IBAN' && infoFits) info = normaliseIban(info) || info;
  if (type !== undefined && (!infoFits || !recipientIsValid(type, info))) add(reasons, recipientReason[type]);

  let name = textField(raw.recipientName, reasons) ?? null;
  if (name !== null && name.trim().length === 0) name = null;
  if (name === null && type === 'IBAN') add(reasons, 'RECIPIENT_NAME_REQUIRED');
  if (name !== null && name.length > limits.recipientNameCharsMax) {
    add(reasons, 'RECIPIENT_NAME_TOO_LONG');
    name = name.slice(0, limits.recipientNameCharsMax);
  }

  let description = textField(raw.description, reasons) ?? null;
  if (description !== null && description.length > limits.descriptionCharsMax) {
    add(reasons, 'DESCRIPTION_TOO_LONG');
    description = description.slice(0, limits.descriptionCharsMax);
  }

  let amountMinor = 0n;
  let currency: Currency | null = null;
  const amount = raw.amount;
  if (absent(amount)) {
    add(reasons, 'AMOUNT_INVALID');
  } else if (!isPlainObject(amount)) {
    add(reasons, 'ITEM_MALFORMED');
  } else {
    if (!hasOnly(amount, amountFields)) add(reasons, 'ITEM_MALFORMED');
    amountMinor = readAmount(amount.value, reasons);
    currency = readCurrency(amount.currency, context, reasons);
  }

  if (reasons.length === 0) {
    const item: ValidItem = { itemExternalId: externalId!, recipientType: type!, recipientInfo: info, recipientName: name, description, amountMinor, currency: currency! };
    return { valid: true, item };
  }
  const readableId = externalId === undefined ? null : externalId.slice(0, limits.itemExternalIdCharsMax);
  const readableType = typeText === undefined ? '' : typeText.slice(0, 32);
  const amountSent = isPlainObject(amount) ? sentText(amount.value) : null;
  const item: ReadableItem = { itemExternalId: readableId, recipientType: readableType, recipientInfo: info, recipientName: name, description, amountMinor, amountSent, currency };
  return { valid: false, item, reasons };
}

export interface CheckedBatch {
  items: CheckedItem[];
  /** The batch's currency; TRY when no item named a valid one (every item is then INVALID). */
  currency: Currency;
  validCount: number;
}

/** Validates a whole submission in order, in one pass. */
export function validateItems(raw: readonly unknown[]): CheckedBatch {
  const context = newBatchContext();
  const items = new Array<CheckedItem>(raw.length);
  let validCount = 0;
  for (let i = 0; i < raw.length; i++) {
    const checked = validateItem(raw[i], context);
    if (checked.valid) validCount++;
    items[i] = checked;
  }
  return { items, currency: context.currency ?? 'TRY', validCount };
}

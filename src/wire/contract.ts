import { Type, type Static } from 'typebox';
import { batchStatuses, itemStatuses, purposes, recipientTypes } from '../payouts/statuses.ts';
import { limits } from '../limits.ts';
import { currencies } from '../money.ts';
import { Amount, RequestBody, SuccessResponse } from './schemas.ts';

/**
 * The merchant API's wire contract as TypeBox schemas. The routes
 * validate and serialise with them, the OpenAPI document is generated from them, and the SDK's
 * types are derived from them.
 */
/** A union of string literals whose static type is the union of the values (a mapped array alone types as never). */
const literals = <T extends readonly string[]>(values: T) => Type.Unsafe<T[number]>(Type.Union(values.map((v) => Type.Literal(v))));

export { paths } from './paths.ts';

/**
 * One item as submitted. Deliberately loose: a bad item is stored INVALID with its reasons (one bad
 * line never rejects the request), so the per-item rules live in payouts/validate-item.ts.
 */
export const InitItem = Type.Object(
  {
    itemExternalId: Type.Optional(Type.Unknown({ description: `required, ≤ ${limits.itemExternalIdCharsMax} chars, unique within the batch` })),
    recipientType: Type.Optional(Type.Unknown({ description: recipientTypes.join(' | ') })),
    recipientInfo: Type.Optional(Type.Unknown({ description: 'IBAN, member id, identity number or E.164 phone' })),
    recipientName: Type.Optional(Type.Unknown({ description: `required for IBAN, ≤ ${limits.recipientNameCharsMax} chars` })),
    description: Type.Optional(Type.Unknown({ description: `≤ ${limits.descriptionCharsMax} chars` })),
    amount: Type.Optional(Type.Unknown({ description: '{ value: number | decimal string, currency: TRY | USD | EUR }' })),
  },
  { additionalProperties: true },
);

const initItemDescription =
  'A payout item (see InitItem): itemExternalId, recipientType, recipientInfo, recipientName, description, amount {value, currency}. ' +
  'An item that breaks a rule is stored INVALID and listed in invalidItems; the request still succeeds.';
const initItemExample = {
  itemExternalId: 'salary-2024-06-0001',
  recipientType: 'IBAN',
  recipientInfo: 'TR330006100519786457841326',
  recipientName: 'Ayşe Yılmaz',
  description: 'June salary',
  amount: { value: '15250.75', currency: 'TRY' },
};

/** The typed shape an integrator sends (what the SDK accepts). */
export const InitItemInput = Type.Object({
  itemExternalId: Type.String({ maxLength: limits.itemExternalIdCharsMax }),
  recipientType: literals(recipientTypes),
  recipientInfo: Type.String(),
  recipientName: Type.Optional(Type.String({ maxLength: limits.recipientNameCharsMax })),
  description: Type.Optional(Type.String({ maxLength: limits.descriptionCharsMax })),
  amount: Type.Object({ value: Type.Union([Type.Number(), Type.String()]), currency: literals(currencies) }),
});
export type InitItemInput = Static<typeof InitItemInput>;

/** PostgreSQL text cannot hold U+0000: a stored string with one would fail the insert, a 500 for a client's mistake. */
const noNul = '^[^\\u0000]*$';

export const InitRequest = RequestBody({
  externalId: Type.String({ minLength: 1, maxLength: limits.externalIdCharsMax, pattern: noNul }),
  // Stored with the batch, unlike on other routes, so it gets the same guard.
  conversationId: Type.Optional(Type.String({ maxLength: limits.conversationIdCharsMax, pattern: noNul })),
  purpose: Type.Optional(literals(purposes)),
  // Each entry is checked by validate-item.ts, not here: an entry that is not even an object is a
  // malformed item (stored INVALID), not a malformed request; and ajv skips 100,000 item checks.
  items: Type.Array(Type.Unknown({ description: initItemDescription, examples: [initItemExample] }), {
    description: '1..MASSPAYOUT_ITEMS_PER_BATCH_MAX items; the limit is checked in code',
  }),
});
export type InitRequest = Omit<Static<typeof InitRequest>, 'items'> & { items: InitItemInput[] };

export const InvalidItem = Type.Object({ externalId: Type.Union([Type.String(), Type.Null()]), errorCode: Type.String(), errorMessage: Type.String() });
export const InitResponse = SuccessResponse({ requestId: Type.String({ format: 'uuid' }), invalidItems: Type.Array(InvalidItem) });

export const AuthRequest = RequestBody({ requestId: Type.String({ format: 'uuid' }) });
export const EnvelopeResponse = SuccessResponse({});

export const CancelParams = Type.Object({ requestId: Type.String({ format: 'uuid' }) });

/**
 * An integer, or its decimal digits as a string: the Python and PHP clients send every number as a
 * string (`"page": "0"`). The schema checks the range of a number and the shape of a string; the route reads either with
 * integerOf (src/api/integer-of.ts), which checks a string's range.
 */
function lenientInteger(minimum: number, maximum: number, description: string) {
  return Type.Union([Type.Integer({ minimum, maximum }), Type.String({ pattern: '^[0-9]{1,7}$' })], { description: `${description}; ${minimum}..${maximum}, a number or a string of digits` });
}

export const RetrieveRequest = RequestBody({
  requestId: Type.Optional(Type.String({ format: 'uuid' })),
  externalMassPayoutId: Type.Optional(Type.String({ minLength: 1, maxLength: limits.externalIdCharsMax, pattern: noNul })),
  page: Type.Optional(lenientInteger(0, limits.retrievePageIndexMax, '0-based; default 0')),
  size: Type.Optional(lenientInteger(1, limits.retrievePageSizeMax, `items per page; default ${limits.retrievePageSizeDefault}`)),
  itemType: Type.Optional(literals(['VALID', 'INVALID'] as const)),
  // masspayout extension, additive: a client that does not send it sees iyzico's behaviour.
  itemStatuses: Type.Optional(
    Type.Array(literals(itemStatuses), {
      minItems: 1,
      maxItems: itemStatuses.length,
      description:
        'masspayout extension: only items in one of these states (with itemType, an item must match both); `total` counts what the filter selects. E.g. ["DEPOSIT_SUCCESS","DEPOSIT_FAIL"]: the payouts the rail refused.',
    }),
  ),
});

export const MassPayout = Type.Object({
  requestId: Type.String(),
  externalId: Type.String(),
  merchantId: Type.Integer(),
  massPayoutStatus: literals(batchStatuses),
  currency: Type.String(),
  totalAmount: Amount,
  totalSuccessfulAmount: Amount,
  totalCommissionAmount: Amount,
  itemCount: Type.Integer(),
  receivedDate: Type.String({ format: 'date-time' }),
  completedDate: Type.Union([Type.String({ format: 'date-time' }), Type.Null()]),
  canceledDate: Type.Union([Type.String({ format: 'date-time' }), Type.Null()]),
  itemStatusCounts: Type.Object(Object.fromEntries(itemStatuses.map((s) => [s, Type.Integer()])) as Record<(typeof itemStatuses)[number], ReturnType<typeof Type.Integer>>, {
    description: 'masspayout extension: how many items are in each status (for progress displays)',
  }),
});

export const PayoutItem = Type.Object({
  itemExternalId: Type.String(),
  referenceCode: Type.String(),
  massPayoutRequestId: Type.String(),
  recipientType: Type.String(),
  recipientInfo: Type.String(),
  recipientName: Type.Union([Type.String(), Type.Null()]),
  description: Type.Union([Type.String(), Type.Null()]),
  itemStatus: literals(itemStatuses),
  errorMessages: Type.Array(Type.String()),
  errorMessage: Type.Union([Type.String(), Type.Null()]),
  totalAmount: Type.Number({ description: 'decimal amount; on an INVALID item, the amount it was sent with when that was a number (0 when it was not one)' }),
  sentAmount: Type.Union([Type.String(), Type.Null()], { description: "an INVALID item's amount.value exactly as sent, as text (e.g. \"1.234\", \"-5\", \"abc\"); null on valid items" }),
  commissionAmount: Amount,
  currencyCode: Type.String(),
  // Additive, from the ISO 20022 bank rail: the bank's own reason code of a rejection or a return,
  // and a return after success (the item stays SUCCESS; the money is back on the balance).
  bankReasonCode: Type.Union([Type.String(), Type.Null()]),
  returnedAmount: Type.Union([Amount, Type.Null()]),
  returnedDate: Type.Union([Type.String(), Type.Null()]),
  returnReason: Type.Union([Type.String(), Type.Null()]),
});

const pageFields = { page: Type.Integer(), size: Type.Integer(), total: Type.Integer() };
export const RetrieveResponse = SuccessResponse({
  massPayout: MassPayout,
  massPayoutItems: Type.Object({ items: Type.Array(PayoutItem), ...pageFields }),
  ...pageFields,
});

export const ItemParams = Type.Object({ referenceCode: Type.String({ format: 'uuid' }) });
export const ItemResponse = SuccessResponse({ item: PayoutItem });

export const BalanceResponse = SuccessResponse({
  balance: Type.String({ description: 'available amount as a decimal string, e.g. "25399393.5"' }),
  balances: Type.Array(Type.Object({ currency: Type.String(), available: Type.String(), reserved: Type.String() })),
});

export type InitResponse = Static<typeof InitResponse>;
export type RetrieveRequest = Omit<Static<typeof RetrieveRequest>, 'locale'>;
export type RetrieveResponse = Static<typeof RetrieveResponse>;
export type ItemResponse = Static<typeof ItemResponse>;
export type BalanceResponse = Static<typeof BalanceResponse>;
export type MassPayout = Static<typeof MassPayout>;
export type PayoutItem = Static<typeof PayoutItem>;

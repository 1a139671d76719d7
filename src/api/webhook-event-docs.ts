import { batchEventTypes, itemEventTypes, itemsSettledType } from '../webhooks/event-types.ts';

/**
 * The bodies masspayout POSTs to a webhook endpoint, as OpenAPI components (the document's
 * `components.schemas`), with an example each; the README's Webhooks section shows the same. Plain
 * OpenAPI 3.0 schema objects (`nullable`), not route schemas: no route answers with them.
 */
const nullableString = { type: 'string', nullable: true };
const ref = {
  requestId: { type: 'string', format: 'uuid' },
  externalId: { type: 'string' },
  conversationId: nullableString,
  sequence: { type: 'integer', minimum: 1, description: "increases with every event of the batch, in the order the changes committed (gaps are normal): drop an event older than one you have" },
};
const item = {
  type: 'object',
  required: ['type', 'referenceCode', 'itemExternalId', 'itemStatus', 'totalAmount', 'commissionAmount', 'currencyCode', 'errorCodes'],
  properties: {
    type: { type: 'string', enum: [...itemEventTypes] },
    referenceCode: { type: 'string', format: 'uuid' },
    itemExternalId: { type: 'string' },
    itemStatus: { type: 'string', enum: ['SUCCESS', 'DEPOSIT_SUCCESS', 'DEPOSIT_FAIL'] },
    totalAmount: { type: 'number' },
    commissionAmount: { type: 'number' },
    currencyCode: { type: 'string' },
    errorCodes: { type: 'array', items: { type: 'string' }, description: 'catalogue codes (the README error table): the rail reason, and 6204 for a refund that could not be posted' },
    errorMessage: { ...nullableString, description: 'the first code in English' },
    bankReasonCode: { ...nullableString, description: "the bank's own reason (ISO 20022: AC04, AC06, …)" },
    returnedAmount: { type: 'number', nullable: true },
    returnedDate: { type: 'string', format: 'date-time', nullable: true },
  },
};
const envelope = (type: unknown, data: unknown, description: string, example: unknown) => ({
  type: 'object',
  description,
  required: ['type', 'timestamp', 'data'],
  properties: { type, timestamp: { type: 'string', format: 'date-time', description: "when the change's transaction wrote the event" }, data },
  example,
});

const requestId = '3f2b8c1e-5d4a-4c7b-9e21-0a6d5f8b7c93';
const timestamp = '2026-01-01T10:00:04.000Z';
const batchRef = { requestId, externalId: 'payroll-2026-01', conversationId: 'payroll-2026-01' };
const paidItem = {
  type: 'mass_payout.item.succeeded',
  referenceCode: '9a7d4e2c-1b3f-4a56-8c90-d1e2f3a4b5c6',
  itemExternalId: 'P-2026-01-001',
  itemStatus: 'SUCCESS',
  totalAmount: 38750.5,
  commissionAmount: 1.5,
  currencyCode: 'TRY',
  errorCodes: [],
  errorMessage: null,
  bankReasonCode: null,
  returnedAmount: null,
  returnedDate: null,
};

export const webhookEventSchemas = {
  WebhookBatchEvent: envelope(
    { type: 'string', enum: [...batchEventTypes] },
    {
      type: 'object',
      required: ['requestId', 'externalId', 'massPayoutStatus', 'currency', 'totalAmount', 'totalSuccessfulAmount', 'totalCommissionAmount', 'itemCount', 'sequence'],
      properties: {
        ...ref,
        massPayoutStatus: { type: 'string', enum: ['IN_PROGRESS', 'INSUFFICIENT_BALANCE', 'COMPLETED', 'FAIL', 'CANCELED'], description: 'the state the change reached' },
        currency: { type: 'string' },
        totalAmount: { type: 'number' },
        totalSuccessfulAmount: { type: 'number' },
        totalCommissionAmount: { type: 'number' },
        itemCount: { type: 'integer' },
      },
    },
    'A batch reached a state: authorized (IN_PROGRESS), insufficient_balance, completed, failed (FAIL: nothing paid) or canceled.',
    { type: 'mass_payout.completed', timestamp, data: { ...batchRef, massPayoutStatus: 'COMPLETED', currency: 'TRY', totalAmount: 51250.5, totalSuccessfulAmount: 51250.5, totalCommissionAmount: 3, itemCount: 3, sequence: 3 } },
  ),
  WebhookItemsSettled: envelope(
    { type: 'string', enum: [itemsSettledType] },
    { type: 'object', required: ['requestId', 'externalId', 'currency', 'items', 'sequence'], properties: { ...ref, currency: { type: 'string' }, items: { type: 'array', maxItems: 1000, items: item } } },
    "Item outcomes of one settlement, paid and refunded alike, in one event (up to 1,000 items; an endpoint with itemEvents 'each' gets one event per item instead): each item carries its own type.",
    { type: itemsSettledType, timestamp, data: { ...batchRef, currency: 'TRY', items: [paidItem], sequence: 2 } },
  ),
  WebhookItemEvent: envelope(
    { type: 'string', enum: [...itemEventTypes] },
    { type: 'object', required: ['requestId', 'externalId', 'item', 'sequence'], properties: { ...ref, item } },
    "One item's outcome: for an endpoint with itemEvents 'each', and always for mass_payout.item.returned (a bank's return of a paid item).",
    {
      type: 'mass_payout.item.returned',
      timestamp: '2026-01-03T09:00:00.000Z',
      data: { ...batchRef, item: { ...paidItem, type: 'mass_payout.item.returned', bankReasonCode: 'AC06', returnedAmount: 38750.5, returnedDate: '2026-01-03T00:00:00.000Z' }, sequence: 4 },
    },
  ),
};

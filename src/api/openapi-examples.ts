import { errors } from '../errors.ts';
import { paths } from '../wire/paths.ts';
import { type ApiErrorName as ErrorName, httpStatusOf } from './errors.ts';

/**
 * What /openapi.json (and /docs) shows besides the schemas: a realistic example of every request
 * and success response (the README's payroll), the success response named, and the failures each
 * route can answer named per status with their codes and an example envelope. Kept here, keyed by
 * "METHOD /path", so the routes stay about behaviour; test/openapi.test.ts checks that every example
 * matches its schema and that every route has one.
 */

interface RouteDocs {
  request?: unknown;
  success: { description: string; example: unknown };
  /** Failures beyond the ones every route of its kind can answer (signature or token, bad request). */
  failures?: ErrorName[];
}

const requestId = '3f2b8c1e-5d4a-4c7b-9e21-0a6d5f8b7c93';
const referenceCode = '9a7d4e2c-1b3f-4a56-8c90-d1e2f3a4b5c6';
const systemTime = 1767261600000;
const envelope = { status: 'success', locale: 'en', systemTime, conversationId: 'payroll-2026-01' };

const ibanItem = {
  itemExternalId: 'P-2026-01-001',
  recipientType: 'IBAN',
  recipientInfo: 'TR330006100519786457841326',
  recipientName: 'Ayşe Yılmaz',
  description: 'Ocak 2026 maaşı',
  amount: { value: '38750.50', currency: 'TRY' },
};
const walletItem = { itemExternalId: 'P-2026-01-002', recipientType: 'MEMBER_ID', recipientInfo: '1001', amount: { value: '12500.00', currency: 'TRY' } };
const badItem = { itemExternalId: 'P-2026-01-003', recipientType: 'IBAN', recipientInfo: 'TR000000000000000000000000', recipientName: 'Bad Iban', amount: { value: '10', currency: 'TRY' } };

const paidItem = {
  itemExternalId: 'P-2026-01-001',
  referenceCode,
  massPayoutRequestId: requestId,
  recipientType: 'IBAN',
  recipientInfo: 'TR330006100519786457841326',
  recipientName: 'Ayşe Yılmaz',
  description: 'Ocak 2026 maaşı',
  itemStatus: 'SUCCESS',
  errorMessages: [],
  errorMessage: null,
  totalAmount: 38750.5,
  commissionAmount: 1.5,
  currencyCode: 'TRY',
  sentAmount: null,
  bankReasonCode: null,
  returnedAmount: null,
  returnedDate: null,
  returnReason: null,
};
const batch = {
  requestId,
  externalId: 'payroll-2026-01',
  merchantId: 1,
  massPayoutStatus: 'COMPLETED',
  currency: 'TRY',
  totalAmount: 51250.5,
  totalSuccessfulAmount: 51250.5,
  totalCommissionAmount: 3,
  itemCount: 3,
  receivedDate: '2026-01-01T10:00:00.000Z',
  completedDate: '2026-01-01T10:00:04.000Z',
  canceledDate: null,
  itemStatusCounts: { INVALID: 1, INIT: 0, MASS_PAYOUT_CANCELED: 0, PROCESSING: 0, QUEUED: 0, SUCCESS: 2, FAILED: 0, DEPOSIT_SUCCESS: 0, DEPOSIT_FAIL: 0 },
};
const balances = [{ currency: 'TRY', available: '98482.99', reserved: '0' }];

const routes: Record<string, RouteDocs> = {
  [`POST ${paths.init}`]: {
    request: { locale: 'en', conversationId: 'payroll-2026-01', externalId: 'payroll-2026-01', purpose: 'SALARY', items: [ibanItem, walletItem, badItem] },
    success: {
      description: 'The batch is stored INIT: its valid items wait for auth, the invalid ones are listed (the request still succeeds).',
      example: { ...envelope, requestId, invalidItems: [{ externalId: 'P-2026-01-003', errorCode: '6104', errorMessage: 'The IBAN is invalid' }] },
    },
    failures: ['TOO_MANY_ITEMS', 'NO_ITEMS', 'EXTERNAL_ID_CONFLICT', 'BODY_TOO_LARGE'],
  },
  [`POST ${paths.auth}`]: {
    request: { locale: 'en', conversationId: 'payroll-2026-01', requestId },
    success: { description: 'Authorised (or already authorised): the amount and commissions are reserved and the items queued.', example: envelope },
    failures: ['MASS_PAYOUT_NOT_FOUND', 'INSUFFICIENT_BALANCE', 'MASS_PAYOUT_CANCELED', 'NO_VALID_ITEMS'],
  },
  [`POST ${toOpenApi(paths.cancel)}`]: {
    request: { locale: 'en', conversationId: 'payroll-2026-01' },
    success: { description: 'Canceled (or already canceled): nothing of it will be paid.', example: { status: 'success', locale: 'en', systemTime } },
    failures: ['MASS_PAYOUT_NOT_FOUND', 'ALREADY_AUTHORIZED'],
  },
  [`POST ${paths.retrieve}`]: {
    request: { locale: 'en', requestId, page: 0, size: 100, itemType: 'VALID', itemStatuses: ['SUCCESS'] },
    success: {
      description: 'The batch, and one page of its items in submission order.',
      example: { ...envelope, massPayout: batch, massPayoutItems: { items: [paidItem], page: 0, size: 100, total: 1 }, page: 0, size: 100, total: 1 },
    },
    failures: ['MASS_PAYOUT_NOT_FOUND'],
  },
  [`GET ${toOpenApi(paths.item)}`]: {
    success: { description: 'The item.', example: { status: 'success', locale: 'en', systemTime, item: paidItem } },
    failures: ['ITEM_NOT_FOUND'],
  },
  [`GET ${paths.balance}`]: {
    success: { description: "The merchant's available balance, and available/reserved per currency.", example: { status: 'success', locale: 'en', systemTime, balance: '98482.99', balances } },
  },
  'POST /admin/v1/merchants': {
    request: { name: 'Anadolu Lojistik A.Ş.', commission: { fixed: '1.50', rate: '0.01' } },
    success: {
      description: 'The merchant; its secretKey is shown this once.',
      example: { merchantId: 1, apiKey: 'mp-api-5f0c2a9e7b1d4c3a', secretKey: 'mp-secret-b7e4a1c9d2f04e6b8a3c5d7e9f1a2b4c', statusVocabulary: 'documented' },
    },
  },
  'POST /admin/v1/merchants/{merchantId}/deposits': {
    request: { amount: '100000.00', currency: 'TRY' },
    success: { description: 'Deposited (or, for an Idempotency-Key seen before, the balance as it is).', example: { merchantId: 1, currency: 'TRY', available: '100000', balances: [{ currency: 'TRY', available: '100000', reserved: '0' }] } },
    failures: ['MERCHANT_NOT_FOUND', 'IDEMPOTENCY_KEY_REUSED'],
  },
  'POST /admin/v1/members': {
    request: { memberId: '1001', name: 'Barış Polat', phone: '+905321234567' },
    success: { description: 'The wallet member.', example: { memberId: '1001', name: 'Barış Polat', phone: '+905321234567', identityNumber: null } },
    failures: ['MEMBER_EXISTS'],
  },
  'GET /admin/v1/ledger/trial-balance': {
    success: { description: 'Σ of every account per currency.', example: { balanced: true, currencies: [{ currency: 'TRY', total: '0' }] } },
  },
  'GET /admin/v1/audit': {
    success: {
      description: 'One page of audit events, oldest first.',
      example: {
        events: [
          {
            id: '1',
            at: '2026-01-01T10:00:00.000Z',
            actor: 'merchant:mp-api-5f0c2a9e7b1d4c3a',
            action: 'batch.created',
            entity: `batch:${requestId}`,
            before: null,
            after: { status: 'INIT', itemCount: 3, totalAmount: '5125050' },
            hash: 'a3f1c2e4b5d6978812ab34cd56ef7890a1b2c3d4e5f60718293a4b5c6d7e8f90',
          },
        ],
        nextAfterId: null,
      },
    },
  },
  'GET /admin/v1/audit/verify': { success: { description: 'Whether every hash chain recomputes.', example: { ok: true } } },
  'PATCH /admin/v1/merchants/{merchantId}': {
    request: { statusVocabulary: 'java' },
    success: { description: "The merchant's settings as they now are.", example: { merchantId: 1, name: 'Anadolu Lojistik A.Ş.', statusVocabulary: 'java' } },
    failures: ['MERCHANT_NOT_FOUND'],
  },
  'GET /admin/v1/chunks/parked': {
    success: {
      description: 'One page of parked work chunks, oldest first.',
      example: {
        chunks: [{ id: '42', requestId, seqFrom: 2001, seqTo: 3000, failures: 5, lastError: 'rail answered 503 five times', parkedAt: '2026-01-01T10:05:00.000Z' }],
        nextAfterId: null,
      },
    },
  },
  'POST /admin/v1/chunks/{id}/retry': {
    success: { description: 'The chunk is due again, its failure count reset.', example: { id: '42', retried: true } },
    failures: ['CHUNK_NOT_PARKED'],
  },
  'GET /admin/v1/rails/bank-files': {
    success: {
      description: 'One page of the files exchanged with the bank, newest first.',
      example: {
        files: [
          {
            id: '7',
            direction: 'OUT',
            msgId: 'MP20260101100005A1B2C3',
            name: 'pain.001.MP20260101100005A1B2C3.xml',
            message: 'pain.001.001.09',
            state: 'ACCEPTED',
            txCount: 2,
            ctrlSum: '51250.50',
            reason: null,
            reissueOf: null,
            createdAt: '2026-01-01T10:00:05.000Z',
            updatedAt: '2026-01-01T10:00:09.000Z',
          },
        ],
        nextBeforeId: null,
      },
    },
  },
  'GET /admin/v1/rails/bank-files/exceptions': {
    success: {
      description: "One page of what the bank's reports said that could not be applied, newest first.",
      example: {
        exceptions: [{ id: '3', fileName: 'pain.002.BANK20260101100010.xml', endToEndId: '0f1e2d3c4b5a69788796a5b4c3d2e1f0', kind: 'UNKNOWN_END_TO_END_ID', detail: 'ACSC for a transaction no file of ours carries', at: '2026-01-01T10:00:10.000Z' }],
        nextBeforeId: null,
      },
    },
  },
  'POST /admin/v1/rails/bank-files/{msgId}/reissue': {
    success: { description: 'The new file, carrying the rejected file\'s transactions with their EndToEndIds.', example: { msgId: 'MP20260101110000D4E5F6', name: 'pain.001.MP20260101110000D4E5F6.xml', txCount: 2 } },
    failures: ['BANK_FILE_NOT_FOUND', 'BANK_FILE_NOT_REJECTED'],
  },
  'GET /admin/v1/rails/sandbox-bank/transfers': {
    success: {
      description: 'One page of what the sandbox bank received.',
      example: {
        transfers: [{ idempotencyKey: referenceCode, iban: 'TR740001207381249311532899', amount: '30250', currency: 'TRY', status: 'REJECTED', reason: 'RECIPIENT_ACCOUNT_CLOSED', at: '2026-01-01T10:00:03.000Z' }],
        nextAfterId: null,
      },
    },
  },
  ...webhookRoutes(),
};

/** The webhook endpoints' routes: one endpoint of merchant 1 and its deliveries. */
function webhookRoutes(): Record<string, RouteDocs> {
  const base = '/admin/v1/merchants/{merchantId}/webhooks';
  const endpoint = {
    id: '1',
    merchantId: 1,
    url: 'https://hooks.anadolu-lojistik.com.tr/masspayout',
    events: ['mass_payout.completed', 'mass_payout.failed', 'mass_payout.item.succeeded', 'mass_payout.item.refunded', 'mass_payout.item.refund_failed'],
    itemEvents: 'grouped',
    status: 'active',
    disabledReason: null,
    disabledAt: null,
    consecutiveFailures: 0,
    lastSuccessAt: '2026-01-01T10:00:04.120Z',
    previousSecretExpiresAt: null,
    createdAt: '2025-12-20T09:00:00.000Z',
  };
  const secret = 'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw3S1b0Vb5eEo=';
  const delivery = {
    id: '42',
    messageId: 'msg_5c1f0e9a8b7d4c3e2f1a0b9c8d7e6f5a',
    eventType: 'mass_payout.completed',
    requestId,
    sequence: 3,
    status: 'succeeded',
    attempts: 2,
    nextAttemptAt: null,
    createdAt: '2026-01-01T10:00:04.000Z',
    deliveredAt: '2026-01-01T10:00:09.130Z',
    attemptLog: [
      { at: '2026-01-01T10:00:04.010Z', durationMs: 10000, httpStatus: null, error: 'timeout after 10000 ms', manual: false },
      { at: '2026-01-01T10:00:09.110Z', durationMs: 20, httpStatus: 204, error: null, manual: false },
    ],
  };
  return {
    [`POST ${base}`]: {
      request: { url: endpoint.url, events: endpoint.events },
      success: { description: 'The endpoint; its secret (Standard Webhooks, whsec_…) is shown this once.', example: { ...endpoint, lastSuccessAt: null, secret } },
      failures: ['MERCHANT_NOT_FOUND', 'WEBHOOK_URL_INVALID', 'WEBHOOK_URL_NOT_PUBLIC', 'WEBHOOK_EVENT_UNKNOWN', 'WEBHOOK_ENDPOINTS_LIMIT'],
    },
    [`GET ${base}`]: { success: { description: "The merchant's endpoints, without secrets.", example: { endpoints: [endpoint] } } },
    [`POST ${base}/{webhookId}/disable`]: {
      success: { description: 'Disabled: nothing is sent or written for it until it is enabled.', example: { ...endpoint, status: 'disabled', disabledReason: 'disabled by the operator', disabledAt: '2026-01-02T08:00:00.000Z' } },
      failures: ['WEBHOOK_NOT_FOUND'],
    },
    [`POST ${base}/{webhookId}/enable`]: { success: { description: 'Active again, its failure streak reset.', example: endpoint }, failures: ['WEBHOOK_NOT_FOUND'] },
    [`DELETE ${base}/{webhookId}`]: { success: { description: 'Deleted, with its deliveries.', example: { id: '1', deleted: true } }, failures: ['WEBHOOK_NOT_FOUND'] },
    [`POST ${base}/{webhookId}/rotate`]: {
      success: { description: 'The new secret, shown this once; the previous one signs too until previousSecretExpiresAt.', example: { ...endpoint, previousSecretExpiresAt: '2026-01-03T08:00:00.000Z', secret } },
      failures: ['WEBHOOK_NOT_FOUND'],
    },
    [`GET ${base}/{webhookId}/deliveries`]: { success: { description: 'One page of deliveries, oldest first, each with every attempt.', example: { deliveries: [delivery], nextAfterId: null } }, failures: ['WEBHOOK_NOT_FOUND'] },
    [`POST ${base}/{webhookId}/deliveries/{deliveryId}/retry`]: {
      success: {
        description: 'The delivery after this attempt (the last of its attemptLog, manual).',
        example: { ...delivery, attemptLog: [...delivery.attemptLog, { at: '2026-01-02T08:05:00.000Z', durationMs: 18, httpStatus: 204, error: null, manual: true }] },
      },
      failures: ['WEBHOOK_NOT_FOUND', 'WEBHOOK_DELIVERY_NOT_FOUND', 'WEBHOOK_DELIVERY_IN_FLIGHT'],
    },
  };
}

/** The routes this file documents, as "METHOD /path". */
export const documentedRoutes: readonly string[] = Object.keys(routes);

/** What every merchant route can answer, and every admin route. */
const merchantFailures: ErrorName[] = ['INVALID_REQUEST', 'MALFORMED_JSON', 'INVALID_SIGNATURE', 'REPLAYED_REQUEST', 'AUTHORIZATION_REQUIRED'];
const adminFailures: ErrorName[] = ['INVALID_REQUEST', 'MALFORMED_JSON', 'ADMIN_UNAUTHORIZED'];

const statusNames: Record<number, string> = {
  400: 'Bad request',
  401: 'Not authenticated',
  404: 'Not found',
  409: 'Conflict with the state of the batch or account',
  413: 'Body too large',
};

export const iyzwsDescription = [
  'Every merchant route is signed with IYZWSv2 (the same scheme as iyzico):',
  '',
  '    randomKey = any fresh string (e.g. the time in ms and a random hex), never reused within 15 minutes',
  '    signature = hex(HMAC-SHA256(secretKey, randomKey + path + rawBody))',
  '    Authorization: IYZWSv2 base64("apiKey:" + apiKey + "&randomKey:" + randomKey + "&signature:" + signature)',
  '',
  '`path` is the request path without host or query (e.g. `/v1/mass/payout/init`); `rawBody` the exact bytes sent (empty for GET).',
  'A browser cannot sign, so "Try it out" needs a header computed elsewhere: paste the value made by the SDK',
  "(`authorizationHeader` in src/signing/iyzws.ts) for the very body you send, or use the SDK or CLI, which sign every call.",
  'The admin routes need only the token: Authorize → adminToken → the service\'s admin token (data/admin.token).',
].join('\n');

function toOpenApi(route: string): string {
  return route.replace(/:(\w+)/g, '{$1}');
}

function failureExample(name: ErrorName) {
  return { status: 'failure', errorCode: errors[name].code, errorMessage: errors[name].en, errorGroup: errors[name].group, locale: 'en', systemTime };
}

type Operation = { requestBody?: { content: Record<string, { example?: unknown }> }; responses: Record<string, { description: string; content?: Record<string, { schema: unknown; example?: unknown }> }> };

/** Adds the examples and named responses to the generated document (swagger's transformObject). */
export function withExamples(document: { paths?: Record<string, Record<string, Operation>> }) {
  for (const [path, operations] of Object.entries(document.paths ?? {})) {
    for (const [method, operation] of Object.entries(operations)) {
      const docs = routes[`${method.toUpperCase()} ${path}`];
      if (!docs) continue;
      const json = operation.requestBody?.content['application/json'];
      if (json && docs.request !== undefined) json.example = docs.request;
      const okStatus = Object.keys(operation.responses).find((status) => status.startsWith('2'));
      const ok = okStatus ? operation.responses[okStatus] : undefined;
      if (ok) {
        ok.description = docs.success.description;
        if (ok.content?.['application/json']) ok.content['application/json'].example = docs.success.example;
      }
      const failureSchema = operation.responses['4XX']?.content?.['application/json']?.schema;
      const names = [...(path.startsWith('/admin/') ? adminFailures : merchantFailures), ...(docs.failures ?? [])];
      const byStatus = new Map<number, ErrorName[]>();
      for (const name of names) byStatus.set(httpStatusOf(name), [...(byStatus.get(httpStatusOf(name)) ?? []), name]);
      for (const [status, named] of [...byStatus].sort(([a], [b]) => a - b)) {
        const codes = named.map((name) => `${errors[name].code} ${errors[name].en}`).join('; ');
        operation.responses[String(status)] = {
          description: `${statusNames[status] ?? 'Failure'}: the failure envelope with errorCode ${codes}`,
          ...(failureSchema ? { content: { 'application/json': { schema: failureSchema, example: failureExample(named[0]) } } } : {}),
        };
      }
      if (operation.responses['4XX']) operation.responses['4XX'].description = 'Any other client mistake: the failure envelope (see the error table in the README)';
      if (operation.responses['5XX']) {
        operation.responses['5XX'].description = 'A fault of the service (errorCode 1): the failure envelope, nothing about the inside';
        const content = operation.responses['5XX'].content?.['application/json'];
        if (content) content.example = failureExample('SYSTEM_ERROR');
      }
    }
  }
  return document;
}

import { limits } from '../limits.ts';
import { exchange } from './http.ts';
import { type RetryPolicy, withRetries } from './retry.ts';
import type { Locale } from './types.ts';

export interface AdminClientOptions {
  baseUrl: string;
  /** The service's MASSPAYOUT_ADMIN_TOKEN. */
  token: string;
  /** Language of `errorMessage`, sent as `?locale=`. The server's default is tr. */
  locale?: Locale;
  timeoutMs?: number;
}

export interface CreatedMerchant {
  merchantId: number;
  apiKey: string;
  /** Shown once by the service: store it now. */
  secretKey: string;
  statusVocabulary: StatusVocabulary;
}

/** The batch statuses a merchant's wire shows: the documented ones, or only those iyzico's Java client knows. */
export type StatusVocabulary = 'documented' | 'java';

export interface MerchantSettings {
  merchantId: number;
  name: string;
  statusVocabulary: StatusVocabulary;
}

export interface BalanceLine {
  currency: string;
  available: string;
  reserved: string;
}

export interface DepositResult {
  merchantId: number;
  currency: string;
  available: string;
  balances: BalanceLine[];
}

export interface Member {
  memberId: string;
  phone?: string | null;
  identityNumber?: string | null;
  name: string;
}

export interface TrialBalance {
  balanced: boolean;
  currencies: { currency: string; total: string | number }[];
}

/** One event of the hash-chained audit trail; amounts in `before`/`after` are minor units, as hashed. */
export interface AuditEvent {
  id: string;
  at: string;
  actor: string;
  action: string;
  entity: string;
  before: unknown;
  after: unknown;
  hash: string;
}

export interface AuditPage {
  events: AuditEvent[];
  /** Pass as afterId for the next page; null on the last page. */
  nextAfterId: string | null;
}

export interface AuditVerification {
  ok: boolean;
  firstBrokenEventId?: number | string;
}

/** A parked work chunk, as the admin API lists it. */
export interface ParkedChunkView {
  id: string;
  requestId: string;
  seqFrom: number;
  seqTo: number;
  failures: number;
  lastError: string | null;
  parkedAt: string;
}

/** A file exchanged with the bank on the ISO 20022 rail (GET /admin/v1/rails/bank-files). */
export interface BankFileView {
  id: string;
  direction: 'OUT' | 'IN';
  msgId: string | null;
  name: string;
  message: string;
  state: string;
  txCount: number;
  ctrlSum: string;
  reason: string | null;
  reissueOf: string | null;
  createdAt: string;
  updatedAt: string;
}

export interface BankExceptionView {
  id: string;
  fileName: string;
  endToEndId: string | null;
  kind: string;
  detail: string;
  at: string;
}

/** A merchant's webhook endpoint (GET /admin/v1/merchants/{merchantId}/webhooks). */
export interface WebhookEndpointView {
  id: string;
  merchantId: number;
  url: string;
  events: string[];
  itemEvents: 'grouped' | 'each';
  status: 'active' | 'disabled';
  disabledReason: string | null;
  disabledAt: string | null;
  consecutiveFailures: number;
  lastSuccessAt: string | null;
  previousSecretExpiresAt: string | null;
  createdAt: string;
}

/** One delivery of an event to an endpoint, with every attempt made. */
export interface WebhookDeliveryView {
  id: string;
  messageId: string;
  eventType: string;
  requestId: string;
  sequence: number;
  status: 'pending' | 'succeeded' | 'failed';
  attempts: number;
  nextAttemptAt: string | null;
  createdAt: string;
  deliveredAt: string | null;
  attemptLog: { at: string; durationMs: number; httpStatus: number | null; error: string | null; manual: boolean }[];
}

/**
 * The operator API (/admin/v1, bearer token), for the CLI's operator commands. Reads are retried,
 * and so is a deposit sent with an idempotency key (the service makes it once per key); creating a
 * merchant is not (a retried POST could make two).
 */
export class AdminClient {
  readonly #base: URL;
  readonly #token: string;
  readonly #timeoutMs: number;
  readonly #locale?: Locale;
  readonly #policy: RetryPolicy = { attemptsMax: limits.clientAttemptsMax, backoffBaseMs: limits.clientBackoffBaseMs };

  constructor(options: AdminClientOptions) {
    this.#base = new URL(options.baseUrl);
    if (!options.token) throw new TypeError('the admin token is required');
    this.#token = options.token;
    this.#timeoutMs = options.timeoutMs ?? limits.clientTimeoutMs;
    this.#locale = options.locale;
  }

  createMerchant(input: { name: string; commission?: { fixed?: string; rate?: string }; statusVocabulary?: StatusVocabulary }): Promise<CreatedMerchant> {
    return this.#call('POST', '/admin/v1/merchants', input);
  }

  /** Setting the value it already has changes nothing, so a retry is harmless. */
  updateMerchant(merchantId: number | string, input: { statusVocabulary: StatusVocabulary }): Promise<MerchantSettings> {
    return this.#call('PATCH', `/admin/v1/merchants/${encodeURIComponent(String(merchantId))}`, input);
  }

  /** With `idempotencyKey`, the deposit is made once however often it is sent, and it is retried like a read. */
  deposit(merchantId: number | string, input: { amount: string; currency: string }, idempotencyKey?: string): Promise<DepositResult> {
    return this.#call('POST', `/admin/v1/merchants/${encodeURIComponent(String(merchantId))}/deposits`, input, idempotencyKey);
  }

  addMember(member: { memberId: string; name: string; phone?: string; identityNumber?: string }): Promise<Member> {
    return this.#call('POST', '/admin/v1/members', member);
  }

  trialBalance(): Promise<TrialBalance> {
    return this.#call('GET', '/admin/v1/ledger/trial-balance');
  }

  verifyAudit(): Promise<AuditVerification> {
    return this.#call('GET', '/admin/v1/audit/verify');
  }

  bankFiles(query: { direction?: 'OUT' | 'IN'; state?: string; limit?: number; beforeId?: string } = {}): Promise<{ files: BankFileView[]; nextBeforeId: string | null }> {
    return this.#call('GET', `/admin/v1/rails/bank-files${queryString(query)}`);
  }

  bankExceptions(query: { limit?: number; beforeId?: string } = {}): Promise<{ exceptions: BankExceptionView[]; nextBeforeId: string | null }> {
    return this.#call('GET', `/admin/v1/rails/bank-files/exceptions${queryString(query)}`);
  }

  /** Not retried: a second re-issue of one file is refused (7301), never a third file. */
  reissueBankFile(msgId: string): Promise<{ msgId: string; name: string; txCount: number }> {
    return this.#call('POST', `/admin/v1/rails/bank-files/${encodeURIComponent(msgId)}/reissue`, {});
  }

  /** Work chunks parked after failing too often, with their last error; their items keep their state and money. */
  parkedChunks(query: { limit?: number; afterId?: string } = {}): Promise<{ chunks: ParkedChunkView[]; nextAfterId: string | null }> {
    return this.#call('GET', `/admin/v1/chunks/parked${queryString(query)}`);
  }

  /** Makes a parked chunk due again, its failures forgotten. A second call is refused (7010): the chunk is no longer parked. */
  retryParkedChunk(chunkId: string): Promise<{ id: string; retried: true }> {
    return this.#call('POST', `/admin/v1/chunks/${encodeURIComponent(chunkId)}/retry`, {});
  }

  /** One page of the audit trail (of one batch with `requestId`), in the order it was written. */
  auditPage(query: { requestId?: string; afterId?: string; limit?: number } = {}): Promise<AuditPage> {
    return this.#call('GET', `/admin/v1/audit${queryString(query)}`);
  }

  /** Every audit event (of one batch with `requestId`), fetched page by page as the iteration goes. */
  async *auditEvents(query: { requestId?: string } = {}): AsyncGenerator<AuditEvent> {
    let afterId: string | undefined;
    do {
      const page = await this.auditPage({ ...query, afterId });
      for (const event of page.events) yield event;
      afterId = page.nextAfterId ?? undefined;
    } while (afterId !== undefined);
  }

  /** Not retried: a second POST would register a second endpoint. The secret is in this answer only. */
  addWebhook(merchantId: number | string, input: { url: string; events?: string[]; itemEvents?: 'grouped' | 'each' }): Promise<WebhookEndpointView & { secret: string }> {
    return this.#call('POST', `${webhooksPath(merchantId)}`, input);
  }

  webhooks(merchantId: number | string): Promise<{ endpoints: WebhookEndpointView[] }> {
    return this.#call('GET', webhooksPath(merchantId));
  }

  disableWebhook(merchantId: number | string, webhookId: string): Promise<WebhookEndpointView> {
    return this.#call('POST', `${webhooksPath(merchantId)}/${encodeURIComponent(webhookId)}/disable`, {});
  }

  enableWebhook(merchantId: number | string, webhookId: string): Promise<WebhookEndpointView> {
    return this.#call('POST', `${webhooksPath(merchantId)}/${encodeURIComponent(webhookId)}/enable`, {});
  }

  deleteWebhook(merchantId: number | string, webhookId: string): Promise<{ id: string; deleted: true }> {
    return this.#call('DELETE', `${webhooksPath(merchantId)}/${encodeURIComponent(webhookId)}`);
  }

  /** Not retried: a retry would rotate again and the first new secret, never seen, would sign. */
  rotateWebhook(merchantId: number | string, webhookId: string): Promise<WebhookEndpointView & { secret: string }> {
    return this.#call('POST', `${webhooksPath(merchantId)}/${encodeURIComponent(webhookId)}/rotate`, {});
  }

  webhookDeliveries(merchantId: number | string, webhookId: string, query: { limit?: number; afterId?: string } = {}): Promise<{ deliveries: WebhookDeliveryView[]; nextAfterId: string | null }> {
    return this.#call('GET', `${webhooksPath(merchantId)}/${encodeURIComponent(webhookId)}/deliveries${queryString(query)}`);
  }

  retryWebhookDelivery(merchantId: number | string, webhookId: string, deliveryId: string): Promise<WebhookDeliveryView> {
    return this.#call('POST', `${webhooksPath(merchantId)}/${encodeURIComponent(webhookId)}/deliveries/${encodeURIComponent(deliveryId)}/retry`, {});
  }

  #call<T>(method: 'GET' | 'POST' | 'PATCH' | 'DELETE', path: string, body?: object, idempotencyKey?: string): Promise<T> {
    const url = new URL(this.#base.pathname.replace(/\/+$/, '') + path, this.#base.origin);
    if (this.#locale) url.searchParams.set('locale', this.#locale);
    const raw = body === undefined ? undefined : JSON.stringify(body);
    const headers: Record<string, string> = { authorization: `Bearer ${this.#token}` };
    if (idempotencyKey !== undefined) headers['idempotency-key'] = idempotencyKey;
    // A PATCH sets a value and a DELETE removes one: sending either twice leaves what sending it once does.
    const retryAllowed = method !== 'POST' || idempotencyKey !== undefined;
    const plan = { policy: this.#policy, deadline: Date.now() + this.#timeoutMs, retryAllowed, operation: `${method} ${path}` };
    return withRetries(plan, (timeoutMs) => exchange<T>({ method, url, headers, body: raw, timeoutMs, success: 'plain' }));
  }
}

function webhooksPath(merchantId: number | string): string {
  return `/admin/v1/merchants/${encodeURIComponent(String(merchantId))}/webhooks`;
}

function queryString(query: Record<string, string | number | undefined>): string {
  const pairs = Object.entries(query).filter((entry): entry is [string, string | number] => entry[1] !== undefined);
  return pairs.length === 0 ? '' : '?' + new URLSearchParams(pairs.map(([k, v]) => [k, String(v)])).toString();
}

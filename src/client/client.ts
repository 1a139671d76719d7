import { randomBytes } from 'node:crypto';
import { setTimeout as delay } from 'node:timers/promises';
import { paths } from '../wire/paths.ts';
import { limits } from '../limits.ts';
import type { ItemStatus } from '../payouts/statuses.ts';
import { authorizationHeader, authorizationOf, signatureHmac } from '../signing/iyzws.ts';
import { clientErrorCodes, MassPayoutError } from './errors.ts';
import { exchange } from './http.ts';
import { type BatchProgress, countItems, type ItemCounts, progressOf } from './progress.ts';
import { type RetryNotice, type RetryPolicy, type RetryPlan, withRetries } from './retry.ts';
import { type ItemsProgress, type PreparedInit, readInitBody, sameInitBody, bodyChanged, type StreamedInitInput } from './streamed-init.ts';
import type {
  BalanceResponse,
  EnvelopeOnly,
  InitInput,
  InitResponse,
  ItemResponse,
  Locale,
  PayoutItem,
  RetrieveInput,
  RetrieveResponse,
} from './types.ts';

export interface MassPayoutClientOptions {
  /** Where the service listens, e.g. "http://127.0.0.1:8080" (a path prefix is kept and signed). */
  baseUrl: string;
  apiKey: string;
  secretKey: string;
  /** Language of `errorMessage`, sent as `?locale=` (never signed). The server's default is tr. */
  locale?: Locale;
  /** Deadline of one call, retries included (default 60 s). */
  timeoutMs?: number;
  retry?: Partial<RetryPolicy>;
  /** Called before each retry: for logs and metrics. */
  onRetry?: (notice: RetryNotice) => void;
}

export interface ItemsOptions {
  itemType?: 'VALID' | 'INVALID';
  /** Only items in these states, filtered by the service (a masspayout extension of retrieve). */
  itemStatuses?: ItemStatus[];
  /** Items per retrieve call, 1..1000 (default 1000). */
  pageSize?: number;
  /** Told after each page has been fetched: items so far (that page included) of the total selected. */
  onPage?: (seen: number, total: number) => void;
}

export interface WaitOptions {
  onProgress?: (progress: BatchProgress) => void;
  /** Pause between two looks at the batch (default 1 s). */
  intervalMs?: number;
  /** Give up with WAIT_TIMEOUT after this long (default 1 h). */
  timeoutMs?: number;
}

interface CallOptions {
  /** False for the one call a retry could duplicate: an init without externalId. */
  retry: boolean;
}

/**
 * The merchant API, signed with IYZWSv2 by the same module the server verifies with. Every call has
 * a deadline; network errors and 5xx are retried a bounded number of times, each attempt signed anew
 * with a fresh random key. Every method but init is safe to repeat on the server (auth and cancel
 * of a done batch succeed again), and init is idempotent on externalId, so a retry never creates a
 * second batch; an init without externalId is never retried.
 */
export class MassPayoutClient {
  readonly #origin: string;
  readonly #basePath: string;
  readonly #apiKey: string;
  readonly #secretKey: string;
  readonly #locale?: Locale;
  readonly #timeoutMs: number;
  readonly #policy: RetryPolicy;
  readonly #onRetry?: MassPayoutClientOptions['onRetry'];

  constructor(options: MassPayoutClientOptions) {
    const base = new URL(options.baseUrl);
    if (base.protocol !== 'http:' && base.protocol !== 'https:') throw new TypeError(`baseUrl must be http(s), got ${options.baseUrl}`);
    if (!options.apiKey || !options.secretKey) throw new TypeError('apiKey and secretKey are required');
    this.#origin = base.origin;
    this.#basePath = base.pathname.replace(/\/+$/, '');
    this.#apiKey = options.apiKey;
    this.#secretKey = options.secretKey;
    this.#locale = options.locale;
    this.#timeoutMs = options.timeoutMs ?? limits.clientTimeoutMs;
    this.#policy = { attemptsMax: limits.clientAttemptsMax, backoffBaseMs: limits.clientBackoffBaseMs, ...options.retry };
    this.#onRetry = options.onRetry;
  }

  /** Creates a batch (or, for an externalId already used with the same request, returns the same one). */
  init(request: InitInput): Promise<InitResponse> {
    const hasExternalId = typeof request.externalId === 'string' && request.externalId.length > 0;
    return this.#call('POST', paths.init, request, { retry: hasExternalId });
  }

  /**
   * An init too large to hold, first half: reads the items once (`input.items()`) for the body's
   * length and SHA-256 and the first attempt's signature, holding one piece of the body at a time.
   * `sendInit` sends it; in between, the caller may decide not to (the items' source said it was bad).
   */
  async prepareInit(input: StreamedInitInput): Promise<PreparedInit> {
    const path = this.#basePath + paths.init;
    const randomKey = newRandomKey();
    const body = await readInitBody(input, signatureHmac(this.#secretKey, randomKey, path));
    return { input, path, randomKey, ...body };
  }

  /**
   * An init too large to hold, second half: the same request as `init` would send for those items,
   * byte for byte, streamed from a second read of the items. Retried as init is (only with an
   * externalId); a retry reads the items once more to sign with a fresh random key. Fails with
   * BODY_CHANGED, cutting the request off before its end, when a read gives other items.
   */
  sendInit(prepared: PreparedInit, options: { onItems?: ItemsProgress } = {}): Promise<InitResponse> {
    if (prepared.path !== this.#basePath + paths.init) throw new TypeError(`this init was prepared for ${prepared.path}`);
    const hasExternalId = typeof prepared.input.externalId === 'string' && prepared.input.externalId.length > 0;
    let attempts = 0;
    return withRetries(this.#plan('POST', paths.init, hasExternalId), async (timeoutMs) => {
      const started = Date.now();
      let { randomKey, signature } = prepared;
      if (attempts++ > 0) {
        randomKey = newRandomKey();
        const again = await readInitBody(prepared.input, signatureHmac(this.#secretKey, randomKey, prepared.path));
        if (again.sha256 !== prepared.sha256 || again.byteLength !== prepared.byteLength) throw bodyChanged(prepared);
        signature = again.signature;
      }
      const left = timeoutMs - (Date.now() - started);
      if (left <= 0) throw outOfTime();
      return exchange<InitResponse>({
        method: 'POST',
        url: this.#url(prepared.path),
        headers: { authorization: authorizationOf(this.#apiKey, randomKey, signature), 'x-iyzi-rnd': randomKey },
        body: { byteLength: prepared.byteLength, chunks: sameInitBody(prepared, options.onItems) },
        timeoutMs: left,
        success: 'envelope',
      });
    });
  }

  /** Reserves the funds and queues the batch's valid items. Safe to repeat. */
  auth(requestId: string, options: { conversationId?: string } = {}): Promise<EnvelopeOnly> {
    return this.#call('POST', paths.auth, { ...options, requestId }, { retry: true });
  }

  /** Cancels a batch that is not yet authorised. Sends no body unless a conversationId is given. */
  cancel(requestId: string, options: { conversationId?: string } = {}): Promise<EnvelopeOnly> {
    const body = options.conversationId === undefined ? undefined : { conversationId: options.conversationId };
    return this.#call('POST', withParam(paths.cancel, 'requestId', requestId), body, { retry: true });
  }

  /** One page of a batch: its summary and `size` of its items in submission order. */
  retrieve(request: RetrieveInput): Promise<RetrieveResponse> {
    return this.#call('POST', paths.retrieve, request, { retry: true });
  }

  /** Every item of a batch, fetched page by page as the iteration goes. */
  async *items(requestId: string, options: ItemsOptions = {}): AsyncGenerator<PayoutItem> {
    const size = options.pageSize ?? limits.retrievePageSizeMax;
    let seen = 0;
    // Bounded: the first page tells the total; a page count past it (items added meanwhile cannot
    // happen, a batch never grows) would mean a server that keeps answering, so stop there.
    let pagesMax = Infinity;
    for (let page = 0; page < pagesMax; page++) {
      const response = await this.retrieve({
        requestId,
        page,
        size,
        ...(options.itemType ? { itemType: options.itemType } : {}),
        ...(options.itemStatuses ? { itemStatuses: options.itemStatuses } : {}),
      });
      const { items, total } = response.massPayoutItems;
      pagesMax = Math.ceil(total / size);
      options.onPage?.(seen + items.length, total);
      for (const item of items) yield item;
      seen += items.length;
      if (items.length === 0 || seen >= total) return;
    }
  }

  /** One item by its referenceCode. */
  item(referenceCode: string): Promise<ItemResponse> {
    return this.#call('GET', withParam(paths.item, 'referenceCode', referenceCode), undefined, { retry: true });
  }

  /** Available (and reserved) balance per currency. */
  balance(): Promise<BalanceResponse> {
    return this.#call('GET', paths.balance, undefined, { retry: true });
  }

  /** Where a batch stands (by requestId, or by your externalId): one retrieve call, whose batch carries its item counts per status. */
  async progress(batch: string | { externalMassPayoutId: string }): Promise<BatchProgress> {
    const key = typeof batch === 'string' ? { requestId: batch } : batch;
    const { massPayout } = await this.retrieve({ ...key, page: 0, size: 1 });
    const byStatus = Object.entries(massPayout.itemStatusCounts) as [ItemStatus, number][];
    return progressOf(massPayout, countItems(byStatus));
  }

  /** Polls until the batch is COMPLETED, FAIL or CANCELED and returns its last progress. */
  async waitUntilFinal(requestId: string, options: WaitOptions = {}): Promise<BatchProgress> {
    const interval = options.intervalMs ?? limits.waitIntervalMs;
    const timeout = options.timeoutMs ?? limits.waitTimeoutMs;
    const deadline = Date.now() + timeout;
    for (;;) {
      const progress = await this.progress(requestId);
      options.onProgress?.(progress);
      if (progress.isFinal) return progress;
      const left = deadline - Date.now();
      if (left <= 0) {
        throw new MassPayoutError({
          errorCode: clientErrorCodes.WAIT_TIMEOUT,
          errorMessage: `batch ${requestId} is still ${progress.status} after ${timeout} ms`,
          httpStatus: 0,
          retryable: true,
        });
      }
      await delay(Math.min(interval, left));
    }
  }

  async #call<T>(method: 'GET' | 'POST', routePath: string, body: object | undefined, options: CallOptions): Promise<T> {
    const path = this.#basePath + routePath;
    const url = this.#url(path);
    // Serialised once: every attempt sends (and signs) the very same bytes.
    const raw = body === undefined ? undefined : JSON.stringify(body);
    return withRetries(this.#plan(method, routePath, options.retry), (timeoutMs) => {
      const randomKey = newRandomKey();
      const authorization = authorizationHeader(this.#apiKey, this.#secretKey, randomKey, path, raw ?? '');
      return exchange<T>({ method, url, headers: { authorization, 'x-iyzi-rnd': randomKey }, body: raw, timeoutMs, success: 'envelope' });
    });
  }

  #url(path: string): URL {
    return new URL(path + (this.#locale ? `?locale=${this.#locale}` : ''), this.#origin);
  }

  #plan(method: 'GET' | 'POST', routePath: string, retryAllowed: boolean): RetryPlan {
    return { policy: this.#policy, deadline: Date.now() + this.#timeoutMs, retryAllowed, operation: `${method} ${routePath}`, onRetry: this.#onRetry };
  }
}

/** A fresh random key per attempt: the server refuses one it has already accepted (1001). */
function newRandomKey(): string {
  return `${Date.now()}${randomBytes(8).toString('hex')}`;
}

function outOfTime(): MassPayoutError {
  return new MassPayoutError({ errorCode: clientErrorCodes.TIMEOUT, errorMessage: 'the call ran out of time before an answer', httpStatus: 0, retryable: true });
}

function withParam(route: string, name: string, value: string): string {
  return route.replace(`:${name}`, encodeURIComponent(value));
}

import { limits } from '../limits.ts';
import { exchange } from './http.ts';
import { type RetryPolicy, withRetries } from './retry.ts';

export interface AdminClientOptions {
  baseUrl: string;
  /** The service's MASSPAYOUT_ADMIN_TOKEN. */
  token: string;
  timeoutMs?: number;
}

export interface CreatedMerchant {
  merchantId: number;
  apiKey: string;
  /** Shown once by the service: store it now. */
  secretKey: string;
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

export interface AuditVerification {
  ok: boolean;
  firstBrokenEventId?: number | string;
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
  readonly #policy: RetryPolicy = { attemptsMax: limits.clientAttemptsMax, backoffBaseMs: limits.clientBackoffBaseMs };

  constructor(options: AdminClientOptions) {
    this.#base = new URL(options.baseUrl);
    if (!options.token) throw new TypeError('the admin token is required');
    this.#token = options.token;
    this.#timeoutMs = options.timeoutMs ?? limits.clientTimeoutMs;
  }

  createMerchant(input: { name: string; commission?: { fixed?: string; rate?: string } }): Promise<CreatedMerchant> {
    return this.#call('POST', '/admin/v1/merchants', input);
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

  #call<T>(method: 'GET' | 'POST', path: string, body?: object, idempotencyKey?: string): Promise<T> {
    const url = new URL(this.#base.pathname.replace(/\/+$/, '') + path, this.#base.origin);
    const raw = body === undefined ? undefined : JSON.stringify(body);
    const headers: Record<string, string> = { authorization: `Bearer ${this.#token}` };
    if (idempotencyKey !== undefined) headers['idempotency-key'] = idempotencyKey;
    const retryAllowed = method === 'GET' || idempotencyKey !== undefined;
    const plan = { policy: this.#policy, deadline: Date.now() + this.#timeoutMs, retryAllowed, operation: `${method} ${path}` };
    return withRetries(plan, (timeoutMs) => exchange<T>({ method, url, headers, body: raw, timeoutMs, success: 'plain' }));
  }
}

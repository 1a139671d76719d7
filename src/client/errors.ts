/**
 * Every failure of the SDK is a MassPayoutError. A failure the server reported carries the server's
 * own `errorCode` (a string of digits from the catalogue, e.g. "6003") and `errorGroup`; a failure
 * that never got a well-formed answer carries one of the client codes below and `httpStatus` 0 when
 * no response arrived at all.
 */
export const clientErrorCodes = {
  /** The connection failed or was dropped before a whole response arrived. */
  NETWORK_ERROR: 'NETWORK_ERROR',
  /** The call's deadline (`timeoutMs`) passed before an answer. */
  TIMEOUT: 'TIMEOUT',
  /** The server answered something that is not the API's JSON envelope (e.g. a proxy's HTML page). */
  BAD_RESPONSE: 'BAD_RESPONSE',
  /** `waitUntilFinal` gave up before the batch reached a final state. */
  WAIT_TIMEOUT: 'WAIT_TIMEOUT',
  /**
   * A streamed init's items, read again to be sent, were not the ones its body was signed from (the
   * file they come from changed). The request was cut off before its last byte: nothing was created.
   */
  BODY_CHANGED: 'BODY_CHANGED',
} as const;
export type ClientErrorCode = (typeof clientErrorCodes)[keyof typeof clientErrorCodes];

export interface MassPayoutErrorFields {
  errorCode: string;
  errorMessage: string;
  /** 0 when no HTTP response arrived. */
  httpStatus: number;
  /** Whether sending the same call again, unchanged, may succeed. */
  retryable: boolean;
  errorGroup?: string;
  conversationId?: string;
  cause?: unknown;
}

export class MassPayoutError extends Error {
  readonly errorCode: string;
  readonly errorMessage: string;
  readonly httpStatus: number;
  readonly retryable: boolean;
  readonly errorGroup?: string;
  readonly conversationId?: string;

  constructor(fields: MassPayoutErrorFields) {
    super(`${fields.errorCode}: ${fields.errorMessage}`, fields.cause === undefined ? undefined : { cause: fields.cause });
    this.name = 'MassPayoutError';
    this.errorCode = fields.errorCode;
    this.errorMessage = fields.errorMessage;
    this.httpStatus = fields.httpStatus;
    this.retryable = fields.retryable;
    this.errorGroup = fields.errorGroup;
    this.conversationId = fields.conversationId;
  }
}

/**
 * A retry can help after a fault on the way or on the server (no answer, 5xx), after 408 and after
 * 429 (later). Every other 4xx is the request's own problem and would fail the same way again.
 */
export function isRetryableStatus(httpStatus: number): boolean {
  return httpStatus === 0 || httpStatus >= 500 || httpStatus === 408 || httpStatus === 429;
}

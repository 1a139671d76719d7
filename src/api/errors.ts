import { errors, type CatalogueEntry, type ErrorGroup, type ErrorName, type ItemReasonGroup, type ItemReasonName } from '../errors.ts';

/** A catalogue name a request can be answered with: anything but an item reason. */
export type ApiErrorName = Exclude<ErrorName, ItemReasonName>;

/** Every group's HTTP status; a new group fails to compile until it has one. */
const statusOfGroup: Record<Exclude<ErrorGroup, ItemReasonGroup>, number> = {
  SYSTEM_ERROR: 500,
  NOT_FOUND: 404,
  INVALID_REQUEST: 400,
  RATE_LIMITED: 429,
  AUTHENTICATION: 401,
  CONFLICT: 409,
  UNAVAILABLE: 503,
};

/** The request errors whose HTTP status says more than their group's. */
const statusOfName: Partial<Record<ApiErrorName, number>> = {
  BODY_TOO_LARGE: 413,
  UNSUPPORTED_MEDIA_TYPE: 415,
  REQUEST_TIMEOUT: 408,
  METHOD_NOT_ALLOWED: 405,
  URI_TOO_LONG: 414,
  HEADERS_TOO_LARGE: 431,
  // The console: a signed-in user who may not do this, and a user locked out for a while.
  OWN_BATCH: 403,
  ROLE_FORBIDDEN: 403,
  CSRF_INVALID: 403,
  SIGN_IN_LOCKED: 423,
};

/** The HTTP status a request answered with this catalogue error gets. */
export function httpStatusOf(name: ApiErrorName): number {
  return statusOfName[name] ?? statusOfGroup[errors[name].group as Exclude<ErrorGroup, ItemReasonGroup>];
}

/** A client or domain failure that the edge turns into the failure envelope. Not a fault. */
export class ApiError extends Error {
  readonly entry: CatalogueEntry;
  readonly httpStatus: number;
  readonly detail?: string;

  constructor(name: ApiErrorName, detail?: string) {
    super(detail ? `${errors[name].en}: ${detail}` : errors[name].en);
    this.entry = errors[name];
    this.httpStatus = httpStatusOf(name);
    this.detail = detail;
  }
}

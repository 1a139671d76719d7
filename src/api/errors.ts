/**
 * The error catalogue: every code the service returns, with its HTTP status, group and tr/en
 * message. It is mapped to the wire once, in envelope.ts. The README's table is checked against it.
 * Codes 1, 11, 1000 and 1009 are iyzico's own; 6xxx are mass payout codes; 6[1-2]xx are item reasons.
 */
export type Locale = 'tr' | 'en';

interface CatalogueEntry {
  code: string;
  httpStatus: number;
  group: string;
  tr: string;
  en: string;
}

function entry(code: string, httpStatus: number, group: string, tr: string, en: string): CatalogueEntry {
  return { code, httpStatus, group, tr, en };
}

export const errors = {
  SYSTEM_ERROR: entry('1', 500, 'SYSTEM_ERROR', 'Sistem hatası', 'System error'),
  NOT_FOUND: entry('10', 404, 'NOT_FOUND', 'İstenen kaynak bulunamadı', 'The requested resource was not found'),
  INVALID_REQUEST: entry('11', 400, 'INVALID_REQUEST', 'Geçersiz istek', 'Invalid request'),
  MALFORMED_JSON: entry('12', 400, 'INVALID_REQUEST', 'İstek gövdesi geçerli bir JSON değil', 'The request body is not valid JSON'),
  BODY_TOO_LARGE: entry('13', 413, 'INVALID_REQUEST', 'İstek gövdesi çok büyük', 'The request body is too large'),
  UNSUPPORTED_MEDIA_TYPE: entry('14', 415, 'INVALID_REQUEST', 'İçerik türü application/json olmalıdır', 'The content type must be application/json'),
  RATE_LIMITED: entry('15', 429, 'RATE_LIMITED', 'Çok fazla istek', 'Too many requests'),
  REQUEST_TIMEOUT: entry('16', 408, 'INVALID_REQUEST', 'İstek zaman aşımına uğradı', 'The request timed out'),
  METHOD_NOT_ALLOWED: entry('17', 405, 'INVALID_REQUEST', 'Bu kaynak bu HTTP yöntemini desteklemiyor', 'This resource does not support this HTTP method'),
  INVALID_SIGNATURE: entry('1000', 401, 'AUTHENTICATION', 'Geçersiz imza', 'Invalid signature'),
  REPLAYED_REQUEST: entry('1001', 401, 'AUTHENTICATION', 'Bu istek daha önce alındı', 'This request was already received'),
  AUTHORIZATION_REQUIRED: entry('1009', 401, 'AUTHENTICATION', 'Authorization başlığı zorunludur', 'The Authorization header is required'),
  ADMIN_UNAUTHORIZED: entry('1010', 401, 'AUTHENTICATION', 'Geçersiz yönetici anahtarı', 'Invalid admin token'),

  MASS_PAYOUT_NOT_FOUND: entry('6001', 404, 'NOT_FOUND', 'Toplu ödeme bulunamadı', 'Mass payout not found'),
  EXTERNAL_ID_CONFLICT: entry('6002', 409, 'CONFLICT', 'Bu externalId farklı bir istekle kullanıldı', 'This externalId was used with a different request'),
  INSUFFICIENT_BALANCE: entry('6003', 409, 'CONFLICT', 'Yetersiz bakiye', 'Insufficient balance'),
  MASS_PAYOUT_CANCELED: entry('6004', 409, 'CONFLICT', 'Toplu ödeme iptal edilmiş', 'The mass payout is canceled'),
  NO_VALID_ITEMS: entry('6005', 409, 'CONFLICT', 'Toplu ödemede geçerli kalem yok', 'The mass payout has no valid item'),
  ALREADY_AUTHORIZED: entry('6006', 409, 'CONFLICT', 'Toplu ödeme onaylanmış, iptal edilemez', 'The mass payout is authorized and cannot be canceled'),
  ITEM_NOT_FOUND: entry('6007', 404, 'NOT_FOUND', 'Ödeme kalemi bulunamadı', 'Payout item not found'),
  TOO_MANY_ITEMS: entry('6008', 400, 'INVALID_REQUEST', 'Kalem sayısı sınırı aşıldı', 'Too many items in one request'),
  NO_ITEMS: entry('6009', 400, 'INVALID_REQUEST', 'En az bir kalem gereklidir', 'At least one item is required'),

  ITEM_MALFORMED: entry('6100', 400, 'INVALID_ITEM', 'Kalem biçimi hatalı', 'The item is malformed'),
  ITEM_EXTERNAL_ID_INVALID: entry('6101', 400, 'INVALID_ITEM', 'itemExternalId zorunludur ve en fazla 64 karakter olabilir', 'itemExternalId is required and at most 64 characters'),
  ITEM_EXTERNAL_ID_DUPLICATE: entry('6102', 400, 'INVALID_ITEM', 'itemExternalId bu toplu ödemede tekrar ediyor', 'itemExternalId is repeated within this mass payout'),
  RECIPIENT_TYPE_INVALID: entry('6103', 400, 'INVALID_ITEM', 'recipientType geçersiz', 'recipientType is invalid'),
  IBAN_INVALID: entry('6104', 400, 'INVALID_ITEM', 'IBAN geçersiz', 'The IBAN is invalid'),
  MEMBER_ID_INVALID: entry('6105', 400, 'INVALID_ITEM', 'Üye numarası geçersiz', 'The member id is invalid'),
  IDENTITY_NUMBER_INVALID: entry('6106', 400, 'INVALID_ITEM', 'T.C. kimlik numarası geçersiz', 'The identity number is invalid'),
  PHONE_INVALID: entry('6107', 400, 'INVALID_ITEM', 'Telefon numarası E.164 biçiminde olmalıdır', 'The phone number must be in E.164 format'),
  RECIPIENT_NAME_REQUIRED: entry('6108', 400, 'INVALID_ITEM', 'IBAN ödemelerinde alıcı adı zorunludur', 'recipientName is required for IBAN payouts'),
  RECIPIENT_NAME_TOO_LONG: entry('6109', 400, 'INVALID_ITEM', 'Alıcı adı en fazla 128 karakter olabilir', 'recipientName is at most 128 characters'),
  DESCRIPTION_TOO_LONG: entry('6110', 400, 'INVALID_ITEM', 'Açıklama en fazla 256 karakter olabilir', 'description is at most 256 characters'),
  AMOUNT_INVALID: entry('6111', 400, 'INVALID_ITEM', 'Tutar sıfırdan büyük ve en fazla iki ondalık basamaklı olmalıdır', 'The amount must be greater than zero with at most two fraction digits'),
  AMOUNT_TOO_LARGE: entry('6112', 400, 'INVALID_ITEM', 'Tutar kalem başına üst sınırı aşıyor', 'The amount exceeds the per-item maximum'),
  CURRENCY_INVALID: entry('6113', 400, 'INVALID_ITEM', 'Para birimi TRY, USD veya EUR olmalıdır', 'The currency must be TRY, USD or EUR'),
  CURRENCY_MISMATCH: entry('6114', 400, 'INVALID_ITEM', 'Bir toplu ödemedeki tüm kalemler aynı para biriminde olmalıdır', 'All items of a mass payout must share one currency'),

  RECIPIENT_ACCOUNT_CLOSED: entry('6201', 422, 'PAYOUT_FAILED', 'Alıcı hesabı kapalı', 'The recipient account is closed'),
  RECIPIENT_UNKNOWN: entry('6202', 422, 'PAYOUT_FAILED', 'Alıcı cüzdanı bulunamadı', 'No wallet is registered for the recipient'),
  RAIL_REJECTED: entry('6203', 422, 'PAYOUT_FAILED', 'Ödeme kanalı işlemi reddetti', 'The payment rail rejected the transfer'),
  REFUND_FAILED: entry('6204', 500, 'PAYOUT_FAILED', 'Tutar bakiyeye iade edilemedi', 'The amount could not be returned to the balance'),

  MERCHANT_NOT_FOUND: entry('7001', 404, 'NOT_FOUND', 'Üye işyeri bulunamadı', 'Merchant not found'),
  MEMBER_EXISTS: entry('7002', 409, 'CONFLICT', 'Bu üye numarası, telefon veya kimlik numarası zaten kayıtlı', 'This member id, phone or identity number is already registered'),
  IDEMPOTENCY_KEY_REUSED: entry('7003', 409, 'CONFLICT', 'Bu Idempotency-Key farklı bir tutar veya para birimiyle kullanıldı', 'This Idempotency-Key was used with a different amount or currency'),
} as const satisfies Record<string, CatalogueEntry>;

export type ErrorName = keyof typeof errors;
export type ErrorCode = (typeof errors)[ErrorName]['code'];

const byCode = new Map<string, CatalogueEntry>(Object.values(errors).map((e) => [e.code, e]));

export function catalogueEntry(code: string): CatalogueEntry | undefined {
  return byCode.get(code);
}

export function messageFor(code: string, locale: Locale): string {
  const found = byCode.get(code);
  return found ? found[locale] : code;
}

/** A client or domain failure that the edge turns into the failure envelope. Not a fault. */
export class ApiError extends Error {
  readonly entry: CatalogueEntry;
  readonly detail?: string;

  constructor(name: ErrorName, detail?: string) {
    super(detail ? `${errors[name].en}: ${detail}` : errors[name].en);
    this.entry = errors[name];
    this.detail = detail;
  }
}

/**
 * The error catalogue: every code the service gives, with its group and tr/en message. Below every
 * folder that reports failures (payouts, rails, the CLI, the HTTP edge): item reasons (6[1-2]xx) are
 * stored with items and need no HTTP status; the edge maps the others to theirs once
 * (src/api/errors.ts). The README's table is checked against it (`npm run docs:errors`).
 * Codes 1, 11, 1000 and 1009 are iyzico's own; 6xxx are mass payout codes; 6[1-2]xx are item reasons.
 * A feature adds its codes as one block in its own range; a new group also needs its HTTP status there.
 */
export type Locale = 'tr' | 'en';

/** What a failure is about; the HTTP edge derives a status from it (src/api/errors.ts). */
export type ErrorGroup = 'SYSTEM_ERROR' | 'NOT_FOUND' | 'INVALID_REQUEST' | 'RATE_LIMITED' | 'AUTHENTICATION' | 'CONFLICT' | 'UNAVAILABLE' | ItemReasonGroup;
/** The groups of item reasons: stored on an item (its errorMessages), never a request's answer. */
export type ItemReasonGroup = 'INVALID_ITEM' | 'PAYOUT_FAILED';

export interface CatalogueEntry {
  code: string;
  group: ErrorGroup;
  tr: string;
  en: string;
}

function entry<G extends ErrorGroup>(code: string, group: G, tr: string, en: string): CatalogueEntry & { group: G } {
  return { code, group, tr, en };
}

export const errors = {
  SYSTEM_ERROR: entry('1', 'SYSTEM_ERROR', 'Sistem hatası', 'System error'),
  NOT_FOUND: entry('10', 'NOT_FOUND', 'İstenen kaynak bulunamadı', 'The requested resource was not found'),
  INVALID_REQUEST: entry('11', 'INVALID_REQUEST', 'Geçersiz istek', 'Invalid request'),
  MALFORMED_JSON: entry('12', 'INVALID_REQUEST', 'İstek gövdesi geçerli bir JSON değil', 'The request body is not valid JSON'),
  BODY_TOO_LARGE: entry('13', 'INVALID_REQUEST', 'İstek gövdesi çok büyük', 'The request body is too large'),
  UNSUPPORTED_MEDIA_TYPE: entry('14', 'INVALID_REQUEST', 'İçerik türü application/json olmalıdır', 'The content type must be application/json'),
  RATE_LIMITED: entry('15', 'RATE_LIMITED', 'Çok fazla istek', 'Too many requests'),
  REQUEST_TIMEOUT: entry('16', 'INVALID_REQUEST', 'İstek zaman aşımına uğradı', 'The request timed out'),
  METHOD_NOT_ALLOWED: entry('17', 'INVALID_REQUEST', 'Bu kaynak bu HTTP yöntemini desteklemiyor', 'This resource does not support this HTTP method'),
  // Reliability: what the HTTP framework or the input guards refuse before any route runs.
  MALFORMED_URL: entry('18', 'INVALID_REQUEST', 'İstek adresi geçersiz kodlanmış', 'The request URL is not validly encoded'),
  URI_TOO_LONG: entry('19', 'INVALID_REQUEST', 'İstek adresi çok uzun', 'The request URL is too long'),
  HEADERS_TOO_LARGE: entry('20', 'INVALID_REQUEST', 'İstek başlıkları çok büyük', 'The request headers are too large'),
  INVALID_CHARACTERS: entry('21', 'INVALID_REQUEST', 'İstek NUL karakteri veya eşleşmemiş vekil karakter içeriyor', 'The request contains a NUL character or an unpaired surrogate'),
  NESTING_TOO_DEEP: entry('22', 'INVALID_REQUEST', 'İstek gövdesi çok derin iç içe', 'The request body is nested too deeply'),
  SERVICE_BUSY: entry('23', 'UNAVAILABLE', 'Sunucu şu an meşgul, lütfen tekrar deneyin', 'The server is busy, please try again'),
  INVALID_SIGNATURE: entry('1000', 'AUTHENTICATION', 'Geçersiz imza', 'Invalid signature'),
  REPLAYED_REQUEST: entry('1001', 'AUTHENTICATION', 'Bu istek daha önce alındı', 'This request was already received'),
  AUTHORIZATION_REQUIRED: entry('1009', 'AUTHENTICATION', 'Authorization başlığı zorunludur', 'The Authorization header is required'),
  ADMIN_UNAUTHORIZED: entry('1010', 'AUTHENTICATION', 'Geçersiz yönetici anahtarı', 'Invalid admin token'),

  MASS_PAYOUT_NOT_FOUND: entry('6001', 'NOT_FOUND', 'Toplu ödeme bulunamadı', 'Mass payout not found'),
  EXTERNAL_ID_CONFLICT: entry('6002', 'CONFLICT', 'Bu externalId farklı bir istekle kullanıldı', 'This externalId was used with a different request'),
  INSUFFICIENT_BALANCE: entry('6003', 'CONFLICT', 'Yetersiz bakiye', 'Insufficient balance'),
  MASS_PAYOUT_CANCELED: entry('6004', 'CONFLICT', 'Toplu ödeme iptal edilmiş', 'The mass payout is canceled'),
  NO_VALID_ITEMS: entry('6005', 'CONFLICT', 'Toplu ödemede geçerli kalem yok', 'The mass payout has no valid item'),
  ALREADY_AUTHORIZED: entry('6006', 'CONFLICT', 'Toplu ödeme onaylanmış, iptal edilemez', 'The mass payout is authorized and cannot be canceled'),
  ITEM_NOT_FOUND: entry('6007', 'NOT_FOUND', 'Ödeme kalemi bulunamadı', 'Payout item not found'),
  TOO_MANY_ITEMS: entry('6008', 'INVALID_REQUEST', 'Kalem sayısı sınırı aşıldı', 'Too many items in one request'),
  NO_ITEMS: entry('6009', 'INVALID_REQUEST', 'En az bir kalem gereklidir', 'At least one item is required'),

  ITEM_MALFORMED: entry('6100', 'INVALID_ITEM', 'Kalem biçimi hatalı', 'The item is malformed'),
  ITEM_EXTERNAL_ID_INVALID: entry('6101', 'INVALID_ITEM', 'itemExternalId zorunludur ve en fazla 64 karakter olabilir', 'itemExternalId is required and at most 64 characters'),
  ITEM_EXTERNAL_ID_DUPLICATE: entry('6102', 'INVALID_ITEM', 'itemExternalId bu toplu ödemede tekrar ediyor', 'itemExternalId is repeated within this mass payout'),
  RECIPIENT_TYPE_INVALID: entry('6103', 'INVALID_ITEM', 'recipientType geçersiz', 'recipientType is invalid'),
  IBAN_INVALID: entry('6104', 'INVALID_ITEM', 'IBAN geçersiz', 'The IBAN is invalid'),
  MEMBER_ID_INVALID: entry('6105', 'INVALID_ITEM', 'Üye numarası geçersiz', 'The member id is invalid'),
  IDENTITY_NUMBER_INVALID: entry('6106', 'INVALID_ITEM', 'T.C. kimlik numarası geçersiz', 'The identity number is invalid'),
  PHONE_INVALID: entry('6107', 'INVALID_ITEM', 'Telefon numarası E.164 biçiminde olmalıdır', 'The phone number must be in E.164 format'),
  RECIPIENT_NAME_REQUIRED: entry('6108', 'INVALID_ITEM', 'IBAN ödemelerinde alıcı adı zorunludur', 'recipientName is required for IBAN payouts'),
  RECIPIENT_NAME_TOO_LONG: entry('6109', 'INVALID_ITEM', 'Alıcı adı en fazla 128 karakter olabilir', 'recipientName is at most 128 characters'),
  DESCRIPTION_TOO_LONG: entry('6110', 'INVALID_ITEM', 'Açıklama en fazla 256 karakter olabilir', 'description is at most 256 characters'),
  AMOUNT_INVALID: entry('6111', 'INVALID_ITEM', 'Tutar sıfırdan büyük ve en fazla iki ondalık basamaklı olmalıdır', 'The amount must be greater than zero with at most two fraction digits'),
  AMOUNT_TOO_LARGE: entry('6112', 'INVALID_ITEM', 'Tutar kalem başına üst sınırı aşıyor', 'The amount exceeds the per-item maximum'),
  CURRENCY_INVALID: entry('6113', 'INVALID_ITEM', 'Para birimi TRY, USD veya EUR olmalıdır', 'The currency must be TRY, USD or EUR'),
  CURRENCY_MISMATCH: entry('6114', 'INVALID_ITEM', 'Bir toplu ödemedeki tüm kalemler aynı para biriminde olmalıdır', 'All items of a mass payout must share one currency'),

  RECIPIENT_ACCOUNT_CLOSED: entry('6201', 'PAYOUT_FAILED', 'Alıcı hesabı kapalı', 'The recipient account is closed'),
  RECIPIENT_UNKNOWN: entry('6202', 'PAYOUT_FAILED', 'Alıcı cüzdanı bulunamadı', 'No wallet is registered for the recipient'),
  RAIL_REJECTED: entry('6203', 'PAYOUT_FAILED', 'Ödeme kanalı işlemi reddetti', 'The payment rail rejected the transfer'),
  REFUND_FAILED: entry('6204', 'PAYOUT_FAILED', 'Tutar bakiyeye iade edilemedi', 'The amount could not be returned to the balance'),

  // The ISO 20022 bank rail: the bank's reasons (pain.002 RJCT, camt.054 returns) as item reasons.
  BANK_ACCOUNT_INCORRECT: entry('6205', 'PAYOUT_FAILED', 'Alıcı hesap numarası hatalı', 'The recipient account number is incorrect'),
  BANK_ACCOUNT_BLOCKED: entry('6206', 'PAYOUT_FAILED', 'Alıcı hesabı işleme kapalı', 'The recipient account is blocked'),
  BANK_INSUFFICIENT_FUNDS: entry('6207', 'PAYOUT_FAILED', 'Ödeme hesabında yeterli bakiye yok', 'Insufficient funds on the paying account'),
  BANK_REASON_NOT_SPECIFIED: entry('6208', 'PAYOUT_FAILED', 'Banka bir neden belirtmedi', 'The bank gave no reason'),
  BANK_BENEFICIARY_DECEASED: entry('6209', 'PAYOUT_FAILED', 'Alıcı vefat etmiş', 'The beneficiary is deceased'),

  MERCHANT_NOT_FOUND: entry('7001', 'NOT_FOUND', 'Üye işyeri bulunamadı', 'Merchant not found'),
  MEMBER_EXISTS: entry('7002', 'CONFLICT', 'Bu üye numarası, telefon veya kimlik numarası zaten kayıtlı', 'This member id, phone or identity number is already registered'),
  IDEMPOTENCY_KEY_REUSED: entry('7003', 'CONFLICT', 'Bu Idempotency-Key farklı bir tutar veya para birimiyle kullanıldı', 'This Idempotency-Key was used with a different amount or currency'),

  // Reliability: dependencies that went away, and the upper bounds that keep every sum inside bigint.
  DATABASE_UNAVAILABLE: entry('7030', 'UNAVAILABLE', 'Veritabanına şu an ulaşılamıyor, lütfen tekrar deneyin', 'The database is unreachable right now, please try again'),
  DEPOSIT_TOO_LARGE: entry('7031', 'INVALID_REQUEST', 'Tutar yatırma başına üst sınırı aşıyor', 'The amount exceeds the per-deposit maximum'),
  BALANCE_LIMIT_EXCEEDED: entry('7032', 'CONFLICT', 'Bu yatırma bakiyeyi üst sınırın üzerine çıkarır', 'This deposit would take the balance above its maximum'),
  COMMISSION_TOO_LARGE: entry('7033', 'INVALID_REQUEST', 'Sabit komisyon üst sınırı aşıyor', 'The fixed commission exceeds its maximum'),

  // Outcome webhooks: the operator's endpoints and their deliveries.
  WEBHOOK_NOT_FOUND: entry('7100', 'NOT_FOUND', 'Webhook uç noktası bulunamadı', 'Webhook endpoint not found'),
  WEBHOOK_URL_INVALID: entry('7101', 'INVALID_REQUEST', 'Webhook adresi geçersiz: https:// ile başlayan mutlak bir adres olmalıdır', 'The webhook URL is invalid: it must be an absolute https:// URL'),
  WEBHOOK_URL_NOT_PUBLIC: entry('7102', 'INVALID_REQUEST', 'Webhook adresi herkese açık olmayan bir adrese çözülüyor', 'The webhook URL resolves to an address that is not public'),
  WEBHOOK_EVENT_UNKNOWN: entry('7103', 'INVALID_REQUEST', 'Bilinmeyen webhook olay türü', 'Unknown webhook event type'),
  WEBHOOK_ENDPOINTS_LIMIT: entry('7104', 'CONFLICT', 'Üye işyerinin webhook uç noktası sayısı üst sınırda', 'The merchant has the most webhook endpoints allowed'),
  WEBHOOK_DELIVERY_NOT_FOUND: entry('7105', 'NOT_FOUND', 'Webhook teslimatı bulunamadı', 'Webhook delivery not found'),
  WEBHOOK_DELIVERY_IN_FLIGHT: entry('7106', 'CONFLICT', 'Bu teslimat şu an gönderiliyor', 'This delivery is being sent right now'),
  CLI_WEBHOOK_SIGNATURE_INVALID: entry('7107', 'AUTHENTICATION', 'Webhook imzası doğrulanamadı', 'The webhook signature does not verify'),

  // The ISO 20022 bank rail's operator endpoints.
  BANK_FILE_NOT_FOUND: entry('7300', 'NOT_FOUND', 'Banka dosyası bulunamadı', 'Bank file not found'),
  BANK_FILE_NOT_REJECTED: entry('7301', 'CONFLICT', 'Yalnızca banka tarafından bütünüyle reddedilmiş bir dosya yeniden gönderilebilir', 'Only a file the bank rejected whole can be re-issued'),

  // The CLI (masspayout …): what it finds itself, before or instead of a call; never sent by the service.
  CLI_DEV_CERT_EXISTS: entry('7020', 'CONFLICT', 'Veri klasöründe zaten bir geliştirme sertifikası var; üzerine yazmak için --force verin', 'The data dir already holds a development certificate; pass --force to replace it'),
  CLI_FILE_UNREADABLE: entry('7050', 'INVALID_REQUEST', 'Dosya okunamadı', 'The file cannot be read'),
  CLI_CSV_UNREADABLE: entry('7051', 'INVALID_REQUEST', 'Dosya ödeme CSV dosyası olarak okunamadı, hiçbir şey gönderilmedi', 'The file cannot be read as a payout CSV; nothing was sent'),
  CLI_CREDENTIALS_MISSING: entry('7052', 'AUTHENTICATION', 'Üye işyeri anahtarları eksik: MASSPAYOUT_API_KEY ve MASSPAYOUT_SECRET_KEY tanımlayın (veya --api-key ve --secret-key verin)', 'The merchant credentials are missing: set MASSPAYOUT_API_KEY and MASSPAYOUT_SECRET_KEY (or pass --api-key and --secret-key)'),
  CLI_ADMIN_TOKEN_MISSING: entry('7053', 'AUTHENTICATION', 'Yönetici anahtarı yok: MASSPAYOUT_ADMIN_TOKEN tanımlayın veya --token verin', 'No admin token: set MASSPAYOUT_ADMIN_TOKEN or pass --token'),
  CLI_STRICT_BAD_LINES: entry('7054', 'INVALID_REQUEST', 'Hatalı satırlar var ve --strict verildi, hiçbir şey gönderilmedi', 'Some lines are bad and --strict is set; nothing was sent'),
  CLI_LEDGER_UNBALANCED: entry('7055', 'SYSTEM_ERROR', 'Defter dengede değil', 'The ledger does not balance'),
  CLI_AUDIT_BROKEN: entry('7056', 'SYSTEM_ERROR', 'Denetim kaydı bozulmuş', 'The audit trail is broken'),
  CLI_USAGE: entry('7057', 'INVALID_REQUEST', 'Komut satırı hatalı', 'The command line is wrong'),
  CLI_SERVICE_DOWN: entry('7058', 'SYSTEM_ERROR', 'Servis yanıt vermiyor', 'The service does not answer'),
  CLI_START_FAILED: entry('7059', 'SYSTEM_ERROR', 'Servis başlatılamadı', 'The service could not start'),
  CLI_FILE_CHANGED: entry('7060', 'INVALID_REQUEST', 'Dosya denetlendikten sonra değişti, hiçbir şey oluşturulmadı', 'The file changed after it was checked; nothing was created'),
  CLI_SERVICE_NOT_READY: entry('7034', 'UNAVAILABLE', 'Servis yanıt veriyor ancak hazır değil (veritabanı veya kuyruk sunucusu erişilemez)', 'The service answers but is not ready (its database or broker is unreachable)'),

  // The console and its users (merchant users, sessions, four-eyes approval) and /metrics.
  METRICS_UNAUTHORIZED: entry('7200', 'AUTHENTICATION', 'Geçersiz metrik anahtarı', 'Invalid metrics token'),
  APPROVAL_REQUIRED: entry('7201', 'CONFLICT', 'Toplu ödeme bir onaylayıcının onayını bekliyor', "The mass payout is waiting for a checker's approval"),
  NOT_AWAITING_APPROVAL: entry('7202', 'CONFLICT', 'Toplu ödeme onay beklemiyor', 'The mass payout is not waiting for approval'),
  OWN_BATCH: entry('7203', 'AUTHENTICATION', 'Kendi gönderdiğiniz toplu ödemeyi onaylayamaz veya reddedemezsiniz', 'You cannot approve or reject a mass payout you submitted'),
  ROLE_FORBIDDEN: entry('7204', 'AUTHENTICATION', 'Rolünüz bu işleme izin vermiyor', 'Your role does not allow this'),
  SIGN_IN_REFUSED: entry('7205', 'AUTHENTICATION', 'E-posta, parola veya doğrulama kodu hatalı', 'The email, password or verification code is wrong'),
  SIGN_IN_LOCKED: entry('7206', 'AUTHENTICATION', 'Çok fazla hatalı deneme: hesap geçici olarak kilitlendi', 'Too many failed attempts: the account is locked for a while'),
  SESSION_REQUIRED: entry('7207', 'AUTHENTICATION', 'Oturum açmanız gerekiyor', 'Please sign in'),
  CSRF_INVALID: entry('7208', 'AUTHENTICATION', 'Form süresi doldu veya başka bir siteden gönderildi; sayfayı yenileyin', 'The form expired or came from another site; reload the page'),
  CSV_UNREADABLE: entry('7209', 'INVALID_REQUEST', 'CSV dosyası okunamadı', 'The CSV file could not be read'),
  EMAIL_TAKEN: entry('7210', 'CONFLICT', 'Bu e-posta adresi zaten kullanılıyor', 'This email address is already in use'),

  // The lifecycle and the queue (7010–7019).
  CHUNK_NOT_PARKED: entry('7010', 'NOT_FOUND', 'Park edilmiş iş parçası bulunamadı', 'No parked work chunk has this id'),
} as const satisfies Record<string, CatalogueEntry>;

export type ErrorName = keyof typeof errors;
/** Names of the item reasons: what validation and the rails give, stored as codes with the item. */
export type ItemReasonName = { [N in ErrorName]: (typeof errors)[N]['group'] extends ItemReasonGroup ? N : never }[ErrorName];

const byCode = new Map<string, CatalogueEntry>(Object.values(errors).map((e) => [e.code, e]));

/** The message of a stored or returned code; an unknown code (none is stored) reads as itself. */
export function messageFor(code: string, locale: Locale): string {
  const found = byCode.get(code);
  return found ? found[locale] : code;
}

/** Every code's message in one locale, by code (for the database to write messages itself). */
export function messagesByCode(locale: Locale): Record<string, string> {
  return Object.fromEntries([...byCode].map(([code, entry]) => [code, entry[locale]]));
}

/** The one list of states; the CHECK constraints in 001_schema.sql match these exactly. */
export const batchStatuses = ['INIT', 'IN_PROGRESS', 'PUBLISHED_TO_QUEUE', 'COMPLETED', 'FAIL', 'INSUFFICIENT_BALANCE', 'CANCELED'] as const;
export type BatchStatus = (typeof batchStatuses)[number];

export const itemStatuses = ['INVALID', 'INIT', 'MASS_PAYOUT_CANCELED', 'PROCESSING', 'QUEUED', 'SUCCESS', 'FAILED', 'DEPOSIT_SUCCESS', 'DEPOSIT_FAIL'] as const;
export type ItemStatus = (typeof itemStatuses)[number];

export const recipientTypes = ['IBAN', 'MEMBER_ID', 'IDENTITY_NUMBER', 'PHONE'] as const;
export type RecipientType = (typeof recipientTypes)[number];

export const purposes = ['SALARY', 'BONUS', 'SETTLEMENT', 'GOODS', 'SERVICES', 'CASHBACK', 'REBATES', 'DONATIONS'] as const;

/** Batch states that never change again. */
export const finalBatchStatuses: readonly BatchStatus[] = ['COMPLETED', 'FAIL', 'CANCELED'];

/**
 * The masspayout SDK: `import { MassPayoutClient } from 'masspayout/client'`.
 */
export { MassPayoutClient, type MassPayoutClientOptions, type ItemsOptions, type WaitOptions } from './client.ts';
export { AdminClient, type AdminClientOptions, type CreatedMerchant, type DepositResult, type Member, type TrialBalance, type AuditVerification, type AuditEvent, type AuditPage, type WebhookEndpointView, type WebhookDeliveryView } from './admin.ts';
export { MassPayoutError, clientErrorCodes, type ClientErrorCode } from './errors.ts';
export type { BatchProgress, ItemCounts } from './progress.ts';
export { verifyWebhook, WebhookSignatureError, type WebhookEvent, type WebhookItem, type WebhookBatchData, type WebhookHeaders } from './webhooks.ts';
export type { RetryNotice, RetryPolicy } from './retry.ts';
export type { StreamedInitInput, PreparedInit, ItemsProgress } from './streamed-init.ts';
export type * from './types.ts';

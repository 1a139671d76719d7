import { randomBytes } from 'node:crypto';
import { appendAudit } from '../audit/transaction-events.ts';
import type { Queryable, Tx } from '../db/port.ts';
import type { SecretBox } from './secret-box.ts';

export interface CommissionTerms {
  fixedMinor: bigint;
  rateE8: bigint;
}

/** A merchant's four-eyes rules for its console users (src/payouts/approvals.ts applies them). */
export interface ApprovalPolicy {
  /** Batches whose total (minor units) is above this need a checker; null: every console batch. */
  thresholdMinor: bigint | null;
  /** API-initiated batches also wait for a checker. */
  apiBatchesNeedApproval: boolean;
}
/** The batch statuses a merchant's wire shows; what each means: payouts/status-vocabulary.ts. */
export const statusVocabularies = ['documented', 'java'] as const;
export type StatusVocabulary = (typeof statusVocabularies)[number];

export interface Merchant {
  id: bigint;
  name: string;
  apiKey: string;
  commission: CommissionTerms;
  /** Four-eyes rules of its console users (013_console.sql). */
  approval: ApprovalPolicy;
  /** Which batch statuses its wire shows (payouts/status-vocabulary.ts). */
  statusVocabulary: StatusVocabulary;
}

export interface NewMerchant {
  merchantId: bigint;
  apiKey: string;
  secretKey: string;
}

export async function createMerchant(
  tx: Tx,
  box: SecretBox,
  name: string,
  commission: CommissionTerms,
  statusVocabulary: StatusVocabulary = 'documented',
): Promise<NewMerchant> {
  const apiKey = `mp-api-${randomBytes(16).toString('hex')}`;
  const secretKey = `mp-secret-${randomBytes(24).toString('hex')}`;
  const created = await tx.query<{ id: bigint }>(
    `insert into merchants (name, api_key, secret_key_sealed, commission_fixed_minor, commission_rate_e8, status_vocabulary)
     values ($1, $2, $3, $4, $5, $6) returning id`,
    [name, apiKey, box.seal(secretKey), commission.fixedMinor, commission.rateE8, statusVocabulary],
  );
  const merchantId = created.rows[0].id;
  await appendAudit(tx, { chainId: merchantId, actor: 'admin' }, [
    {
      action: 'merchant.created',
      entity: `merchant:${merchantId}`,
      after: { name, apiKey, commissionFixedMinor: commission.fixedMinor.toString(), commissionRateE8: commission.rateE8.toString(), statusVocabulary },
    },
  ]);
  return { merchantId, apiKey, secretKey };
}

interface MerchantRow {
  id: bigint;
  name: string;
  api_key: string;
  secret_key_sealed: string;
  commission_fixed_minor: bigint;
  commission_rate_e8: bigint;
  approval_threshold_minor: bigint | null;
  api_batches_need_approval: boolean;
  status_vocabulary: StatusVocabulary;
}

function fromRow(row: MerchantRow): Merchant {
  return {
    id: row.id,
    name: row.name,
    apiKey: row.api_key,
    commission: { fixedMinor: row.commission_fixed_minor, rateE8: row.commission_rate_e8 },
    approval: { thresholdMinor: row.approval_threshold_minor, apiBatchesNeedApproval: row.api_batches_need_approval },
    statusVocabulary: row.status_vocabulary,
  };
}

/**
 * A merchant as a signature check needs it: with its unsealed secret and the version of its row
 * they were read at (PostgreSQL's xmin, which every UPDATE of the row changes), so that a copy kept
 * in memory can be confirmed current by the statement that spends the request's random key.
 */
export interface Signer {
  merchant: Merchant;
  secretKey: string;
  version: string;
}

/** The merchant behind an API key, as a signature check needs it (signer-cache.ts keeps them). */
export async function signerByApiKey(db: Queryable, box: SecretBox, apiKey: string): Promise<Signer | undefined> {
  const result = await db.query<MerchantRow & { version: string }>('select xmin::text as version, * from merchants where api_key = $1', [apiKey], {
    prepareAs: 'merchant-signer-by-api-key',
  });
  const row = result.rows[0];
  return row ? { merchant: fromRow(row), secretKey: box.open(row.secret_key_sealed), version: row.version } : undefined;
}

export async function merchantById(db: Queryable, id: bigint): Promise<Merchant | undefined> {
  const result = await db.query<MerchantRow>('select * from merchants where id = $1', [id]);
  return result.rows[0] ? fromRow(result.rows[0]) : undefined;
}

/** Sets a merchant's four-eyes rules (the operator does it in the console), with its audit event. */
export async function setApprovalPolicy(tx: Tx, merchantId: bigint, policy: ApprovalPolicy): Promise<boolean> {
  const updated = await tx.query('update merchants set approval_threshold_minor = $2, api_batches_need_approval = $3 where id = $1', [
    merchantId,
    policy.thresholdMinor,
    policy.apiBatchesNeedApproval,
  ]);
  if (updated.rowCount !== 1) return false;
  await appendAudit(tx, { chainId: merchantId, actor: 'admin' }, [
    {
      action: 'merchant.approval_policy',
      entity: `merchant:${merchantId}`,
      after: { thresholdMinor: policy.thresholdMinor?.toString() ?? null, apiBatchesNeedApproval: policy.apiBatchesNeedApproval },
    },
  ]);
  return true;
}

/**
 * Changes a merchant's status vocabulary; a no-op (and no audit event) when it is already that.
 * Undefined when there is no such merchant.
 */
export async function setStatusVocabulary(tx: Tx, id: bigint, statusVocabulary: StatusVocabulary): Promise<Merchant | undefined> {
  const before = await tx.query<MerchantRow>('select * from merchants where id = $1 for update', [id]);
  const row = before.rows[0];
  if (!row) return undefined;
  if (row.status_vocabulary === statusVocabulary) return fromRow(row);
  const updated = await tx.query<MerchantRow>('update merchants set status_vocabulary = $2 where id = $1 and status_vocabulary = $3 returning *', [
    id,
    statusVocabulary,
    row.status_vocabulary,
  ]);
  if (updated.rowCount !== 1) throw new Error(`merchant ${id}: the status vocabulary changed under its row lock`);
  await appendAudit(tx, { chainId: id, actor: 'admin' }, [
    { action: 'merchant.updated', entity: `merchant:${id}`, before: { statusVocabulary: row.status_vocabulary }, after: { statusVocabulary } },
  ]);
  return fromRow(updated.rows[0]);
}

import { randomBytes } from 'node:crypto';
import { appendAudit } from '../audit/append.ts';
import type { Queryable, Tx } from '../db/port.ts';
import type { SecretBox } from './secret-box.ts';

export interface CommissionTerms {
  fixedMinor: bigint;
  rateE8: bigint;
}

export interface Merchant {
  id: bigint;
  name: string;
  apiKey: string;
  commission: CommissionTerms;
}

export interface NewMerchant {
  merchantId: bigint;
  apiKey: string;
  secretKey: string;
}

export async function createMerchant(tx: Tx, box: SecretBox, name: string, commission: CommissionTerms): Promise<NewMerchant> {
  const apiKey = `mp-api-${randomBytes(16).toString('hex')}`;
  const secretKey = `mp-secret-${randomBytes(24).toString('hex')}`;
  const created = await tx.query<{ id: bigint }>(
    `insert into merchants (name, api_key, secret_key_sealed, commission_fixed_minor, commission_rate_e8)
     values ($1, $2, $3, $4, $5) returning id`,
    [name, apiKey, box.seal(secretKey), commission.fixedMinor, commission.rateE8],
  );
  const merchantId = created.rows[0].id;
  await appendAudit(tx, { chainId: merchantId, actor: 'admin' }, [
    {
      action: 'merchant.created',
      entity: `merchant:${merchantId}`,
      after: { name, apiKey, commissionFixedMinor: commission.fixedMinor.toString(), commissionRateE8: commission.rateE8.toString() },
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
}

function fromRow(row: MerchantRow): Merchant {
  return { id: row.id, name: row.name, apiKey: row.api_key, commission: { fixedMinor: row.commission_fixed_minor, rateE8: row.commission_rate_e8 } };
}

/** The merchant behind an API key with its unsealed secret, for signature checks. */
export async function merchantByApiKey(db: Queryable, box: SecretBox, apiKey: string): Promise<{ merchant: Merchant; secretKey: string } | undefined> {
  const result = await db.query<MerchantRow>('select * from merchants where api_key = $1', [apiKey]);
  const row = result.rows[0];
  return row ? { merchant: fromRow(row), secretKey: box.open(row.secret_key_sealed) } : undefined;
}

export async function merchantById(db: Queryable, id: bigint): Promise<Merchant | undefined> {
  const result = await db.query<MerchantRow>('select * from merchants where id = $1', [id]);
  return result.rows[0] ? fromRow(result.rows[0]) : undefined;
}

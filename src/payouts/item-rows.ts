import { randomUUID } from 'node:crypto';
import { int8ArrayLiteral, textArrayLiteral } from '../db/array-literal.ts';
import { copyText } from '../db/copy-text.ts';
import type { Tx } from '../db/port.ts';
import { errors } from '../errors.ts';
import type { Currency } from '../money.ts';
import type { CheckedItem } from './validate-item.ts';

/**
 * The rows init writes to items, in the two shapes they travel in: COPY text (both adapters'
 * transactions) and the column arrays of an INSERT (a transaction handle without COPY, such as a
 * test's pass-through wrapper). Reference codes are random UUIDs made here (gen_random_uuid() costs
 * ~5 µs a row on PGlite, 0.5 s per 100,000 items; node's randomUUID a fraction of that).
 */

/** The items' columns init writes, in the order of a COPY row (and of the INSERT below). */
export const itemColumns = ['batch_id', 'seq', 'reference_code', 'item_external_id', 'recipient_type', 'recipient_info', 'recipient_name',
  'description', 'amount', 'amount_sent', 'commission', 'currency', 'status', 'error_codes'] as const;

/** One item as a COPY text line; error_codes is '{}' on a valid item; an item without a currency of its own gets the batch's. */
export function copyLine(batchId: string, seq: number, checked: CheckedItem, commission: bigint, batchCurrency: Currency): string {
  const item = checked.item;
  const status = checked.valid ? 'INIT\t{}' : 'INVALID\t{' + checked.reasons.map((name) => '"' + errors[name].code + '"').join(',') + '}';
  return batchId + '\t' + seq + '\t' + randomUUID() + '\t' + copyText(item.itemExternalId ?? '') + '\t' + copyText(item.recipientType) + '\t' +
    copyText(item.recipientInfo) + '\t' + copyText(item.recipientName) + '\t' + copyText(item.description) + '\t' +
    item.amountMinor + '\t' + (checked.valid ? '\\N' : copyText(checked.item.amountSent)) + '\t' + commission + '\t' + (item.currency ?? batchCurrency) + '\t' + status + '\n';
}

/** The INSERT of consecutive items from `$2` (their first seq) on: seq comes from the ordinality, reasons travel as one comma-joined string of codes. */
const insertItemsSql = `
  insert into items (batch_id, seq, reference_code, item_external_id, recipient_type, recipient_info, recipient_name,
                     description, amount, amount_sent, commission, currency, status, error_codes)
  select $1, $2::int + r.n::int - 1, r.reference_code, r.external_id, r.recipient_type, r.recipient_info, r.recipient_name,
         r.description, r.amount, r.amount_sent, r.commission, r.currency,
         case when r.reasons is null then 'INIT' else 'INVALID' end,
         case when r.reasons is null then '{}'::text[] else string_to_array(r.reasons, ',') end
  from unnest($3::uuid[], $4::text[], $5::text[], $6::text[], $7::text[], $8::text[], $9::int8[], $10::text[], $11::int8[], $12::text[], $13::text[])
    with ordinality as r(reference_code, external_id, recipient_type, recipient_info, recipient_name, description, amount, amount_sent, commission, currency, reasons, n)`;

/** Consecutive items gathered as the INSERT's column arrays. */
export class InsertRows {
  private readonly referenceCodes: string[] = [];
  private readonly externalIds: string[] = [];
  private readonly types: string[] = [];
  private readonly infos: string[] = [];
  private readonly names: (string | null)[] = [];
  private readonly descriptions: (string | null)[] = [];
  private readonly amounts: bigint[] = [];
  private readonly amountsSent: (string | null)[] = [];
  private readonly fees: bigint[] = [];
  private readonly currencies: string[] = [];
  private readonly reasons: (string | null)[] = [];

  constructor(readonly firstSeq: number) {}

  get length(): number {
    return this.referenceCodes.length;
  }

  push(checked: CheckedItem, commission: bigint, batchCurrency: Currency): void {
    const item = checked.item;
    this.referenceCodes.push(randomUUID());
    this.externalIds.push(item.itemExternalId ?? '');
    this.types.push(item.recipientType);
    this.infos.push(item.recipientInfo);
    this.names.push(item.recipientName);
    this.descriptions.push(item.description);
    this.amounts.push(item.amountMinor);
    this.amountsSent.push(checked.valid ? null : checked.item.amountSent);
    this.fees.push(commission);
    this.currencies.push(item.currency ?? batchCurrency);
    this.reasons.push(checked.valid ? null : checked.reasons.map((name) => errors[name].code).join(','));
  }

  /** Sends the rows; resolves once the server has inserted every one of them. */
  async insert(tx: Tx, batchId: string): Promise<void> {
    const params = [
      batchId, this.firstSeq,
      textArrayLiteral(this.referenceCodes), textArrayLiteral(this.externalIds), textArrayLiteral(this.types), textArrayLiteral(this.infos),
      textArrayLiteral(this.names), textArrayLiteral(this.descriptions), int8ArrayLiteral(this.amounts), textArrayLiteral(this.amountsSent),
      int8ArrayLiteral(this.fees), textArrayLiteral(this.currencies), textArrayLiteral(this.reasons),
    ];
    const { rowCount } = await tx.query(insertItemsSql, params);
    if (rowCount !== this.length) throw new Error(`inserted ${rowCount} of ${this.length} items of batch ${batchId}`);
  }
}

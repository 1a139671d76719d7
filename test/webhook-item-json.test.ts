import { afterAll, expect, it } from 'vitest';
import { textArrayLiteral } from '../src/db/array-literal.ts';
import { messagesByCode } from '../src/errors.ts';
import { itemJson, itemJsonSql, itemSnapshotColumns, type ItemSnapshot } from '../src/webhooks/payloads.ts';
import { freshDb } from './support/db.ts';

const { db, drop } = await freshDb();
afterAll(drop);

/**
 * A settlement's items are written into webhook bodies by itemJson, from the rows its UPDATEs
 * returned; every other item by the database, with itemJsonSql. A receiver must not be able to
 * tell which: the same row gives the same bytes both ways.
 */
it('itemJson writes an item exactly as itemJsonSql does, awkward values included', async () => {
  const messages = messagesByCode('en');
  const rows = [
    { external: 'plain', status: 'SUCCESS', amount: 4000n, commission: 0n, codes: [], bank: null },
    { external: 'cents', status: 'SUCCESS', amount: 12345n, commission: 5n, codes: [], bank: null },
    { external: 'a tenth', status: 'DEPOSIT_SUCCESS', amount: 50n, commission: 150n, codes: ['6104'], bank: 'AC04' },
    { external: 'quotes " and \\ back\\slash', status: 'DEPOSIT_FAIL', amount: 1n, commission: 0n, codes: ['6104', '6204'], bank: null },
    { external: 'line\nbreak\ttab\u0001\u001f\u007f', status: 'SUCCESS', amount: 999_999_999_999n, commission: 12_345_678n, codes: [], bank: null },
    { external: 'ünïcode ✓ 𝄞 \u2028', status: 'DEPOSIT_SUCCESS', amount: 100n, commission: 0n, codes: ['not-a-catalogue-code'], bank: 'MS03 "x"' },
  ];
  const found = await db.transaction(async (tx) => {
    await tx.query(`create temp table item_rows (like items including defaults including identity) on commit drop`);
    for (const row of rows) {
      await tx.query(
        `insert into item_rows (batch_id, seq, reference_code, item_external_id, recipient_type, recipient_info, amount, commission, currency, status, error_codes, bank_reason)
         values (gen_random_uuid(), 1, gen_random_uuid(), $1, 'IBAN', 'TR', $2, $3, 'TRY', $4, $5::text[], $6)`,
        [row.external, row.amount, row.commission, row.status, textArrayLiteral(row.codes), row.bank],
      );
    }
    return (
      await tx.query<ItemSnapshot & { sql: string }>(
        `select ${itemSnapshotColumns.map((column) => `i.${column}`).join(', ')}, ${itemJsonSql} as sql
         from item_rows i cross join (select $2::text as type) m order by i.item_external_id`,
        [JSON.stringify(messages), 'mass_payout.item.refunded'],
      )
    ).rows;
  });
  expect(found).toHaveLength(rows.length);
  for (const row of found) {
    expect(itemJson('mass_payout.item.refunded', row, messages)).toBe(row.sql);
    expect(JSON.parse(row.sql).itemExternalId).toBe(row.item_external_id);
  }
  // The fields that make a difference are really there to compare.
  const refusal = JSON.parse(found.find((row) => row.item_external_id === 'a tenth')!.sql);
  expect(refusal).toMatchObject({ totalAmount: 0.5, commissionAmount: 1.5, errorCodes: ['6104'], errorMessage: messages['6104'], bankReasonCode: 'AC04' });
});

import type { Actor } from '../../audit/append.ts';
import { textArrayLiteral } from '../../db/array-literal.ts';
import type { Db } from '../../db/port.ts';
import { limits } from '../../limits.ts';
import { returnPaidItems } from '../../payouts/return-items.ts';
import { endToEndIdOf, referenceCodeOf } from './end-to-end-id.ts';

/**
 * Posts the returns the bank reported whose items the engine has settled as SUCCESS. A return can
 * arrive before the engine has asked the rail about the item (its next status check is due later):
 * it then waits here, recorded on the transaction, until the item is SUCCESS. One transaction per
 * merchant; the transaction's `return_applied` flips in it. Returns how many were posted.
 *
 * This runs every round of the file rail, nearly always to find nothing, so its plan must not
 * depend on statistics: a table that filled since it was last analysed looks to the planner as if
 * most of its rows were returned, and the join to the items became a seq scan of the transactions
 * and a hash of the items, ~30 ms a round in the bank bench. Walking the due-returns index in its
 * order under the LIMIT, with the item looked up per row (`offset 0` keeps the lateral from being
 * merged into a join the planner would reorder), costs nothing when nothing is due.
 */
export async function applyDueReturns(db: Db, actor: Actor): Promise<number> {
  const due = await db.query<{ end_to_end_id: string; returned_amount: bigint; returned_on: string; return_reason: string; merchant_id: bigint }>(
    `select t.end_to_end_id, t.returned_amount, to_char(t.returned_on, 'YYYY-MM-DD') as returned_on, t.return_reason, b.merchant_id
     from bank_file_transactions t
     cross join lateral (
       select i.batch_id from items i
       where i.reference_code = (substr(t.end_to_end_id, 1, 8) || '-' || substr(t.end_to_end_id, 9, 4) || '-' || substr(t.end_to_end_id, 13, 4)
                                 || '-' || substr(t.end_to_end_id, 17, 4) || '-' || substr(t.end_to_end_id, 21))::uuid
         and i.status = 'SUCCESS'
       offset 0
     ) i
     join batches b on b.id = i.batch_id
     where t.returned_amount is not null and not t.return_applied
     order by t.end_to_end_id limit $1`,
    [limits.bankReturnsPerRound],
  );
  let posted = 0;
  for (const merchantId of new Set(due.rows.map((row) => row.merchant_id))) {
    const rows = due.rows.filter((row) => row.merchant_id === merchantId);
    const returned = await returnPaidItems(
      db,
      merchantId,
      rows.map((row) => ({ referenceCode: referenceCodeOf(row.end_to_end_id), amount: row.returned_amount, returnedOn: row.returned_on, reason: row.return_reason })),
      actor,
      async (tx, referenceCodes) => {
        const flipped = await tx.query(`update bank_file_transactions set return_applied = true, updated_at = now() where end_to_end_id = any($1::text[]) and not return_applied`, [
          textArrayLiteral(referenceCodes.map(endToEndIdOf)),
        ]);
        if (flipped.rowCount !== referenceCodes.length) throw new Error(`returns: ${flipped.rowCount} of ${referenceCodes.length} bank transactions marked`);
      },
    );
    posted += returned.length;
  }
  return posted;
}

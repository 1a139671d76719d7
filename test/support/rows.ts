import type { Queryable } from '../../src/db/port.ts';

/** Every table the service writes to when it accepts a request. */
export const storedTables = ['merchants', 'members', 'seen_random_keys', 'batches', 'items', 'accounts', 'ledger_transfers', 'audit_events'] as const;

/** Row counts per table: compared before and after a refused request to prove nothing was stored. */
export async function rowCounts(db: Queryable, tables: readonly string[] = storedTables): Promise<Record<string, number>> {
  const counts: Record<string, number> = {};
  // Constant identifiers from the list above, never input.
  for (const table of tables) {
    const result = await db.query<{ n: number }>(`select count(*)::int as n from ${table}`);
    counts[table] = result.rows[0].n;
  }
  return counts;
}

/**
 * A valid Turkish identity number from its first nine digits (the first not 0): the tenth digit is
 * ((d1+d3+d5+d7+d9)·7 − (d2+d4+d6+d8)) mod 10, the eleventh Σ(d1..d10) mod 10.
 */
export function identityNumber(firstNine: string): string {
  const d = [...firstNine].map(Number);
  const tenth = ((((d[0] + d[2] + d[4] + d[6] + d[8]) * 7 - (d[1] + d[3] + d[5] + d[7])) % 10) + 10) % 10;
  const eleventh = (d.reduce((sum, digit) => sum + digit, 0) + tenth) % 10;
  return `${firstNine}${tenth}${eleventh}`;
}

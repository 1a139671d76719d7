import { errors, type Locale } from '../../errors.ts';
import { validateItems } from '../../payouts/validate-item.ts';
import type { CsvRow } from './read-payout-csv.ts';

/** A line the service would store INVALID, with the reasons it would give. */
export interface BadLine {
  line: number;
  itemExternalId: string | null;
  reasons: { errorCode: string; errorMessage: string }[];
}

/**
 * Judges every row with the validator the service itself runs at init (payouts/validate-item.ts),
 * so what the CLI reports before sending is exactly what the service would mark INVALID.
 */
export function checkRows(rows: readonly CsvRow[], locale: Locale): { validCount: number; badLines: BadLine[] } {
  const checked = validateItems(rows.map((row) => row.item));
  const badLines: BadLine[] = [];
  checked.items.forEach((result, i) => {
    if (result.valid) return;
    badLines.push({
      line: rows[i].line,
      itemExternalId: result.item.itemExternalId,
      reasons: result.reasons.map((name) => ({ errorCode: errors[name].code, errorMessage: errors[name][locale] })),
    });
  });
  return { validCount: checked.validCount, badLines };
}

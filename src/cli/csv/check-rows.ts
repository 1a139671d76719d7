import { errors, type Locale } from '../../errors.ts';
import { newBatchContext, validateItem } from '../../payouts/validate-item.ts';
import type { CsvRow } from '../../wire/read-payout-csv.ts';

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
export function checkRows(rows: readonly CsvRow[], locale: Locale, progress?: (done: number) => void): { validCount: number; badLines: BadLine[] } {
  // One item at a time in file order, as validateItems does, so the bar can follow.
  const context = newBatchContext();
  const badLines: BadLine[] = [];
  let validCount = 0;
  rows.forEach((row, i) => {
    if (progress && i % 5000 === 0) progress(i);
    const result = validateItem(row.item, context);
    if (result.valid) {
      validCount++;
      return;
    }
    badLines.push({
      line: row.line,
      itemExternalId: result.item.itemExternalId,
      reasons: result.reasons.map((name) => ({ errorCode: errors[name].code, errorMessage: errors[name][locale] })),
    });
  });
  progress?.(rows.length);
  return { validCount, badLines };
}

import { errors, type Locale } from '../../errors.ts';
import { type BatchContext, newBatchContext, validateItem } from '../../payouts/validate-item.ts';
import type { CsvRow } from '../../wire/payout-csv-records.ts';

/** A line the service would store INVALID, with the reasons it would give. */
export interface BadLine {
  line: number;
  itemExternalId: string | null;
  reasons: { errorCode: string; errorMessage: string }[];
}

/**
 * Judges rows with the validator the service itself runs at init (payouts/validate-item.ts), one at
 * a time in file order as the service does, so what the CLI reports before sending is exactly what
 * the service would mark INVALID. Rows are judged as they are read and not kept: what stays is the
 * batch context (every itemExternalId seen, for duplicates) and the bad lines.
 */
export class RowCheck {
  validCount = 0;
  readonly badLines: BadLine[] = [];
  readonly #context: BatchContext = newBatchContext();

  constructor(readonly locale: Locale) {}

  add(row: CsvRow): void {
    const result = validateItem(row.item, this.#context);
    if (result.valid) {
      this.validCount++;
      return;
    }
    this.badLines.push({
      line: row.line,
      itemExternalId: result.item.itemExternalId,
      reasons: result.reasons.map((name) => ({ errorCode: errors[name].code, errorMessage: errors[name][this.locale] })),
    });
  }
}

import type { CsvError, Options } from 'csv-parse';
import type { InitItemInput } from './contract.ts';
import { payoutColumns } from './payout-columns.ts';

/**
 * What the payout CSV readers share, the one read whole (read-payout-csv.ts) and the one read as a
 * stream (stream-payout-csv.ts): csv-parse's options, the header, a record made an init item, a
 * record's line and the words for a broken line. Both readers use these and nothing else of their
 * own, so they accept and refuse the same lines with the same numbers and reasons.
 */
type Column = (typeof payoutColumns)[number];
export type ColumnIndex = Record<Column, number>;
/** Columns a file may leave out: their fields are optional in the API (recipientName only for IBAN payouts). */
const optionalColumns: ReadonlySet<Column> = new Set(['recipientName', 'description']);

export interface CsvRow {
  /** 1-based line of the file where the record starts (the header is line 1). */
  line: number;
  item: InitItemInput;
}

export interface CsvProblem {
  line: number;
  reason: string;
}

/** A record as csv-parse gives it with `info: true`. */
export interface CsvEntry {
  record: string[];
  info: { lines: number; bytes: number };
}

/** csv-parse's options for a payout file; `info` gives each record's line. */
export const csvOptions = {
  bom: true,
  info: true,
  trim: true,
  skip_empty_lines: true,
  skip_records_with_empty_values: true,
  skip_records_with_error: true,
} as const satisfies Options;

export const notUtf8Reason = 'the file is not UTF-8 text (save it as "CSV UTF-8")';
export const emptyFileProblem: CsvProblem = { line: 1, reason: 'the file is empty: it needs a header line and at least one payout line' };

/** The broken lines of a file, each once: one broken quote can trip two checks on the same line. */
export class CsvProblems {
  readonly list: CsvProblem[] = [];
  readonly #lines = new Set<number>();

  /** csv-parse's on_skip. */
  add(error: CsvError | undefined): void {
    const line = Number(error?.lines);
    if (!error || this.#lines.has(line)) return;
    this.#lines.add(line);
    this.list.push({ line, reason: describe(error) });
  }
}

export function columnIndex(header: string[]): { ok: true; index: ColumnIndex } | { ok: false; reason: string } {
  const names = header.map((name) => name.trim());
  if (names.length === 1 && names[0].includes(';')) {
    return { ok: false, reason: 'the header is separated by ";": use commas (Excel: save as "CSV UTF-8 (comma delimited)")' };
  }
  const duplicate = names.find((name, i) => names.indexOf(name) !== i);
  if (duplicate) return { ok: false, reason: `the header names the column "${duplicate}" twice` };
  const missing = payoutColumns.filter((column) => !optionalColumns.has(column) && !names.includes(column));
  if (missing.length > 0) return { ok: false, reason: `the header lacks ${missing.join(', ')} (expected: ${payoutColumns.join(',')})` };
  // A left-out optional column reads as an empty field (-1 indexes nothing).
  const index = Object.fromEntries(payoutColumns.map((column) => [column, names.indexOf(column)])) as ColumnIndex;
  return { ok: true, index };
}

/** Empty optional fields are left out, as an integrator would; amount stays the exact decimal text. */
export function toItem(fields: string[], at: ColumnIndex): InitItemInput {
  const item: Record<string, unknown> = {
    itemExternalId: fields[at.itemExternalId],
    recipientType: fields[at.recipientType],
    recipientInfo: fields[at.recipientInfo],
  };
  const recipientName = fields[at.recipientName] ?? '';
  const description = fields[at.description] ?? '';
  if (recipientName !== '') item.recipientName = recipientName;
  if (description !== '') item.description = description;
  item.amount = { value: fields[at.amount], currency: fields[at.currency] };
  return item as unknown as InitItemInput;
}

/** csv-parse counts the line a record ends on; a quoted field with line breaks started earlier. */
export function startLine(entry: CsvEntry): number {
  let breaks = 0;
  for (const field of entry.record) for (let at = field.indexOf('\n'); at >= 0; at = field.indexOf('\n', at + 1)) breaks++;
  return entry.info.lines - breaks;
}

function describe(error: CsvError): string {
  switch (error.code) {
    case 'CSV_RECORD_INCONSISTENT_FIELDS_LENGTH':
    case 'CSV_RECORD_INCONSISTENT_COLUMNS':
      return `${error.message.replace(/ on line \d+$/, '')} (a field that contains a comma must be in double quotes)`;
    case 'CSV_QUOTE_NOT_CLOSED':
      return 'a quoted field is never closed';
    case 'CSV_INVALID_CLOSING_QUOTE':
      return 'a quote inside a field must be doubled ("") and the field quoted';
    default:
      return error.message;
  }
}

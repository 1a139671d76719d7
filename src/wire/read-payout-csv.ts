import { type CsvError, parse } from 'csv-parse/sync';
import type { InitItemInput } from './contract.ts';
import { payoutColumns } from './payout-columns.ts';

/**
 * Reads a payout CSV into init items, pure (bytes in, items out). The header names the columns; their
 * order is free and extra columns are ignored (so `masspayout items --csv` output can be sent again).
 * UTF-8 with or without a BOM, CRLF or LF, quoted fields (RFC 4180: "" is a quote, commas and line
 * breaks allowed inside quotes), blank lines and lines of empty fields skipped.
 *
 * A line that cannot be read as a record (wrong number of fields, broken quotes) is a structural
 * error: its fields may have shifted (an unquoted comma in a name pushes the amount into the
 * currency column), so the caller refuses the whole file rather than guess. A well-formed line with
 * a bad value is not an error here: it becomes an item that the item validator judges.
 */
type Column = (typeof payoutColumns)[number];
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

export type CsvReadResult = { ok: true; rows: CsvRow[] } | { ok: false; problems: CsvProblem[] };

const utf8 = new TextDecoder('utf-8', { fatal: true });

/** Told every few thousand lines how far reading has come: `line` of `lines` in the file. */
export type ReadProgress = (line: number, lines: number) => void;

export function readPayoutCsv(bytes: Uint8Array, progress?: ReadProgress): CsvReadResult {
  let text: string;
  try {
    text = utf8.decode(bytes);
  } catch {
    return { ok: false, problems: [{ line: firstNonUtf8Line(bytes), reason: 'the file is not UTF-8 text (save it as "CSV UTF-8")' }] };
  }
  // Line breaks inside quoted fields are kept as LF: csv-parse counts a quoted CRLF as two lines,
  // which would put every later line number one off.
  text = text.replace(/\r\n/g, '\n');
  const problems: CsvProblem[] = [];
  const lines = progress ? countLines(text) : 0;
  const records = parse(text, {
    bom: true,
    info: true,
    trim: true,
    skip_empty_lines: true,
    skip_records_with_empty_values: true,
    skip_records_with_error: true,
    on_record: (record: string[], context: { lines: number; records: number }) => {
      if (progress && context.records % 5000 === 0) progress(context.lines, lines);
      return record;
    },
    on_skip: (error: CsvError | undefined) => {
      // One broken quote can trip two checks on the same line: report the line once.
      if (error && !problems.some((p) => p.line === Number(error.lines))) problems.push({ line: Number(error.lines), reason: describe(error) });
    },
  }) as unknown as { record: string[]; info: { lines: number } }[];

  if (records.length === 0) return { ok: false, problems: [{ line: 1, reason: 'the file is empty: it needs a header line and at least one payout line' }] };
  const [header, ...body] = records;
  const columns = columnIndex(header.record);
  if (!columns.ok) return { ok: false, problems: [{ line: startLine(header), reason: columns.reason }] };
  if (problems.length > 0) return { ok: false, problems };

  const rows = body.map((entry) => ({ line: startLine(entry), item: toItem(entry.record, columns.index) }));
  return { ok: true, rows };
}

function columnIndex(header: string[]): { ok: true; index: Record<Column, number> } | { ok: false; reason: string } {
  const names = header.map((name) => name.trim());
  if (names.length === 1 && names[0].includes(';')) {
    return { ok: false, reason: 'the header is separated by ";": use commas (Excel: save as "CSV UTF-8 (comma delimited)")' };
  }
  const duplicate = names.find((name, i) => names.indexOf(name) !== i);
  if (duplicate) return { ok: false, reason: `the header names the column "${duplicate}" twice` };
  const missing = payoutColumns.filter((column) => !optionalColumns.has(column) && !names.includes(column));
  if (missing.length > 0) return { ok: false, reason: `the header lacks ${missing.join(', ')} (expected: ${payoutColumns.join(',')})` };
  // A left-out optional column reads as an empty field (-1 indexes nothing).
  const index = Object.fromEntries(payoutColumns.map((column) => [column, names.indexOf(column)])) as Record<Column, number>;
  return { ok: true, index };
}

/** Empty optional fields are left out, as an integrator would; amount stays the exact decimal text. */
function toItem(fields: string[], at: Record<Column, number>): InitItemInput {
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

function countLines(text: string): number {
  let lines = 1;
  for (let at = text.indexOf('\n'); at >= 0; at = text.indexOf('\n', at + 1)) lines++;
  return lines;
}

/** The line of the first byte sequence that is not UTF-8 (decoded leniently, it is the first U+FFFD). */
function firstNonUtf8Line(bytes: Uint8Array): number {
  const text = new TextDecoder('utf-8').decode(bytes);
  const at = text.indexOf('\uFFFD');
  let line = 1;
  for (let i = 0; i < at; i++) if (text.charCodeAt(i) === 10) line++;
  return line;
}

/** csv-parse counts the line a record ends on; a quoted field with line breaks started earlier. */
function startLine(entry: { record: string[]; info: { lines: number } }): number {
  let breaks = 0;
  for (const field of entry.record) for (const char of field) if (char === '\n') breaks++;
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

import { parse } from 'csv-parse/sync';
import { type CsvEntry, type CsvProblem, CsvProblems, type CsvRow, columnIndex, csvOptions, emptyFileProblem, notUtf8Reason, startLine, toItem } from './payout-csv-records.ts';

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
 *
 * The file is held whole, as text and as rows: for a file of any size, stream-payout-csv.ts reads
 * the same way a run of rows at a time.
 */
export type { CsvProblem, CsvRow } from './payout-csv-records.ts';

export type CsvReadResult = { ok: true; rows: CsvRow[] } | { ok: false; problems: CsvProblem[] };

const utf8 = new TextDecoder('utf-8', { fatal: true });

/** Told every few thousand lines how far reading has come: `line` of `lines` in the file. */
export type ReadProgress = (line: number, lines: number) => void;

export function readPayoutCsv(bytes: Uint8Array, progress?: ReadProgress): CsvReadResult {
  let text: string;
  try {
    text = utf8.decode(bytes);
  } catch {
    return { ok: false, problems: [{ line: firstNonUtf8Line(bytes), reason: notUtf8Reason }] };
  }
  // Line breaks inside quoted fields are kept as LF: csv-parse counts a quoted CRLF as two lines,
  // which would put every later line number one off.
  text = text.replace(/\r\n/g, '\n');
  const problems = new CsvProblems();
  const lines = progress ? countLines(text) : 0;
  const records = parse(text, {
    ...csvOptions,
    on_record: (record: string[], context: { lines: number; records: number }) => {
      if (progress && context.records % 5000 === 0) progress(context.lines, lines);
      return record;
    },
    on_skip: (error) => {
      problems.add(error);
    },
  }) as unknown as CsvEntry[];

  if (records.length === 0) return { ok: false, problems: [emptyFileProblem] };
  const [header, ...body] = records;
  const columns = columnIndex(header.record);
  if (!columns.ok) return { ok: false, problems: [{ line: startLine(header), reason: columns.reason }] };
  if (problems.list.length > 0) return { ok: false, problems: problems.list };

  const rows = body.map((entry) => ({ line: startLine(entry), item: toItem(entry.record, columns.index) }));
  return { ok: true, rows };
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

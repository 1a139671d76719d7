import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { parse } from 'csv-parse';
import { type CsvEntry, type CsvProblem, CsvProblems, type CsvRow, type ColumnIndex, columnIndex, csvOptions, emptyFileProblem, notUtf8Reason, startLine, toItem } from './payout-csv-records.ts';

/**
 * Reads a payout CSV as a stream: the rows of read-payout-csv.ts, a run at a time, from a file of
 * any size. Same csv-parse options, header, items, line numbers and reasons (payout-csv-records.ts),
 * and the same verdict: one sequence that is not UTF-8 anywhere refuses the file (at its line),
 * then an empty file, then a bad header, then every broken line. What it holds is one chunk of the
 * file, csv-parse's buffers and one run of rows, whatever the file's length.
 *
 * Rows come out before the verdict is known (a broken line may come at the very end), so a reader
 * that must not act on a refused file waits for `result()` after the last run; once a refusal is
 * certain, no more rows come.
 */
export type CsvStreamResult = { ok: true; rows: number } | { ok: false; problems: CsvProblem[] };

export interface PayoutCsvStream {
  /** The rows in file order, up to `rowsPerRun` at a time. Read once. */
  runs: AsyncIterable<CsvRow[]>;
  /** The verdict, once `runs` has ended. */
  result(): CsvStreamResult;
}

/** Told every few thousand records how far reading has come: bytes of text read, and lines. */
export type StreamProgress = (bytes: number, lines: number) => void;

/** Rows per run: large enough that a run's await costs nothing beside its rows, small enough to hold. */
const rowsPerRun = 1000;
const progressEveryRecords = 5000;

class NotUtf8 extends Error {}

/** `open` gives the file's bytes from the start each time it is called (read again for a refusal's line). */
export function streamPayoutCsv(open: () => AsyncIterable<Uint8Array>, progress?: StreamProgress): PayoutCsvStream {
  let verdict: CsvStreamResult | undefined;

  async function* runs(): AsyncGenerator<CsvRow[]> {
    const problems = new CsvProblems();
    const parser = parse({
      ...csvOptions,
      on_skip: (error) => {
        problems.add(error);
      },
    });
    // Errors reach the loop below through the parser, which the pipeline destroys with them.
    const feeding = pipeline(Readable.from(lfText(open())), parser).catch(() => undefined);
    let header: { ok: true; index: ColumnIndex } | { ok: false; reason: string } | undefined;
    let headerLine = 1;
    let records = 0;
    let run: CsvRow[] = [];
    try {
      for await (const entry of parser as AsyncIterable<CsvEntry>) {
        records++;
        if (progress && records % progressEveryRecords === 0) progress(entry.info.bytes, entry.info.lines);
        if (header === undefined) {
          header = columnIndex(entry.record);
          headerLine = startLine(entry);
          continue;
        }
        // Refused whatever follows: read on only for what the verdict still needs (every broken line, the UTF-8 check).
        if (!header.ok || problems.list.length > 0) continue;
        run.push({ line: startLine(entry), item: toItem(entry.record, header.index) });
        if (run.length === rowsPerRun) {
          yield run;
          run = [];
        }
      }
    } catch (error) {
      if (!(error instanceof NotUtf8)) throw error;
      verdict = { ok: false, problems: [{ line: await firstNonUtf8Line(open()), reason: notUtf8Reason }] };
      return;
    } finally {
      parser.destroy();
      await feeding;
    }
    if (records === 0) verdict = { ok: false, problems: [emptyFileProblem] };
    else if (!header!.ok) verdict = { ok: false, problems: [{ line: headerLine, reason: header!.reason }] };
    else if (problems.list.length > 0) verdict = { ok: false, problems: problems.list };
    else {
      if (run.length > 0) yield run;
      verdict = { ok: true, rows: records - 1 };
    }
  }

  return {
    runs: runs(),
    result() {
      if (!verdict) throw new Error('the CSV has not been read to its end yet');
      return verdict;
    },
  };
}

/**
 * The file as UTF-8 text with CRLF made LF, as read-payout-csv.ts does to the whole text (csv-parse
 * counts a quoted CRLF as two lines). A CR at the end of a chunk waits for the next one, whose first
 * character may be its LF. The decoder drops a BOM at the start, as the whole-file decode does.
 */
async function* lfText(chunks: AsyncIterable<Uint8Array>): AsyncGenerator<string> {
  const decoder = new TextDecoder('utf-8', { fatal: true });
  let carry = '';
  const decode = (chunk?: Uint8Array): string => {
    try {
      return chunk ? decoder.decode(chunk, { stream: true }) : decoder.decode();
    } catch {
      throw new NotUtf8();
    }
  };
  const lf = (text: string): string => {
    text = carry + text;
    carry = text.endsWith('\r') ? '\r' : '';
    return (carry ? text.slice(0, -1) : text).replace(/\r\n/g, '\n');
  };
  for await (const chunk of chunks) {
    const text = lf(decode(chunk));
    if (text) yield text;
  }
  const tail = lf(decode()) + carry;
  if (tail) yield tail;
}

/** The line of the first byte sequence that is not UTF-8 (decoded leniently, it is the first U+FFFD). */
async function firstNonUtf8Line(chunks: AsyncIterable<Uint8Array>): Promise<number> {
  const decoder = new TextDecoder('utf-8');
  let line = 1;
  const count = (text: string): boolean => {
    const at = text.indexOf('\uFFFD');
    const end = at < 0 ? text.length : at;
    for (let i = text.indexOf('\n'); i >= 0 && i < end; i = text.indexOf('\n', i + 1)) line++;
    return at >= 0;
  };
  for await (const chunk of chunks) if (count(decoder.decode(chunk, { stream: true }))) return line;
  count(decoder.decode());
  return line;
}

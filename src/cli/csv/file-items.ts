import type { InitItemInput } from '../../wire/contract.ts';
import type { CsvRow } from '../../wire/payout-csv-records.ts';
import { type CsvStreamResult, type PayoutCsvStream, type StreamProgress, streamPayoutCsv } from '../../wire/stream-payout-csv.ts';
import type { InputFile } from '../input-file.ts';

/**
 * A payout CSV as the items of a streamed init (the SDK's prepareInit and sendInit): every call of
 * `items` reads the file again from its start. The first read is also the check — each row goes to
 * `onFirstRow` (the item validator) and its verdict is kept — so the file is read twice in all
 * when nothing goes wrong: once to check and sign, once to send.
 */
export class CsvFileItems {
  #reads = 0;
  #first: PayoutCsvStream | undefined;

  constructor(
    private readonly file: InputFile,
    private readonly onFirstRow: (row: CsvRow) => void,
    private readonly firstProgress?: StreamProgress,
  ) {}

  readonly items = (): AsyncIterable<InitItemInput[]> => {
    const first = this.#reads++ === 0;
    const stream = streamPayoutCsv(() => this.file.open(), first ? this.firstProgress : undefined);
    if (first) this.#first = stream;
    return itemsOf(stream, first ? this.onFirstRow : undefined);
  };

  /** The first read's verdict, once it has ended. */
  result(): CsvStreamResult {
    if (!this.#first) throw new Error('the file has not been read yet');
    return this.#first.result();
  }
}

async function* itemsOf(stream: PayoutCsvStream, onRow?: (row: CsvRow) => void): AsyncGenerator<InitItemInput[]> {
  for await (const run of stream.runs) {
    if (onRow) for (const row of run) onRow(row);
    yield run.map((row) => row.item);
  }
}

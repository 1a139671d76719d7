import { createReadStream, type Stats } from 'node:fs';
import { stat } from 'node:fs/promises';
import { type Localized, CliFailure } from './output.ts';

/** Why a file cannot be read, in plain words: what a user can act on, not Node's errno text. */
const reasons: Record<string, Record<'en' | 'tr', string>> = {
  ENOENT: { en: 'there is no such file', tr: 'böyle bir dosya yok' },
  ENOTDIR: { en: 'a part of the path is not a folder', tr: 'yolun bir parçası klasör değil' },
  EISDIR: { en: 'it is a folder, not a file', tr: 'bu bir klasör, dosya değil' },
  EACCES: { en: 'permission to read it is denied', tr: 'okuma izni yok' },
  EPERM: { en: 'permission to read it is denied', tr: 'okuma izni yok' },
};

function unreadable(file: string, error: unknown): CliFailure {
  const code = (error as { code?: string }).code ?? '';
  const reason = reasons[code] ?? { en: code || String(error), tr: code || String(error) };
  const detail: Localized = { en: `${file} (${reason.en})`, tr: `${file} (${reason.tr})` };
  return new CliFailure('CLI_FILE_UNREADABLE', detail, { file });
}

/** A file given on the command line, read as a stream as many times as needed. */
export interface InputFile {
  size: number;
  /** Its bytes from the start, a chunk at a time; a failure to read is said as for the first look. */
  open(): AsyncIterable<Buffer>;
  /** Whether its size and modification time are still those of the first look. */
  unchanged(): Promise<boolean>;
}

/** Chunks of 256 KiB: few enough awaits for a file of 100 MB, little memory. */
const chunkBytes = 256 * 1024;

/**
 * A file given on the command line, refused before it is read when it is larger than `bytesMax`
 * (the failure names the limit's variable) or is not a regular file.
 */
export async function inputFile(file: string, bytesMax: number, limitName: string): Promise<InputFile> {
  let first: Stats;
  try {
    first = await stat(file);
    if (first.isDirectory()) throw Object.assign(new Error('directory'), { code: 'EISDIR' });
  } catch (error) {
    throw unreadable(file, error);
  }
  const size = first.size;
  if (size > bytesMax) {
    throw new CliFailure(
      'BODY_TOO_LARGE',
      {
        en: `${file} is ${size} bytes; one request takes at most ${bytesMax} (${limitName}): split the file`,
        tr: `${file} ${size} bayt; bir istek en fazla ${bytesMax} bayt alır (${limitName}): dosyayı bölün`,
      },
      { file, bytes: size, bytesMax },
    );
  }
  return {
    size,
    async *open() {
      try {
        yield* createReadStream(file, { highWaterMark: chunkBytes }) as AsyncIterable<Buffer>;
      } catch (error) {
        throw unreadable(file, error);
      }
    },
    async unchanged() {
      const now = await stat(file).catch(() => undefined);
      return now !== undefined && now.size === first.size && now.mtimeMs === first.mtimeMs && now.ino === first.ino;
    },
  };
}

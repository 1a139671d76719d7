/**
 * The two folders the bank rail exchanges files through, on this machine's file system or on an
 * SFTP server (local-folders.ts, sftp-folders.ts). Names are plain file names inside a folder;
 * dot files (a transfer's temporary name) are never listed.
 */
export interface FileFolders {
  /**
   * Writes `name` into `dir` under a temporary name, flushes it to disk, and then gives it its name
   * — only if no file has it yet: a file once written is never rewritten. `exists` when it was there.
   */
  writeNew(dir: string, name: string, content: string): Promise<'written' | 'exists'>;
  /** The plain files of `dir`, in name order, with their sizes (bytes). */
  list(dir: string): Promise<{ name: string; size: number }[]>;
  read(dir: string, name: string): Promise<Buffer>;
  /** Moves `dir/name` into `dir/sub/` (made on first use); a name already taken there gets a suffix. */
  moveInto(dir: string, name: string, sub: string): Promise<void>;
  close(): Promise<void>;
}

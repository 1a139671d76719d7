import { randomBytes } from 'node:crypto';
import { constants } from 'node:fs';
import { link, mkdir, open, readdir, readFile, stat, unlink } from 'node:fs/promises';
import path from 'node:path';
import type { FileFolders } from './transport.ts';

async function fsyncDir(dir: string): Promise<void> {
  const handle = await open(dir, constants.O_RDONLY);
  try {
    await handle.sync();
  } finally {
    await handle.close();
  }
}

const isCode = (error: unknown, code: string) => (error as { code?: unknown } | null)?.code === code;

/** The folders on this machine's file system. */
export function localFolders(): FileFolders {
  return {
    async writeNew(dir, name, content) {
      await mkdir(dir, { recursive: true });
      const temporary = path.join(dir, `.${name}.${randomBytes(4).toString('hex')}.part`);
      const handle = await open(temporary, 'wx');
      try {
        await handle.writeFile(content, 'utf8');
        await handle.sync();
      } finally {
        await handle.close();
      }
      try {
        // link() fails on an existing name, where rename() would replace it: never a rewrite.
        await link(temporary, path.join(dir, name));
        await fsyncDir(dir);
        return 'written';
      } catch (error) {
        if (isCode(error, 'EEXIST')) return 'exists';
        throw error;
      } finally {
        await unlink(temporary).catch(() => undefined);
      }
    },
    async list(dir) {
      await mkdir(dir, { recursive: true });
      const entries = await readdir(dir, { withFileTypes: true });
      const files = entries.filter((e) => e.isFile() && !e.name.startsWith('.')).map((e) => e.name).sort();
      const sized = await Promise.all(files.map(async (name) => ({ name, size: (await stat(path.join(dir, name)).catch(() => undefined))?.size })));
      return sized.filter((f): f is { name: string; size: number } => f.size !== undefined);
    },
    read(dir, name) {
      return readFile(path.join(dir, name));
    },
    async moveInto(dir, name, sub) {
      const target = path.join(dir, sub);
      await mkdir(target, { recursive: true });
      for (let n = 0; ; n++) {
        const to = path.join(target, n === 0 ? name : `${name}.${n}`);
        try {
          await link(path.join(dir, name), to);
          break;
        } catch (error) {
          if (isCode(error, 'ENOENT')) return; // another process moved it first
          if (!isCode(error, 'EEXIST')) throw error;
        }
      }
      await unlink(path.join(dir, name)).catch((error) => {
        if (!isCode(error, 'ENOENT')) throw error;
      });
      await fsyncDir(target);
      await fsyncDir(dir);
    },
    async close() {},
  };
}


import { readFile, rename, unlink, writeFile } from 'node:fs/promises';
import path from 'node:path';

/** Another live process holds the data dir: two PGlite instances on one directory lose each other's writes. */
export class DataDirInUseError extends Error {
  constructor(
    readonly dataDir: string,
    readonly ownerPid: number,
  ) {
    super(`the data dir ${dataDir} is in use by process ${ownerPid}; stop it first (or give this one another MASSPAYOUT_DATA_DIR)`);
    this.name = 'DataDirInUseError';
  }
}

export interface DataDirLock {
  release(): Promise<void>;
}

/** Data dirs this process holds: the same process opening one twice is refused too. */
const heldHere = new Set<string>();

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    // EPERM: it exists, under another user.
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

async function ownerOf(file: string): Promise<number | undefined> {
  const text = await readFile(file, 'utf8').catch((error: NodeJS.ErrnoException) => {
    if (error.code === 'ENOENT') return undefined;
    throw error;
  });
  if (text === undefined) return undefined;
  const pid = Number.parseInt(text, 10);
  return Number.isSafeInteger(pid) && pid > 0 ? pid : 0;
}

/**
 * Takes `<dataDir>/masspayout.pid`: created exclusively with this process's pid, removed on release.
 * A file whose pid is no running process (its owner was killed, even with SIGKILL) is stale and is
 * taken over: renamed away first, which only one of several processes doing so can do, then created
 * afresh. Our own pid in the file without our holding it is stale too (a container's pid 1, restarted).
 */
export async function lockDataDir(dataDir: string): Promise<DataDirLock> {
  const dir = path.resolve(dataDir);
  const file = path.join(dir, 'masspayout.pid');
  if (heldHere.has(dir)) throw new DataDirInUseError(dataDir, process.pid);
  for (let attempt = 0; attempt < 5; attempt++) {
    try {
      await writeFile(file, `${process.pid}\n`, { flag: 'wx' });
      heldHere.add(dir);
      return {
        async release() {
          heldHere.delete(dir);
          if ((await ownerOf(file)) === process.pid) await unlink(file).catch(() => undefined);
        },
      };
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
    }
    const owner = await ownerOf(file);
    if (owner === undefined) continue; // released meanwhile: try again
    if (owner !== process.pid && owner > 0 && isAlive(owner)) throw new DataDirInUseError(dataDir, owner);
    const aside = `${file}.stale-${process.pid}`;
    try {
      await rename(file, aside);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') continue; // another process took it over first
      throw error;
    }
    const moved = await ownerOf(aside);
    if (moved !== owner) {
      // Between the read and the rename another process had taken it over: its lock goes back.
      await rename(aside, file);
      continue;
    }
    await unlink(aside);
  }
  throw new Error(`could not take ${file}: it kept changing hands`);
}

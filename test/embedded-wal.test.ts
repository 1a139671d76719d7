import { readdir, stat, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { openPglite } from '../src/db/pglite.ts';
import type { Db } from '../src/db/port.ts';
import { limits } from '../src/limits.ts';
import { seededDataDir } from './support/db.ts';
import { waitUntil } from './support/wait.ts';

/**
 * The embedded database checkpoints by itself: PGlite has no checkpointer, and its pg_wal grew by
 * every byte written (~600 MB here without it). Writing several times max_wal_size (64 MB) must
 * leave pg_wal near that size, not near what was written.
 */
const walBoundBytes = 64 * 1024 * 1024 + limits.embeddedCheckpointWalBytes + 16 * 1024 * 1024;

async function bytesIn(dir: string): Promise<number> {
  let total = 0;
  for (const entry of await readdir(dir, { withFileTypes: true })) {
    const at = path.join(dir, entry.name);
    // A checkpoint may remove a segment between the listing and its stat.
    total += entry.isDirectory() ? await bytesIn(at) : await stat(at).then((s) => s.size, () => 0);
  }
  return total;
}

let dataDir: string;
let db: Db | undefined;
afterAll(async () => {
  await db?.close();
  if (dataDir) await rm(dataDir, { recursive: true, force: true });
});

describe('embedded checkpoints', () => {
  it(`after ~4 × max_wal_size of writes, pg_wal stays under ${Math.round(walBoundBytes / 2 ** 20)} MB`, { timeout: 300_000 }, async () => {
    dataDir = await mkdtemp(path.join(tmpdir(), 'masspayout-wal-'));
    // Checkpoints are the subject, not initdb: a copy of the run's migrated database (on PGlite).
    await seededDataDir(dataDir);
    db = await openPglite(path.join(dataDir, 'pgdata'), { checkpointCheckMs: 100 });
    await db.query('create table filler (id int8 generated always as identity primary key, text text not null)');
    const lsn = async () => (await db!.query<{ at: string }>(`select (pg_current_wal_insert_lsn() - '0/0'::pg_lsn)::text as at`)).rows[0].at;
    const sinceCheckpoint = async () =>
      Number((await db!.query<{ written: string }>(`select pg_wal_lsn_diff(pg_current_wal_insert_lsn(), redo_lsn)::text as written from pg_control_checkpoint()`)).rows[0].written);
    const first = Number(await lsn());
    let peak = 0;
    while (Number(await lsn()) - first < 4 * 64 * 1024 * 1024) {
      await db.query(`insert into filler (text) select repeat('x', 200) from generate_series(1, 20000)`);
      await db.query(`update filler set text = text || 'y' where id % 7 = 0`);
      peak = Math.max(peak, await bytesIn(path.join(dataDir, 'pgdata', 'pg_wal')));
      // The checks run between statements, as they do between a service's requests: past the
      // threshold, the next write waits for the check to checkpoint (and fails if it never does).
      if ((await sinceCheckpoint()) > limits.embeddedCheckpointWalBytes) {
        await waitUntil('a checkpoint by the embedded adapter', async () => (await sinceCheckpoint()) <= limits.embeddedCheckpointWalBytes, 30_000);
      }
    }
    const written = Number(await lsn()) - first;
    console.log(`WAL written ${Math.round(written / 2 ** 20)} MB; pg_wal at most ${Math.round(peak / 2 ** 20)} MB; data dir ${Math.round((await bytesIn(dataDir)) / 2 ** 20)} MB`);
    expect(peak).toBeLessThan(walBoundBytes);
  });
});

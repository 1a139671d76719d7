import { mkdtemp, readdir, readFile, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';
import { openDb } from '../src/db/open.ts';
import { migrate } from '../src/db/migrate.ts';
import { openPostgres } from '../src/db/postgres.ts';
import { httpRequest } from './support/http.ts';
import { freshDb, installationDb, seededDataDir } from './support/db.ts';
import { type CliProcess, freePort, runCli } from './support/process.ts';

/**
 * `masspayout serve` as an operator runs it: a real process, a real port, the configured database
 * (a data dir of its own on PGlite; a schema of its own on the server named by DATABASE_URL).
 */
const serverUrl = process.env.DATABASE_URL;
const migrationsDir = fileURLToPath(new URL('../src/db/migrations/', import.meta.url));
const migrationFiles = async () => (await readdir(migrationsDir)).filter((f) => /^\d{3}_.+\.sql$/.test(f)).sort();

const cleanups: Array<() => Promise<void>> = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

async function tempDir(): Promise<string> {
  const dir = await mkdtemp(path.join(tmpdir(), 'masspayout-startup-'));
  cleanups.push(() => rm(dir, { recursive: true, force: true }));
  return dir;
}

/** The env of one installation: its data dir, and on PostgreSQL a fresh schema of its own. */
async function installation(): Promise<{ dataDir: string; env: Record<string, string> }> {
  const dataDir = await tempDir();
  const env: Record<string, string> = { MASSPAYOUT_DATA_DIR: dataDir, HOST: '127.0.0.1' };
  const database = await installationDb();
  cleanups.push(database.drop);
  return { dataDir, env: { ...env, ...database.env } };
}

async function serve(env: Record<string, string>): Promise<{ cli: CliProcess; url: string }> {
  const port = await freePort();
  const cli = runCli(['serve'], { ...env, PORT: String(port) });
  cleanups.push(async () => {
    if (cli.child.exitCode === null && cli.child.signalCode === null) {
      cli.child.kill('SIGKILL');
      await cli.exited();
    }
  });
  const [, url] = await cli.waitFor(/listening on (http:\/\/\S+)/);
  expect(url).toBe(`http://127.0.0.1:${port}`);
  return { cli, url };
}

async function stop(cli: CliProcess): Promise<void> {
  cli.child.kill('SIGTERM');
  expect(await cli.exited(), cli.output()).toBe(0);
}

const createMerchant = (url: string, token: string) =>
  httpRequest(`${url}/admin/v1/merchants`, 'POST', JSON.stringify({ name: 'Startup Merchant' }), {
    authorization: `Bearer ${token}`,
    'content-type': 'application/json',
  });

// Processes start slowly on a loaded 2-core machine: each test here gets minutes, not vitest's 60 s.
const slow = { timeout: 300_000 };

describe('masspayout serve', () => {
  it(`starts on ${serverUrl ? 'PostgreSQL' : 'the embedded database'}, prints where it listens and a generated admin token, serves /healthz, stops on SIGTERM`, slow, async () => {
    const { dataDir, env } = await installation();
    const first = await serve(env);
    expect(first.cli.output()).toContain(serverUrl ? 'database: PostgreSQL' : `database: embedded, ${dataDir}`);
    const [, token] = await first.cli.waitFor(/admin token \(generated, kept in \S+admin\.token\): (\S+)/);
    expect((await readFile(path.join(dataDir, 'admin.token'), 'utf8')).trim()).toBe(token);
    // Owner-only: the token file is a credential.
    expect((await stat(path.join(dataDir, 'admin.token'))).mode & 0o077).toBe(0);

    const health = await httpRequest(`${first.url}/healthz`, 'GET');
    expect(health.status).toBe(200);
    expect(health.json).toEqual({ status: 'ok' });
    expect((await createMerchant(first.url, token)).status).toBe(201);
    expect((await createMerchant(first.url, 'not-the-token')).status).toBe(401);
    await stop(first.cli);

    // A second start reuses the kept token, says where it is, and does not print it again.
    const second = await serve(env);
    await second.cli.waitFor(/API docs/);
    expect(second.cli.output()).toContain(`admin token: in ${path.join(dataDir, 'admin.token')}`);
    expect(second.cli.output()).not.toContain(token);
    const again = await createMerchant(second.url, token);
    expect(again.status).toBe(201);
    // The data survived the restart: this is the second merchant (ids are an identity from 1).
    expect(again.json.merchantId).toBe(2);
    await stop(second.cli);
    // The first start migrated a new embedded database: each migration once (on a server, the
    // migrate test below starts from an empty schema).
    if (!serverUrl) {
      const db = await openDb({ dataDir });
      cleanups.push(() => db.close());
      await expectEachMigrationOnce(db);
    }
  });

  it('uses MASSPAYOUT_ADMIN_TOKEN when set and generates no token', slow, async () => {
    const { dataDir, env } = await installation();
    // The token is the subject, not a first start of the database: the run's migrated one (on PGlite).
    await seededDataDir(dataDir);
    const configured = 'operator-chosen-token-0123456789';
    const { cli, url } = await serve({ ...env, MASSPAYOUT_ADMIN_TOKEN: configured });
    await cli.waitFor(/API docs/);
    expect(cli.output()).not.toMatch(/admin token/);
    expect(cli.output()).not.toContain(configured);
    expect((await readdir(dataDir)).includes('admin.token')).toBe(false);
    expect((await createMerchant(url, configured)).status).toBe(201);
    await stop(cli);
  });

  it('fails fast with a clear message on a bad configuration', slow, async () => {
    const { env } = await installation();
    const cli = runCli(['serve'], { ...env, PORT: 'eighty' });
    expect(await cli.exited()).toBe(1);
    expect(cli.output()).toContain('masspayout serve: 7059 The service could not start: PORT must be an integer between 1 and 65535, got "eighty"');
  });
});

describe('migrations when two processes start at once', () => {
  it('apply each migration exactly once (two migrators on one fresh database)', slow, async () => {
    // Three rounds on a server: the race on the very first `create table schema_migrations` is
    // timing-dependent. One on PGlite, whose single session leaves nothing to race but the calls.
    for (let round = 0; round < (serverUrl ? 3 : 1); round++) {
      if (serverUrl) {
        const database = await installationDb({ required: true });
        cleanups.push(database.drop);
        // Two pools are two processes' worth of sessions; migrate() is what openDb runs at start.
        const [a, b] = [await database.open(), await database.open()];
        const [byA, byB] = await Promise.all([migrate(a), migrate(b)]);
        // Between them every file was applied, and none by both.
        expect([...byA, ...byB].sort()).toEqual(await migrationFiles());
        await expectEachMigrationOnce(a);
        for (const db of [a, b]) expect((await db.query('select count(*)::int as n from merchants')).rows).toEqual([{ n: 0 }]);
      } else {
        // PGlite is one session per data dir; the same guarantee on one handle is what can race here
        // (a migrated in-memory database, as openDb leaves one: the run's template, then migrate()).
        const { db, drop } = await freshDb();
        cleanups.push(drop);
        const [again, andAgain] = await Promise.all([migrate(db), migrate(db)]);
        expect([...again, ...andAgain]).toEqual([]);
        await expectEachMigrationOnce(db);
      }
    }
  });

  it('apply each migration exactly once (two `masspayout migrate` processes)', slow, async () => {
    const { env } = await installation();
    if (serverUrl) {
      const [a, b] = [runCli(['migrate'], env), runCli(['migrate'], env)];
      expect([await a.exited(120_000), await b.exited(120_000)], a.output() + b.output()).toEqual([0, 0]);
      const db = await openPostgres({ url: env.DATABASE_URL, poolSize: 1 });
      cleanups.push(() => db.close());
      await expectEachMigrationOnce(db);
    } else {
      // One embedded data dir belongs to one process; run them one after the other, on the run's
      // migrated database (a first start's migrations are checked by the serve test above).
      await seededDataDir(env.MASSPAYOUT_DATA_DIR);
      for (let run = 0; run < 2; run++) {
        const cli = runCli(['migrate'], env);
        expect(await cli.exited(120_000), cli.output()).toBe(0);
        expect(cli.output()).toContain('database is up to date');
      }
      const db = await openDb({ dataDir: env.MASSPAYOUT_DATA_DIR });
      cleanups.push(() => db.close());
      await expectEachMigrationOnce(db);
    }
  });
});

async function expectEachMigrationOnce(db: { query: (sql: string) => Promise<{ rows: unknown[] }> }): Promise<void> {
  const applied = await db.query('select name from schema_migrations order by name');
  expect(applied.rows).toEqual((await migrationFiles()).map((name) => ({ name })));
}

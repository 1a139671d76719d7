import type { Command } from 'commander';
import { withJson } from '../options.ts';
import { CliFailure, run } from '../output.ts';

/**
 * The service parts: `serve` (HTTP API and workers), `migrate`. They import the server lazily, so
 * that the client commands start without loading the database drivers.
 */
export function registerServiceCommands(program: Command): void {
  withJson(program.command('serve').description('run the HTTP API (and workers) on the configured database (env: PORT, HOST, MASSPAYOUT_DATA_DIR, DATABASE_URL, …)')).action(
    run(async (out) => {
      const [{ configFromEnv }, { startService }, { stopWithParent }] = await Promise.all([import('../../config.ts'), import('../../service.ts'), import('../parent-watch.ts')]);
      // With --json, the start-up lines go into the one JSON document; later ones (workers' alerts) to stderr.
      const lines: string[] = [];
      let sink = out.json ? (line: string) => void lines.push(line) : (line: string) => console.log(line);
      const service = await starting(() => startService(configFromEnv(), (line) => sink(line)));
      if (out.json) {
        out.data({ status: 'listening', url: service.url, log: lines });
        sink = (line) => out.note(line);
      }
      const stop = async () => {
        await service.stop();
        process.exit(0);
      };
      process.once('SIGTERM', stop);
      process.once('SIGINT', stop);
      stopWithParent(process.env, () => {
        sink('the npm process that started this service is gone: stopping');
        void stop();
      });
    }),
  );

  withJson(program.command('worker').description('run workers alone, no HTTP API, against DATABASE_URL (PostgreSQL); SIGTERM finishes the current chunk, then exits')).action(
    run(async () => {
      const [{ configFromEnv }, { startWorkerProcess }] = await Promise.all([import('../../config.ts'), import('../../workers/worker-process.ts')]);
      const workers = await starting(() => startWorkerProcess(configFromEnv()));
      const stop = async () => {
        await workers.stop();
        process.exit(0);
      };
      process.once('SIGTERM', stop);
      process.once('SIGINT', stop);
    }),
  );

  withJson(program.command('migrate').description('bring the database schema up to date and exit')).action(
    run(async (out) => {
      const [{ configFromEnv }, { openDb }] = await Promise.all([import('../../config.ts'), import('../../db/open.ts')]);
      const config = await starting(async () => configFromEnv());
      const db = await starting(() => openDb({ databaseUrl: config.databaseUrl, dataDir: config.dataDir }));
      await db.close();
      if (out.json) out.data({ status: 'up to date' });
      else out.line('database is up to date');
    }),
  );
}

/** A part that cannot start says so under its own code (a bad setting, a database or broker out of reach, a data dir in use), not as a fault of ours. */
async function starting<T>(start: () => Promise<T>): Promise<T> {
  try {
    return await start();
  } catch (error) {
    if (error instanceof CliFailure) throw error;
    throw new CliFailure('CLI_START_FAILED', error instanceof Error ? error.message : String(error));
  }
}

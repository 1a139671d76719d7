import { openDb } from '../db/open.ts';
import { loadMasterKey, SecretBox } from '../merchants/secret-box.ts';
import { createLogger } from '../observability/logger.ts';
import type { ObservabilityConfig } from '../observability/observability-config.ts';
import { startEngine, type EngineConfig } from './engine.ts';

/** The settings `masspayout worker` reads (the service's Config has them all). */
export interface WorkerProcessConfig extends EngineConfig {
  databaseUrl?: string;
  /** The master key every process of the deployment shares: it opens webhook secrets. */
  masterKey?: string;
  dataDir: string;
  workerConcurrency: number;
  observability: ObservabilityConfig;
}

export interface RunningWorkers {
  stop(): Promise<void>;
}

/**
 * `masspayout worker`: workers alone, no HTTP API, against the PostgreSQL server every other process
 * of the deployment uses. Any number of these may run on any number of machines: claims are leases
 * taken with SKIP LOCKED, so they share the work without coordinating. The embedded database is
 * in-process, so it cannot be shared: there the workers run inside `masspayout serve`.
 */
export async function startWorkerProcess(config: WorkerProcessConfig, log: (line: string) => void = console.log): Promise<RunningWorkers> {
  if (!config.databaseUrl) {
    throw new Error('needs DATABASE_URL (a PostgreSQL server shared with the API); with the embedded database the workers run inside `masspayout serve`');
  }
  // The master key first: a worker without the deployment's key could not sign any webhook.
  const box = new SecretBox(await loadMasterKey(config.masterKey, config.dataDir));
  const db = await openDb({ databaseUrl: config.databaseUrl });
  const concurrency = Math.max(1, config.workerConcurrency);
  const engine = await startEngine(config, db, { concurrency, log, logger: createLogger(config.observability.logLevel), box }).catch(async (error: unknown) => {
    await db.close();
    throw error;
  });
  log(`masspayout worker running: ${concurrency} loop(s) on PostgreSQL, claiming as ${(engine.workers?.claimers ?? []).join(', ')}`);
  log(engine.describe);
  return {
    async stop() {
      await engine.stop();
      await db.close();
    },
  };
}

import { readFile } from 'node:fs/promises';
import type { ApiServer } from './api/deps.ts';
import { buildServer } from './api/server.ts';
import { resolveAdminToken } from './admin-token.ts';
import type { Config } from './config.ts';
import { openDb } from './db/open.ts';
import type { Db } from './db/port.ts';
import { createLogger } from './observability/logger.ts';
import { loadMasterKey, SecretBox } from './merchants/secret-box.ts';
import { startEngine } from './workers/engine.ts';

export interface RunningService {
  app: ApiServer;
  db: Db;
  url: string;
  stop(): Promise<void>;
}

/** `masspayout serve`: the database, the HTTP API, and (from the processing issue on) the workers. */
export async function startService(config: Config, log: (line: string) => void = console.log): Promise<RunningService> {
  const logger = createLogger(config.observability.logLevel);
  const db = await openDb({ databaseUrl: config.databaseUrl, dataDir: config.dataDir });
  const box = new SecretBox(await loadMasterKey(config.masterKey, config.dataDir));
  const admin = await resolveAdminToken(config.adminToken, config.dataDir);
  // The engine first: auth needs its queue (with QUEUE_URL, the broker connection and the relay).
  const engine = await startEngine(config, db, { concurrency: config.workerConcurrency, log, logger, box }).catch(async (error: unknown) => {
    await db.close();
    throw error;
  });
  let app: ApiServer;
  try {
    const https = config.tls.certFile && config.tls.keyFile ? { cert: await readFile(config.tls.certFile), key: await readFile(config.tls.keyFile) } : undefined;
    app = await buildServer({ db, box, config, adminToken: admin.token, queue: engine.queue, brokerConnected: engine.brokerConnected }, { loggerInstance: logger, https });
    await app.listen({ port: config.port, host: config.host });
  } catch (error) {
    await engine.stop();
    await db.close();
    throw error;
  }
  const { bound, url } = listeningUrls(app, config.tls.certFile ? 'https' : 'http');
  log(`masspayout listening on ${bound} (database: ${db.kind === 'pglite' ? `embedded, ${config.dataDir}` : 'PostgreSQL'})`);
  if (bound !== url) log(`every interface: the API (admin routes included) is reachable from the network; on this machine: ${url}`);
  if (admin.source === 'generated') log(`admin token (generated, kept in ${admin.file}): ${admin.token}`);
  if (admin.source === 'file') log(`admin token: in ${admin.file}`);
  log(`API docs: ${url}/docs`);
  const workers = engine.workers;
  log(workers ? `workers: ${config.workerConcurrency} loop(s) in this process` : 'workers: none in this process (MASSPAYOUT_WORKER_CONCURRENCY=0)');
  log(engine.describe);
  return {
    app,
    db,
    url,
    async stop() {
      await app.close();
      // Workers finish the chunk in hand (or give its claims back), the relay and the broker
      // connection stop, then the database closes.
      await engine.stop();
      await db.close();
    },
  };
}

/**
 * Where the socket is bound, as it is (HOST=0.0.0.0 shows as 0.0.0.0), and a URL to reach it from
 * this machine (loopback for a wildcard address).
 */
function listeningUrls(app: ApiServer, scheme: 'http' | 'https'): { bound: string; url: string } {
  const address = app.server.address();
  if (!address || typeof address === 'string') throw new Error('the HTTP server is not listening on a TCP port');
  const host = address.family === 'IPv6' ? `[${address.address}]` : address.address;
  const wildcard = address.address === '0.0.0.0' || address.address === '::';
  return { bound: `${scheme}://${host}:${address.port}`, url: `${scheme}://${wildcard ? '127.0.0.1' : host}:${address.port}` };
}

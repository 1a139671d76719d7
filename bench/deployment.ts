import { randomBytes } from 'node:crypto';
import { runQueue } from './broker.ts';
import { ServiceClient } from './client.ts';
import { createRunDatabase, type RunDatabase } from './databases.ts';
import { freePort, startChild, stopChild, usageOf, waitForLine, waitHealthy, type Child, type ProcessUsage } from './processes.ts';

export interface DeploymentSpec {
  db: 'pglite' | 'postgres';
  postgresUrl: string;
  /** Worker loops inside serve (MASSPAYOUT_WORKER_CONCURRENCY); 0: the API alone. Undefined: the default. */
  serveLoops: number | undefined;
  /** `masspayout worker` processes beside serve. */
  workerProcesses: number;
  /** Loops per worker process; undefined: the default. */
  workerLoops?: number;
  queueUrl?: string;
  latencyMs?: number;
  timeoutMs: number;
  /** More settings for serve and the workers alike (the bank rail's). */
  env?: Record<string, string>;
}

/** One service (and its workers) on a database of its own, torn down by `stop` whatever happened. */
export interface Deployment {
  client: ServiceClient;
  serve: Child;
  workers: Child[];
  /** The run's database as the service has it (DATABASE_URL and MASSPAYOUT_DATA_DIR). */
  databaseEnv: Record<string, string>;
  /** CPU seconds of the run's PostgreSQL backends so far (RunDatabase.serverCpuSeconds). */
  databaseCpuSeconds(): Promise<number>;
  usage(): Promise<{ serve: ProcessUsage; workers: ProcessUsage[]; databaseCpuSeconds: number }>;
  /** Stops serve and the workers, keeping the database (to read what they left). */
  stopProcesses(): Promise<void>;
  stop(): Promise<void>;
}

const startupMs = 60_000;

export async function deploy(spec: DeploymentSpec): Promise<Deployment> {
  const database: RunDatabase = await createRunDatabase(spec.db, spec.postgresUrl);
  const children: Child[] = [];
  const queue = spec.queueUrl ? runQueue(spec.queueUrl) : undefined;
  const stopProcesses = async () => {
    await Promise.all(children.map((child) => stopChild(child)));
  };
  const stop = async () => {
    await stopProcesses();
    await database.drop();
    await queue?.drop().catch((error) => console.error(`bench: could not delete queue ${queue.name}: ${error.message}`));
  };
  try {
    const port = await freePort();
    const adminToken = randomBytes(16).toString('hex');
    const common: Record<string, string> = {
      ...database.env,
      MASSPAYOUT_ADMIN_TOKEN: adminToken,
      // serve and the workers share it (they share the database): see README, configuration
      MASSPAYOUT_MASTER_KEY: randomBytes(32).toString('hex'),
      MASSPAYOUT_SANDBOX_LATENCY_MS: String(spec.latencyMs ?? 0),
      ...spec.env,
      ...(spec.queueUrl && queue ? { QUEUE_URL: spec.queueUrl, MASSPAYOUT_QUEUE_NAME: queue.name } : {}),
    };
    const loops = (n: number | undefined): Record<string, string> => (n === undefined ? {} : { MASSPAYOUT_WORKER_CONCURRENCY: String(n) });
    if (spec.db === 'pglite') {
      // The embedded database's first start runs initdb inside the process, which alone leaves a peak
      // of ~0.9 GB (measured: 940 MB VmHWM, against ~360 MB for a start on an existing data dir).
      // Every later start skips it, so the data dir is created by `masspayout migrate` first, as an
      // operator's first run would, and serve's peak is that of a service on its own data.
      const migrate = startChild('migrate', 'migrate', common);
      const code = await migrate.exited;
      if (code !== 0) throw new Error(`masspayout migrate exited with ${code}:\n${migrate.tail()}`);
    }
    const serve = startChild('serve', 'serve', { ...common, ...loops(spec.serveLoops), PORT: String(port), HOST: '127.0.0.1' });
    children.push(serve);
    const url = `http://127.0.0.1:${port}`;
    await waitHealthy(serve, url, startupMs);
    // Workers start after serve has migrated the database, as an operator would start them.
    const workers = Array.from({ length: spec.workerProcesses }, (_, i) => startChild(`worker ${i + 1}`, 'worker', { ...common, ...loops(spec.workerLoops) }));
    children.push(...workers);
    await Promise.all(workers.map((worker) => waitForLine(worker, /worker running|claiming as/, startupMs)));
    return {
      client: new ServiceClient(url, adminToken, spec.timeoutMs),
      serve,
      workers,
      databaseEnv: database.env,
      databaseCpuSeconds: () => database.serverCpuSeconds(),
      async usage() {
        return { serve: await usageOf(serve), workers: await Promise.all(workers.map(usageOf)), databaseCpuSeconds: await database.serverCpuSeconds() };
      },
      stopProcesses,
      stop,
    };
  } catch (error) {
    await stop().catch(() => undefined);
    throw error;
  }
}

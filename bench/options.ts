/**
 * `npm run bench -- [flags]`: what to measure. Every flag has an env twin (BENCH_SIZES, …) so that a
 * CI job can set them without editing a command line.
 *
 *   --only ingest,settle,iso20022,webhooks,reads  which figures (ingest = init + auth of one batch; settle = auth → final;
 *                               iso20022 = auth → final through the ISO 20022 files and the bank simulator;
 *                               reads = signed retrieve / item / balance against one large batch: reads.ts)
 *   --sizes 100000,1000000      batch sizes of the ingest figures
 *   --db pglite,postgres        databases of the ingest figures
 *   --settle-size 100000        batch size of the settle figures
 *   --settle-cases …            settle setups, each <db>[:<n>w][:<k>m][:rmq][:lat<ms>], or postgres:floor (see parseCase)
 *   --iso-size 100000           batch size (all IBAN) of the iso20022 figure
 *   --iso-cases postgres:1w     setups of the iso20022 figure, <db>[:<n>w] as for settle
 *   --webhook-cases pglite,postgres:1w  setups of the webhooks figure (settle-size items, settled without and
 *                               then with a webhook endpoint subscribed to every event), as for settle
 *   --reads-items 1000000       items of the batch the reads figure reads (one init, limits raised for it)
 *   --reads-stored 10000000     items in the database in all: other batches of 100,000 are stored first
 *   --reads-db postgres         databases of the reads figure
 *   --reads-requests 2000       sequential requests of each read
 *   --reads-clients 50          concurrent clients of the retrieve/balance mix
 *   --reads-seconds 10          how long the concurrent mix runs
 *   --runs 3                    runs of every figure; the report shows the median (and each run)
 *   --timeout 600               seconds one run may take before it is stopped and reported as such
 *   --no-verify                 skip the audit-chain verification after a settle run
 *   --json <file>               also write every run as JSON
 *   --pg-private <settings>     run the PostgreSQL cases on a server of the bench's own instead of the shared
 *                               one: initdb's defaults (fsync on) plus <settings>, `name=value,…`, or `defaults`
 *                               for none (Debian's binaries, run as the postgres user; removed afterwards)
 */

export interface SettleCase {
  label: string;
  db: 'pglite' | 'postgres';
  /** `masspayout worker` processes; 0: the workers run inside `serve` (the only choice on PGlite). */
  workerProcesses: number;
  rabbitmq: boolean;
  latencyMs: number;
  /** Merchants, each with one batch of size / merchants items, all authorised at once. */
  merchants: number;
  /** `postgres:floor`: the batch settled by the pure-SQL floor (settle-floor.ts) instead of the engine. */
  floor: boolean;
}

export interface BenchOptions {
  only: Set<'ingest' | 'settle' | 'iso20022' | 'webhooks' | 'reads'>;
  sizes: number[];
  dbs: ('pglite' | 'postgres')[];
  settleSize: number;
  settleCases: SettleCase[];
  isoSize: number;
  isoCases: SettleCase[];
  webhookCases: SettleCase[];
  reads: { items: number; stored: number; dbs: ('pglite' | 'postgres')[]; requests: number; clients: number; seconds: number };
  runs: number;
  timeoutMs: number;
  verify: boolean;
  json?: string;
  postgresUrl: string;
  /** Settings of a PostgreSQL server the bench starts for itself (--pg-private); undefined: the shared server at postgresUrl. */
  privatePostgres?: Record<string, string>;
  rabbitmqUrl: string;
  /** Worker loops per process (MASSPAYOUT_WORKER_CONCURRENCY); undefined: the service's default. */
  loops?: number;
}

const defaults = {
  only: 'ingest,settle,iso20022,webhooks,reads',
  sizes: '100000,1000000',
  db: 'pglite,postgres',
  settleSize: '100000',
  settleCases: 'pglite,postgres:1w,postgres:2w,postgres:2w:rmq,postgres:2w:lat50,postgres:floor',
  isoSize: '100000',
  isoCases: 'postgres:1w',
  webhookCases: 'pglite,postgres:1w',
  readsItems: '1000000',
  readsStored: '0',
  readsDb: 'postgres',
  readsRequests: '2000',
  readsClients: '50',
  readsSeconds: '10',
  runs: '1',
  timeout: '600',
};

export function parseOptions(argv: readonly string[], env: NodeJS.ProcessEnv): BenchOptions {
  const flags = new Map<string, string>();
  const switches = new Set<string>();
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    if (!arg.startsWith('--')) throw new Error(`unexpected argument "${arg}"`);
    const [name, inline] = arg.slice(2).split('=', 2);
    if (name === 'no-verify' || name === 'help') {
      switches.add(name);
      continue;
    }
    const value = inline ?? argv[++i];
    if (value === undefined) throw new Error(`--${name} needs a value`);
    flags.set(name, value);
  }
  if (switches.has('help')) {
    console.log('usage: npm run bench -- [--only ingest,settle,iso20022,webhooks,reads] [--sizes 10000,100000] [--db pglite,postgres] [--settle-size 100000]\n' +
      '  [--settle-cases pglite,postgres:1w,postgres:2w,postgres:2w:rmq,postgres:2w:lat50,postgres:floor] [--iso-size 100000] [--iso-cases postgres:1w]\n' +
      '  [--reads-items 1000000] [--reads-stored 10000000] [--reads-db postgres] [--reads-requests 2000] [--reads-clients 50] [--reads-seconds 10]\n' +
      '  [--webhook-cases pglite,postgres:1w] [--runs 3] [--timeout 600] [--loops 4] [--no-verify] [--json file]\n' +
      '  [--pg-private defaults|name=value,…]');
    process.exit(0);
  }
  const known = new Set([
    'only', 'sizes', 'db', 'settle-size', 'settle-cases', 'iso-size', 'iso-cases', 'webhook-cases', 'runs', 'timeout', 'json', 'loops',
    'reads-items', 'reads-stored', 'reads-db', 'reads-requests', 'reads-clients', 'reads-seconds', 'pg-private',
  ]);
  for (const name of flags.keys()) if (!known.has(name)) throw new Error(`unknown flag --${name}`);
  const pick = (flag: string, envName: string, fallback?: string) => flags.get(flag) ?? env[envName] ?? fallback;

  const only = new Set(
    list(pick('only', 'BENCH_ONLY', defaults.only)!).map((name) => {
      // init and auth are measured together: auth needs the batch the init made.
      if (name === 'ingest' || name === 'init' || name === 'auth') return 'ingest' as const;
      if (name === 'settle' || name === 'processing') return 'settle' as const;
      if (name === 'iso20022') return 'iso20022' as const;
      if (name === 'webhooks') return 'webhooks' as const;
      if (name === 'reads' || name === 'retrieve') return 'reads' as const;
      throw new Error(`--only: unknown figure "${name}" (ingest, settle, iso20022, webhooks, reads)`);
    }),
  );
  const databases = (flag: string, text: string) =>
    list(text).map((name) => {
      if (name === 'pglite' || name === 'postgres') return name;
      throw new Error(`${flag}: unknown database "${name}" (pglite, postgres)`);
    });
  const dbs = databases('--db', pick('db', 'BENCH_DB', defaults.db)!);
  const loopsText = pick('loops', 'BENCH_LOOPS');
  return {
    only,
    sizes: list(pick('sizes', 'BENCH_SIZES', defaults.sizes)!).map((s) => positiveInt('--sizes', s)),
    dbs,
    settleSize: positiveInt('--settle-size', pick('settle-size', 'BENCH_SETTLE_SIZE', defaults.settleSize)!),
    settleCases: list(pick('settle-cases', 'BENCH_SETTLE_CASES', defaults.settleCases)!).map(parseCase),
    isoSize: positiveInt('--iso-size', pick('iso-size', 'BENCH_ISO_SIZE', defaults.isoSize)!),
    isoCases: list(pick('iso-cases', 'BENCH_ISO_CASES', defaults.isoCases)!).map((text) => {
      const parsed = parseCase(text);
      if (parsed.rabbitmq || parsed.latencyMs > 0 || parsed.merchants > 1) throw new Error(`iso20022 case "${text}": only <db>[:<n>w]`);
      return parsed;
    }),
    webhookCases: list(pick('webhook-cases', 'BENCH_WEBHOOK_CASES', defaults.webhookCases)!).map(parseCase),
    reads: {
      items: positiveInt('--reads-items', pick('reads-items', 'BENCH_READS_ITEMS', defaults.readsItems)!),
      stored: nonNegativeInt('--reads-stored', pick('reads-stored', 'BENCH_READS_STORED', defaults.readsStored)!),
      dbs: databases('--reads-db', pick('reads-db', 'BENCH_READS_DB', defaults.readsDb)!),
      requests: positiveInt('--reads-requests', pick('reads-requests', 'BENCH_READS_REQUESTS', defaults.readsRequests)!),
      clients: positiveInt('--reads-clients', pick('reads-clients', 'BENCH_READS_CLIENTS', defaults.readsClients)!),
      seconds: positiveInt('--reads-seconds', pick('reads-seconds', 'BENCH_READS_SECONDS', defaults.readsSeconds)!),
    },
    runs: positiveInt('--runs', pick('runs', 'BENCH_RUNS', defaults.runs)!),
    timeoutMs: positiveInt('--timeout', pick('timeout', 'BENCH_TIMEOUT_S', defaults.timeout)!) * 1000,
    verify: !switches.has('no-verify') && env.BENCH_VERIFY !== '0',
    json: pick('json', 'BENCH_JSON'),
    postgresUrl: env.BENCH_POSTGRES_URL ?? env.DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/test',
    privatePostgres: serverSettings(pick('pg-private', 'BENCH_PG_PRIVATE')),
    rabbitmqUrl: env.BENCH_QUEUE_URL ?? env.QUEUE_URL ?? 'amqp://guest:guest@127.0.0.1:5672',
    loops: loopsText === undefined ? undefined : positiveInt('--loops', loopsText),
  };
}

/**
 * A settle setup: `pglite` (workers inside serve), `postgres` (same), `postgres:2w` (serve without
 * workers plus 2 `masspayout worker` processes), `…:4m` (4 merchants, one batch each, the settle
 * size split between them, authorised at once), `…:rmq` (QUEUE_URL set), `…:lat50` (50 ms of
 * sandbox-bank latency per call), `postgres:floor` (the same batch settled by the pure-SQL floor,
 * settle-floor.ts, with as many connections as a worker has loops, for engine / floor).
 */
export function parseCase(text: string): SettleCase {
  const [db, ...parts] = text.split(':');
  if (db !== 'pglite' && db !== 'postgres') throw new Error(`settle case "${text}": database must be pglite or postgres`);
  const found: SettleCase = { label: text, db, workerProcesses: 0, rabbitmq: false, latencyMs: 0, merchants: 1, floor: false };
  for (const part of parts) {
    let match: RegExpExecArray | null;
    if ((match = /^(\d+)w$/.exec(part))) found.workerProcesses = Number(match[1]);
    else if ((match = /^(\d+)m$/.exec(part))) found.merchants = Number(match[1]);
    else if (part === 'rmq') found.rabbitmq = true;
    else if (part === 'floor') found.floor = true;
    else if ((match = /^lat(\d+)$/.exec(part))) found.latencyMs = Number(match[1]);
    else throw new Error(`settle case "${text}": unknown part "${part}"`);
  }
  if (db === 'pglite' && (found.workerProcesses > 0 || found.rabbitmq)) {
    throw new Error(`settle case "${text}": the embedded database lives inside serve, so its workers do too (no worker processes, no RabbitMQ)`);
  }
  if (found.floor && (db !== 'postgres' || found.workerProcesses > 0 || found.rabbitmq || found.latencyMs > 0)) {
    throw new Error(`settle case "${text}": the floor runs on PostgreSQL alone (postgres:floor, with :<k>m at most)`);
  }
  if (found.workerProcesses > 8) throw new Error(`settle case "${text}": at most 8 worker processes`);
  if (found.merchants < 1 || found.merchants > 16) throw new Error(`settle case "${text}": 1 to 16 merchants`);
  return found;
}

/** `shared_buffers=2GB,max_wal_size=8GB` (or `defaults`: none) as settings; undefined stays undefined. */
function serverSettings(text: string | undefined): Record<string, string> | undefined {
  if (text === undefined) return undefined;
  if (text.trim() === 'defaults') return {};
  return Object.fromEntries(
    list(text).map((pair) => {
      const match = /^([a-z_]+)=([A-Za-z0-9._-]+)$/.exec(pair);
      if (!match) throw new Error(`--pg-private: "${pair}" is not name=value`);
      return [match[1], match[2]];
    }),
  );
}

function list(text: string): string[] {
  return text.split(',').map((s) => s.trim()).filter((s) => s.length > 0);
}

function nonNegativeInt(flag: string, text: string): number {
  return text.replace(/_/g, '') === '0' ? 0 : positiveInt(flag, text);
}

function positiveInt(flag: string, text: string): number {
  const value = Number(text.replace(/_/g, ''));
  if (!Number.isSafeInteger(value) || value <= 0) throw new Error(`${flag}: "${text}" is not a positive integer`);
  return value;
}

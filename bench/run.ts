import { writeFile } from 'node:fs/promises';
import { cpus } from 'node:os';
import { setTimeout as sleep } from 'node:timers/promises';
import { closeClients } from './client.ts';
import { dropAll } from './databases.ts';
import { ingestRun, type IngestRun } from './ingest.ts';
import { loadAverage } from './load.ts';
import { parseOptions } from './options.ts';
import { killAllNow, stopAll } from './processes.ts';
import { isoRun, type IsoRun } from './iso20022.ts';
import { readsRun, type ReadsRun } from './reads.ts';
import { readsTable } from './reads-report.ts';
import { floorLine, ingestTable, isoTable, settleTable, webhookTable } from './report.ts';
import { settleRun, type SettleRun } from './settle.ts';
import { type PrivatePostgres, startPrivatePostgres } from '../test/support/private-postgres.ts';

/**
 * `npm run bench -- …` (a benchmark, not a test: see options.ts for the flags). Every run starts its
 * own service processes on a database of its own and tears both down, also when the run fails, times
 * out or the benchmark is interrupted. Figures go to stdout as Markdown tables (and to --json).
 */

const options = parseOptions(process.argv.slice(2), process.env);
const ingest: IngestRun[] = [];
const settle: SettleRun[] = [];
const iso: IsoRun[] = [];
const webhookRuns: { without: SettleRun; with: SettleRun }[] = [];
const reads: ReadsRun[] = [];
const failures: string[] = [];

let interrupted = false;
const onSignal = (signal: NodeJS.Signals) => {
  if (interrupted) process.exit(130);
  interrupted = true;
  console.error(`\nbench: ${signal}, stopping the service processes and dropping the run databases …`);
  void cleanUp().finally(() => process.exit(130));
};
process.on('SIGINT', onSignal);
process.on('SIGTERM', onSignal);
process.on('exit', killAllNow);

/** The PostgreSQL server of the bench's own (--pg-private), while it runs. */
let privateServer: PrivatePostgres | undefined;

async function cleanUp(): Promise<void> {
  await stopAll();
  await dropAll();
  closeClients();
  await privateServer?.destroy();
  privateServer = undefined;
}

/** One run under the run's deadline: past it the run is abandoned (its processes and database go in cleanUp). */
async function bounded<T>(label: string, work: () => Promise<T>): Promise<T | undefined> {
  const started = Date.now();
  process.stdout.write(`${label} … `);
  let timer: NodeJS.Timeout | undefined;
  try {
    const result = await Promise.race([
      work(),
      new Promise<never>((_, reject) => {
        timer = setTimeout(() => reject(new Error(`timed out after ${options.timeoutMs / 1000} s`)), options.timeoutMs + 30_000);
      }),
    ]);
    process.stdout.write(`done in ${((Date.now() - started) / 1000).toFixed(1)} s\n`);
    return result;
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    process.stdout.write(`FAILED: ${message.split('\n')[0]}\n`);
    failures.push(`${label}: ${message}`);
    await stopAll();
    await dropAll();
    return undefined;
  } finally {
    clearTimeout(timer);
  }
}

async function main(): Promise<void> {
  console.log(`masspayout bench: ${cpus().length} CPU(s) (${cpus()[0]?.model ?? '?'}), node ${process.version}, load ${loadAverage()}`);
  if (options.privatePostgres) {
    // max_connections: serve's two pools and up to 8 worker processes' (the shared server has 100 too).
    const settings = { max_connections: '100', ...options.privatePostgres };
    privateServer = await startPrivatePostgres({ fsync: true, settings });
    options.postgresUrl = privateServer.url;
    console.log(`PostgreSQL: a server of the bench's own, initdb's defaults and ${Object.entries(settings).map(([name, value]) => `${name}=${value}`).join(', ')}`);
  }
  if (options.only.has('ingest')) {
    for (const db of options.dbs) {
      for (const size of options.sizes) {
        for (let run = 1; run <= options.runs && !interrupted; run++) {
          const result = await bounded(`ingest ${db} ${size.toLocaleString('en-US')} items, run ${run}`, () =>
            ingestRun({ db, size, run, postgresUrl: options.postgresUrl, timeoutMs: options.timeoutMs }),
          );
          if (result) {
            ingest.push(result);
            console.log(
              `  init ${Math.round(result.initItemsPerSecond).toLocaleString('en-US')} items/s (${(result.initMs / 1000).toFixed(2)} s; CPU serve ${result.initCpuSeconds.toFixed(2)} s + pg ${result.initDbCpuSeconds.toFixed(2)} s), ` +
                `auth ${(result.authMs / 1000).toFixed(2)} s (CPU serve ${result.authCpuSeconds.toFixed(2)} s + pg ${result.authDbCpuSeconds.toFixed(2)} s), serve peak RSS ${Math.round(result.peakRssAfterAuthMB)} MB, load ${result.load1}`,
            );
          }
          await settleDown();
        }
      }
    }
  }
  if (options.only.has('settle')) {
    // Round by round, every case once per round: cases compared with each other (the engine and its
    // floor) then share the machine's slow and fast minutes alike.
    for (let run = 1; run <= options.runs && !interrupted; run++) {
      for (const settleCase of options.settleCases) {
        const result = await bounded(`settle ${settleCase.label} ${options.settleSize.toLocaleString('en-US')} items, run ${run}`, () =>
          settleRun({ settleCase, size: options.settleSize, run, postgresUrl: options.postgresUrl, rabbitmqUrl: options.rabbitmqUrl, loops: options.loops, timeoutMs: options.timeoutMs, verify: options.verify }),
        );
        if (result) {
          settle.push(result);
          const cpu = [result.serveCpuSeconds, ...result.workerCpuSeconds].reduce((a, b) => a + b, 0);
          console.log(
            `  ${Math.round(result.itemsPerSecond).toLocaleString('en-US')} items/s (${(result.settleMs / 1000).toFixed(2)} s auth → final; CPU node ${cpu.toFixed(1)} s + pg ${result.databaseCpuSeconds.toFixed(1)} s), ` +
              `${result.wal ? `server WAL ${Math.round(result.wal.walMB).toLocaleString('en-US')} MB, checkpoints ${result.wal.checkpointsRequested} requested + ${result.wal.checkpointsTimed} timed, ` : ''}` +
              `books balanced, audit ${result.auditVerified === true ? 'verified' : 'not verified'}, load ${result.load1}`,
          );
        }
        await settleDown();
      }
    }
  }
  if (options.only.has('iso20022')) {
    for (const isoCase of options.isoCases) {
      for (let run = 1; run <= options.runs && !interrupted; run++) {
        const result = await bounded(`iso20022 ${isoCase.label} ${options.isoSize.toLocaleString('en-US')} IBAN items, run ${run}`, () =>
          isoRun({ isoCase, size: options.isoSize, run, postgresUrl: options.postgresUrl, loops: options.loops, timeoutMs: options.timeoutMs, verify: options.verify }),
        );
        if (result) {
          iso.push(result);
          console.log(
            `  ${Math.round(result.itemsPerSecond).toLocaleString('en-US')} items/s to final (${(result.settleMs / 1000).toFixed(2)} s auth → final), ${result.filesOut} + ${result.filesIn} files (${result.filesPerSecond.toFixed(1)}/s), ` +
              `peak RSS serve ${Math.round(result.servePeakRssMB)} MB, simulator ${Math.round(result.simulatorPeakRssMB)} MB, books balanced, audit ${result.auditVerified === true ? 'verified' : 'not verified'}, load ${result.load1}`,
          );
        }
        await settleDown();
      }
    }
  }

  if (options.only.has('webhooks')) {
    for (const settleCase of options.webhookCases) {
      for (let run = 1; run <= options.runs && !interrupted; run++) {
        const one = (webhooks: boolean) =>
          bounded(`webhooks ${settleCase.label} ${options.settleSize.toLocaleString('en-US')} items ${webhooks ? 'with' : 'without'} an endpoint, run ${run}`, () =>
            settleRun({ settleCase, size: options.settleSize, run, postgresUrl: options.postgresUrl, rabbitmqUrl: options.rabbitmqUrl, loops: options.loops, timeoutMs: options.timeoutMs, verify: options.verify, webhooks }),
          );
        const without = await one(false);
        await settleDown();
        const withHooks = await one(true);
        await settleDown();
        if (without && withHooks?.webhooks) {
          webhookRuns.push({ without, with: withHooks });
          const w = withHooks.webhooks;
          console.log(
            `  ${Math.round(without.itemsPerSecond).toLocaleString('en-US')} items/s without, ${Math.round(withHooks.itemsPerSecond).toLocaleString('en-US')} with (${((withHooks.itemsPerSecond / without.itemsPerSecond) * 100).toFixed(1)} %); ` +
              `${w.deliveries} deliveries (${w.items} items), lag p50 ${w.lagP50Ms} ms, p99 ${w.lagP99Ms} ms, last one ${w.lastArrivalAfterFinalMs} ms after the batch was final, load ${withHooks.load1}`,
          );
        }
      }
    }
  }

  if (options.only.has('reads')) {
    const r = options.reads;
    for (const db of r.dbs) {
      for (let run = 1; run <= options.runs && !interrupted; run++) {
        const stored = r.stored > r.items ? `, ${r.stored.toLocaleString('en-US')} stored` : '';
        const result = await bounded(`reads ${db} ${r.items.toLocaleString('en-US')} items${stored}, run ${run}`, () =>
          readsRun({ db, run, batchItems: r.items, storedItems: r.stored, requests: r.requests, clients: r.clients, seconds: r.seconds, postgresUrl: options.postgresUrl, timeoutMs: options.timeoutMs }),
        );
        if (result) {
          reads.push(result);
          const seq = Object.entries(result.sequential).map(([name, l]) => `${name} ${l.p50Ms.toFixed(2)} / ${l.p99Ms.toFixed(2)} ms`).join(', ');
          console.log(
            `  seeded in ${result.seedSeconds.toFixed(0)} s; sequential p50 / p99: ${seq}; ${result.load.clients} clients: ${Math.round(result.load.perSecond).toLocaleString('en-US')} req/s, ` +
              `p50 ${result.load.p50Ms.toFixed(1)} ms, p99 ${result.load.p99Ms.toFixed(1)} ms (CPU serve ${result.loadCpuServeSeconds.toFixed(1)} s + pg ${result.loadCpuDbSeconds.toFixed(1)} s), load ${result.load1}`,
          );
          if (result.floor) {
            const f = result.floor;
            console.log(
              `  floor: retrieve ${f.retrieve.p50Ms.toFixed(2)} / ${f.retrieve.p99Ms.toFixed(2)} ms; ${f.load.clients} clients: ${Math.round(f.load.perSecond).toLocaleString('en-US')} req/s ` +
                `(CPU floor ${f.cpuFloorSeconds.toFixed(1)} s + pg ${f.cpuDbSeconds.toFixed(1)} s); engine / floor ${(result.load.perSecond / f.load.perSecond).toFixed(2)}`,
            );
          }
        }
        await settleDown();
      }
    }
  }

  if (ingest.length > 0) console.log(`\n### init and auth of one batch (medians; each run in parentheses)\n\n${ingestTable(ingest)}`);
  if (settle.length > 0) console.log(`\n### auth → every item final (medians; each run in parentheses)\n\n${settleTable(settle)}${floorLine(settle)}`);
  if (iso.length > 0) console.log(`\n### ISO 20022 files through the bank simulator: auth → every item final (medians; each run in parentheses)\n\n${isoTable(iso)}`);
  if (webhookRuns.length > 0) console.log(`\n### settle with a webhook endpoint subscribed to every event, against without (medians; each run in parentheses)\n\n${webhookTable(webhookRuns)}`);
  if (reads.length > 0) console.log(`\n### signed reads of one large batch (medians; each run in parentheses)\n\n${readsTable(reads)}`);
  if (failures.length > 0) console.log(`\n### failed runs\n\n${failures.map((f) => `- ${f}`).join('\n')}`);
  if (options.json) await writeFile(options.json, JSON.stringify({ at: new Date().toISOString(), options: { ...options, only: [...options.only] }, ingest, settle, iso, webhooks: webhookRuns, reads, failures }, null, 2));
}

/** A short pause between runs, so that one run's teardown (checkpoints, freed memory) does not land in the next. */
function settleDown(): Promise<void> {
  return sleep(1_000);
}

try {
  await main();
} finally {
  await cleanUp();
}
process.exitCode = failures.length > 0 ? 1 : 0;

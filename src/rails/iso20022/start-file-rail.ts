import { setTimeout as sleep } from 'node:timers/promises';
import type { Actor } from '../../audit/append.ts';
import type { Db } from '../../db/port.ts';
import { limits } from '../../limits.ts';
import type { ReportedFinal } from './apply-report.ts';
import { applyDueReturns } from './apply-returns.ts';
import type { Iso20022Config } from './iso20022-config.ts';
import { readInbox } from './read-inbox.ts';
import { recordDueFiles } from './record-files.ts';
import { openFolders } from './open-folders.ts';
import { writeRecordedFiles } from './write-files.ts';

export interface FileRailLoop {
  stop(): Promise<void>;
}

export interface FileRailHooks {
  /** Crash tests: between a file's record and its write; between reading a report and applying it. */
  afterFileRecorded?: () => void;
  beforeReportApplied?: () => void;
}

/**
 * The file rail's side of a worker process, beside its worker loops, as two loops each run every
 * `inboxPollMs`: one cuts due files and writes the recorded ones into the outbox; the other reads
 * the inbox, has the items its reports made final settled behind it (`settleReported`, given by the
 * engine, which owns settlement) and posts the returns whose items are settled. An item whose settlement here
 * fails (or a process that died before it) is settled by its next status check instead. Each step
 * is safe to run in several processes at once (see each one), and a step that fails is logged and
 * tried again in the next round.
 */
export function startFileRail(
  db: Db,
  config: Iso20022Config,
  options: { actor: Actor; log: (line: string) => void; settleReported?: (finals: ReportedFinal[]) => Promise<unknown>; hooks?: FileRailHooks },
): FileRailLoop {
  const { log } = options;
  const stopping = new AbortController();
  const step = async (name: string, run: () => Promise<unknown>) => {
    try {
      await run();
    } catch (error) {
      log(`bank rail: ${name} failed (tried again next round): ${error instanceof Error ? error.message : String(error)}`);
    }
  };
  // Sending and receiving are two loops: a report's settlement (thousands of items) then does not
  // hold back the next file's cut, and the bank sees files at the pace they fall due.
  const every = async (round: () => Promise<void>) => {
    while (!stopping.signal.aborted) {
      await round();
      await sleep(config.inboxPollMs, undefined, { signal: stopping.signal }).catch(() => undefined);
    }
  };
  // A report's items are settled behind the inbox's reading, not in its turn: settling 10,000 items
  // takes longer than reading the next report, and the two keep the process and the database busy
  // side by side. The settlements run one report after another; the reading waits while more than
  // limits.bankSettleBacklogItemsMax items are still to settle, so what is held stays bounded.
  let settling: Promise<void> = Promise.resolve();
  let backlog = 0;
  const settleBehind = (finals: ReportedFinal[], settle: (finals: ReportedFinal[]) => Promise<unknown>) => {
    backlog += finals.length;
    settling = settling.then(() => step('settling reported items', () => settle(finals)).finally(() => (backlog -= finals.length)));
  };
  const running = (async () => {
    const folders = await openFolders(config.transport);
    try {
      await Promise.all([
        every(async () => {
          await step('cutting files', () => recordDueFiles(db, { intervalMs: config.fileIntervalMs, txsMax: config.fileTxsMax, painVersion: config.painVersion }));
          await step('writing files', () => writeRecordedFiles(db, folders, config.outboxDir, config.debtor, options.hooks?.afterFileRecorded));
        }),
        every(async () => {
          let finals: ReportedFinal[] = [];
          await step('reading the inbox', async () => (finals = (await readInbox(db, folders, config.inboxDir, log, options.hooks?.beforeReportApplied)).finals));
          if (finals.length > 0 && options.settleReported) settleBehind(finals, options.settleReported);
          if (backlog > limits.bankSettleBacklogItemsMax) await settling;
          await step('posting returns', () => applyDueReturns(db, options.actor));
        }),
      ]);
    } finally {
      await settling;
      await folders.close();
    }
  })();
  return {
    async stop() {
      stopping.abort();
      await running;
    },
  };
}

import { randomBytes } from 'node:crypto';
import { appendFile, mkdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { limits } from '../limits.ts';
import type { Currency } from '../money.ts';
import { buildCamt054 } from '../rails/iso20022/camt054.ts';
import { localFolders } from '../rails/iso20022/local-folders.ts';
import { buildPain002, type TransactionStatus } from '../rails/iso20022/pain002.ts';
import { readPain001, type ReadPain001 } from '../rails/iso20022/read-pain001.ts';
import type { FileFolders } from '../rails/iso20022/transport.ts';
import { XmlFormatError } from '../rails/iso20022/xml.ts';
import { fateOf, fileRejection } from './answers.ts';

export interface SimulatorOptions {
  /** Where the engine drops its pain.001 files (the bank's incoming folder). */
  outboxDir: string;
  /** Where the bank answers (the engine's inbox). */
  inboxDir: string;
  /** The simulator's memory of the files it has read: `<outbox>/.bank-simulator` by default. */
  stateDir?: string;
  pollMs?: number;
  pendingMs?: number;
  returnAfterMs?: number;
  /** The account the bookings are on (camt.054 Acct). */
  accountIban?: string;
  log?: (line: string) => void;
}

interface Later {
  at: number;
  run: () => Promise<void>;
}

type Tx = ReadPain001['blocks'][number]['transfers'][number] & { pmtInfId: string };

/**
 * A bank that speaks the files, for demos, tests and benchmarks: a separate process that reads each
 * new pain.001 in the outbox once, checks it as a bank would (counts, sums, IBAN check digits, a
 * message id seen before: each a file-level RJCT), and answers in the inbox with a pain.002 and a
 * camt.054 — deterministically, by each creditor IBAN's last two digits (answers.ts). Later answers
 * (a pending payment settled, a return) are kept in memory: a simulator stopped before it sent them
 * never sends them. It never moves or changes the engine's files; the names it has read are in its
 * state folder, so a restart does not read them again.
 */
export async function runBankSimulator(options: SimulatorOptions, signal: AbortSignal): Promise<void> {
  const log = options.log ?? ((line: string) => console.log(line));
  const folders = localFolders();
  const stateDir = options.stateDir ?? path.join(options.outboxDir, '.bank-simulator');
  await mkdir(stateDir, { recursive: true });
  const seenFile = path.join(stateDir, 'seen.jsonl');
  const seenNames = new Set<string>();
  const seenMsgIds = new Set<string>();
  const previous = await readFile(seenFile, 'utf8').catch(() => '');
  for (const line of previous.split('\n').filter(Boolean)) {
    const { name, msgId } = JSON.parse(line) as { name: string; msgId?: string };
    seenNames.add(name);
    if (msgId) seenMsgIds.add(msgId);
  }
  const later: Later[] = [];
  const bank = simulatedBank(folders, options, log);

  while (!signal.aborted) {
    for (const { name } of await folders.list(options.outboxDir)) {
      if (seenNames.has(name) || !/^pain\.001\..+\.xml$/.test(name)) continue;
      const xml = (await folders.read(options.outboxDir, name)).toString('utf8');
      const msgId = await bank.receive(name, xml, seenMsgIds, (l) => later.push(l));
      await appendFile(seenFile, JSON.stringify({ name, msgId }) + '\n');
      seenNames.add(name);
      if (msgId) seenMsgIds.add(msgId);
    }
    const now = Date.now();
    for (const due of later.filter((l) => l.at <= now)) {
      later.splice(later.indexOf(due), 1);
      await due.run();
    }
    await sleep(options.pollMs ?? 200, undefined, { signal }).catch(() => undefined);
  }
}

function simulatedBank(folders: FileFolders, options: SimulatorOptions, log: (line: string) => void) {
  const pendingMs = options.pendingMs ?? limits.bankSimulatorPendingMs;
  const returnAfterMs = options.returnAfterMs ?? limits.bankSimulatorReturnAfterMs;
  const account = options.accountIban ?? 'TR330006100519786457841326';
  let counter = 0;
  const newId = () => `BNK${Date.now().toString(36).toUpperCase()}${(counter++).toString(36).toUpperCase()}${randomBytes(3).toString('hex').toUpperCase()}`;
  const today = () => new Date().toISOString().slice(0, 10);

  const statusReport = async (file: ReadPain001, groupStatus: 'ACCP' | 'PART' | 'RJCT' | 'ACSC', transactions: (TransactionStatus & { pmtInfId: string })[], groupReason?: string) => {
    const msgId = newId();
    const xml = buildPain002({
      version: 'pain.002.001.10',
      msgId,
      createdAt: new Date(),
      originalMsgId: file.msgId,
      originalMsgName: file.version,
      originalTxCount: file.blocks.reduce((n, b) => n + b.transfers.length, 0),
      groupStatus,
      groupReason,
      transactions,
    });
    await folders.writeNew(options.inboxDir, `pain.002.${msgId}.xml`, xml);
  };

  const bookings = async (direction: 'DBIT' | 'CRDT', transactions: readonly (Tx & { returnReason?: string })[]) => {
    if (transactions.length === 0) return;
    const msgId = newId();
    const byCurrency = new Map<Currency, (Tx & { returnReason?: string })[]>();
    for (const t of transactions) byCurrency.set(t.currency, [...(byCurrency.get(t.currency) ?? []), t]);
    // Debits as one batch booking per currency; each return as an entry of its own.
    const entries = direction === 'DBIT' ? [...byCurrency.values()].map((txs) => ({ direction, bookingDate: today(), transactions: txs })) : transactions.map((t) => ({ direction, bookingDate: today(), transactions: [t] }));
    const xml = buildCamt054({ version: 'camt.054.001.08', msgId, createdAt: new Date(), accountIban: account, entries });
    await folders.writeNew(options.inboxDir, `camt.054.${msgId}.xml`, xml);
  };

  return {
    /** Reads one pain.001 and answers it; returns its message id (undefined when unreadable). */
    async receive(name: string, xml: string, seenMsgIds: ReadonlySet<string>, schedule: (later: Later) => void): Promise<string | undefined> {
      let file: ReadPain001;
      try {
        file = readPain001(xml);
      } catch (error) {
        if (!(error instanceof XmlFormatError)) throw error;
        log(`bank simulator: ${name} is unreadable (${error.message}); ignored`);
        return undefined;
      }
      const refused = fileRejection(file, seenMsgIds);
      if (refused) {
        log(`bank simulator: ${name} rejected whole: ${refused.reason} (${refused.detail})`);
        await statusReport(file, 'RJCT', [], refused.reason);
        return file.msgId;
      }
      const all: Tx[] = file.blocks.flatMap((b) => b.transfers.map((t) => ({ ...t, pmtInfId: b.pmtInfId })));
      const fates = all.map((t) => ({ t, fate: fateOf(t.creditorIban) }));
      const first = fates.map(({ t, fate }) => ({ endToEndId: t.endToEndId, pmtInfId: t.pmtInfId, status: fate.status, reason: fate.status === 'RJCT' ? fate.reason : undefined }));
      await statusReport(file, fates.some(({ fate }) => fate.status === 'RJCT') ? 'PART' : 'ACCP', first);
      const paidNow = fates.filter(({ fate }) => fate.status === 'ACSC').map(({ t }) => t);
      await bookings('DBIT', paidNow);
      const pending = fates.filter(({ fate }) => fate.status === 'PDNG').map(({ t }) => t);
      if (pending.length > 0) {
        schedule({
          at: Date.now() + pendingMs,
          run: async () => {
            await statusReport(file, 'ACSC', pending.map((t) => ({ endToEndId: t.endToEndId, pmtInfId: t.pmtInfId, status: 'ACSC' })));
            await bookings('DBIT', pending);
          },
        });
      }
      const returned = fates.flatMap(({ t, fate }) => (fate.status === 'ACSC' && fate.returnReason ? [{ ...t, returnReason: fate.returnReason }] : []));
      if (returned.length > 0) schedule({ at: Date.now() + returnAfterMs, run: () => bookings('CRDT', returned) });
      log(`bank simulator: ${name}: ${all.length} transaction(s), ${paidNow.length} paid, ${all.length - paidNow.length - pending.length} rejected, ${pending.length} pending, ${returned.length} to be returned`);
      return file.msgId;
    },
  };
}

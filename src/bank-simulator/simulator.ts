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
import { LaterAnswers, type AnsweredFile, type LaterAnswer, type LaterTransaction } from './later-answers.ts';

export interface SimulatorOptions {
  /** Where the engine drops its pain.001 files (the bank's incoming folder). */
  outboxDir: string;
  /** Where the bank answers (the engine's inbox). */
  inboxDir: string;
  /** The simulator's memory (the files it has read, the answers it owes): `<outbox>/.bank-simulator` by default. */
  stateDir?: string;
  /** How often the outbox is listed and due answers are sent, in ms. */
  pollMs?: number;
  pendingMs?: number;
  returnAfterMs?: number;
  /** The account the bookings are on (camt.054 Acct). */
  accountIban?: string;
  log?: (line: string) => void;
}

type Tx = ReadPain001['blocks'][number]['transfers'][number] & { pmtInfId: string };

/**
 * A bank that speaks the files, for demos, tests and benchmarks: a separate process that reads each
 * new pain.001 in the outbox once, checks it as a bank would (counts, sums, IBAN check digits, a
 * message id seen before: each a file-level RJCT), and answers in the inbox with a pain.002 and a
 * camt.054 — deterministically, by each creditor IBAN's last two digits (answers.ts). It never moves
 * or changes the engine's files. Its state folder keeps the names it has read (`seen.jsonl`, so a
 * restart does not read them again) and the answers it owes for later (`later.json`: a pending
 * payment settled, a return), so a restart still sends those when they are due.
 *
 * Order of its writes, so that a crash never loses an answer: a file's immediate answers, then the
 * answers it owes for later, then its name as read. A crash in between makes a restart answer that
 * file again (under new message ids: the engine finds nothing new in them, or notes a second return
 * as an exception); a due answer is sent before it is struck off, so it may be sent twice, never
 * not at all.
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
  const later = await LaterAnswers.open(stateDir);
  if (later.size > 0) log(`bank simulator: ${later.size} answer(s) owed from before a restart`);
  const bank = simulatedBank(folders, options, log);

  while (!signal.aborted) {
    for (const { name } of await folders.list(options.outboxDir)) {
      if (seenNames.has(name) || !/^pain\.001\..+\.xml$/.test(name)) continue;
      const xml = (await folders.read(options.outboxDir, name)).toString('utf8');
      const received = await bank.receive(name, xml, seenMsgIds);
      await later.add(received.later);
      await appendFile(seenFile, JSON.stringify({ name, msgId: received.msgId }) + '\n');
      seenNames.add(name);
      if (received.msgId) seenMsgIds.add(received.msgId);
    }
    for (const due of later.due(Date.now())) {
      await bank.answerLater(due);
      await later.done(due);
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

  const statusReport = async (file: AnsweredFile, groupStatus: 'ACCP' | 'PART' | 'RJCT' | 'ACSC', transactions: (TransactionStatus & { pmtInfId: string })[], groupReason?: string) => {
    const msgId = newId();
    const xml = buildPain002({
      version: 'pain.002.001.10',
      msgId,
      createdAt: new Date(),
      originalMsgId: file.msgId,
      originalMsgName: file.version,
      originalTxCount: file.txCount,
      groupStatus,
      groupReason,
      transactions,
    });
    await folders.writeNew(options.inboxDir, `pain.002.${msgId}.xml`, xml);
  };

  const bookings = async (direction: 'DBIT' | 'CRDT', transactions: readonly LaterTransaction[]) => {
    if (transactions.length === 0) return;
    const msgId = newId();
    const byCurrency = new Map<Currency, LaterTransaction[]>();
    for (const t of transactions) {
      const same = byCurrency.get(t.currency);
      if (same) same.push(t);
      else byCurrency.set(t.currency, [t]);
    }
    // Debits as one batch booking per currency; each return as an entry of its own.
    const entries = direction === 'DBIT' ? [...byCurrency.values()].map((txs) => ({ direction, bookingDate: today(), transactions: txs })) : transactions.map((t) => ({ direction, bookingDate: today(), transactions: [t] }));
    const xml = buildCamt054({ version: 'camt.054.001.08', msgId, createdAt: new Date(), accountIban: account, entries });
    await folders.writeNew(options.inboxDir, `camt.054.${msgId}.xml`, xml);
  };

  const owed = (t: Tx, returnReason?: string): LaterTransaction => ({ endToEndId: t.endToEndId, pmtInfId: t.pmtInfId, amount: t.amount, currency: t.currency, returnReason });

  return {
    /** Reads one pain.001 and answers it: its message id (undefined when unreadable) and the answers it owes for later. */
    async receive(name: string, xml: string, seenMsgIds: ReadonlySet<string>): Promise<{ msgId?: string; later: LaterAnswer[] }> {
      let read: ReadPain001;
      try {
        read = readPain001(xml);
      } catch (error) {
        if (!(error instanceof XmlFormatError)) throw error;
        log(`bank simulator: ${name} is unreadable (${error.message}); ignored`);
        return { later: [] };
      }
      const all: Tx[] = read.blocks.flatMap((b) => b.transfers.map((t) => ({ ...t, pmtInfId: b.pmtInfId })));
      const file: AnsweredFile = { msgId: read.msgId, version: read.version, txCount: all.length };
      const refused = fileRejection(read, seenMsgIds);
      if (refused) {
        log(`bank simulator: ${name} rejected whole: ${refused.reason} (${refused.detail})`);
        await statusReport(file, 'RJCT', [], refused.reason);
        return { msgId: read.msgId, later: [] };
      }
      const fates = all.map((t) => ({ t, fate: fateOf(t.creditorIban) }));
      const first = fates.map(({ t, fate }) => ({ endToEndId: t.endToEndId, pmtInfId: t.pmtInfId, status: fate.status, reason: fate.status === 'RJCT' ? fate.reason : undefined }));
      await statusReport(file, fates.some(({ fate }) => fate.status === 'RJCT') ? 'PART' : 'ACCP', first);
      const paidNow = fates.filter(({ fate }) => fate.status === 'ACSC').map(({ t }) => owed(t));
      await bookings('DBIT', paidNow);
      const later: LaterAnswer[] = [];
      const pending = fates.filter(({ fate }) => fate.status === 'PDNG').map(({ t }) => owed(t));
      if (pending.length > 0) later.push({ at: Date.now() + pendingMs, kind: 'settle', file, transactions: pending });
      const returned = fates.flatMap(({ t, fate }) => (fate.status === 'ACSC' && fate.returnReason ? [owed(t, fate.returnReason)] : []));
      if (returned.length > 0) later.push({ at: Date.now() + returnAfterMs, kind: 'return', file, transactions: returned });
      log(`bank simulator: ${name}: ${all.length} transaction(s), ${paidNow.length} paid, ${all.length - paidNow.length - pending.length} rejected, ${pending.length} pending, ${returned.length} to be returned`);
      return { msgId: read.msgId, later };
    },

    /** Sends an answer owed: the pending payments settled (ACSC and booked), or paid ones returned. */
    async answerLater(answer: LaterAnswer): Promise<void> {
      if (answer.kind === 'settle') {
        await statusReport(answer.file, 'ACSC', answer.transactions.map((t) => ({ endToEndId: t.endToEndId, pmtInfId: t.pmtInfId, status: 'ACSC' })));
        await bookings('DBIT', answer.transactions);
      } else {
        await bookings('CRDT', answer.transactions);
      }
      log(`bank simulator: ${answer.file.msgId}: ${answer.transactions.length} transaction(s) ${answer.kind === 'settle' ? 'settled after pending' : 'returned'}`);
    },
  };
}

import { mkdir, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { fileRejection } from '../src/bank-simulator/answers.ts';
import { runBankSimulator } from '../src/bank-simulator/simulator.ts';
import { iso20022ConfigFromEnv } from '../src/rails/iso20022/iso20022-config.ts';
import { buildPain001 } from '../src/rails/iso20022/pain001.ts';
import { readPain001 } from '../src/rails/iso20022/read-pain001.ts';
import { readIncomingMessage } from '../src/rails/iso20022/read-message.ts';
import { waitFor } from './support/wait.ts';
import { trIban } from './support/items.ts';

/**
 * The bank simulator on its own (no engine): the answers it owes for later — a pending payment's
 * ACSC, a return — survive a restart, because they are kept in its state folder, not in memory.
 */
let dir: string;
afterAll(async () => {
  if (dir) await rm(dir, { recursive: true, force: true });
});

const e2e = (n: number) => n.toString(16).padStart(32, '0');

describe('the bank simulator', () => {
  it('sends the answers it owed after a restart: the pending payment settled, the paid one returned', async () => {
    dir = await mkdtemp(path.join(tmpdir(), 'masspayout-simulator-'));
    const outboxDir = path.join(dir, 'outbox');
    const inboxDir = path.join(dir, 'inbox');
    const stateDir = path.join(dir, 'state');
    const logs: string[] = [];
    const options = { outboxDir, inboxDir, stateDir, pollMs: 20, pendingMs: 1_500, returnAfterMs: 1_500, log: (line: string) => logs.push(line) };
    const transfers = [98, 97, 11].map((n) => ({ endToEndId: e2e(n), amount: BigInt(n * 100), currency: 'TRY' as const, creditorName: `R ${n}`, creditorIban: trIban(n), remittance: null, executionDate: '2026-12-01' }));
    expect(transfers.map((t) => t.creditorIban.slice(-2))).toEqual(['98', '97', '11']);
    const xml = buildPain001({ version: 'pain.001.001.09', msgId: 'MPRESTART1', createdAt: new Date(), debtor: { name: 'Payer', iban: 'TR330006100519786457841326' }, transfers });
    const inbox = async () => (await readdir(inboxDir).catch(() => [] as string[])).filter((n) => !n.startsWith('.')).sort();
    const messages = async () => Promise.all((await inbox()).map(async (name) => readIncomingMessage(await readFile(path.join(inboxDir, name), 'utf8'))));

    const first = new AbortController();
    const running = runBankSimulator(options, first.signal);
    await mkdir(outboxDir, { recursive: true });
    await writeFile(path.join(outboxDir, 'pain.001.MPRESTART1.xml'), xml);
    // The immediate answers: the status report (98 pending) and the booking of the paid ones.
    await waitFor(async () => ((await inbox()).length === 2 ? true : undefined), 10_000, () => JSON.stringify(logs));
    first.abort();
    await running;
    const owed = JSON.parse(await readFile(path.join(stateDir, 'later.json'), 'utf8'));
    expect(owed.map((a: any) => [a.kind, a.transactions.map((t: any) => t.endToEndId)])).toEqual([['settle', [e2e(98)]], ['return', [e2e(97)]]]);
    // Stopped before they were due: nothing of them was sent.
    expect(Math.min(...owed.map((a: any) => a.at))).toBeGreaterThan(Date.now());
    expect(await inbox()).toHaveLength(2);

    const second = new AbortController();
    const restarted = runBankSimulator(options, second.signal);
    try {
      await waitFor(async () => ((await inbox()).length === 5 ? true : undefined), 15_000, () => JSON.stringify(logs));
      await waitFor(async () => (JSON.parse(await readFile(path.join(stateDir, 'later.json'), 'utf8')).length === 0 ? true : undefined), 5_000, () => JSON.stringify(logs));
    } finally {
      second.abort();
      await restarted;
    }
    const all = await messages();
    const reports = all.filter((m) => m.kind === 'pain.002');
    // The file itself was not answered again after the restart: one ACCP report, one ACSC report.
    expect(reports.map((r) => [r.groupStatus, r.transactions.map((t) => [t.endToEndId, t.status])])).toEqual(
      expect.arrayContaining([
        ['ACCP', [[e2e(98), 'PDNG'], [e2e(97), 'ACSC'], [e2e(11), 'ACSC']]],
        ['ACSC', [[e2e(98), 'ACSC']]],
      ]),
    );
    expect(reports).toHaveLength(2);
    const booked = all.flatMap((m) => (m.kind === 'camt.054' ? m.transactions.map((t) => [t.endToEndId, t.direction, t.returnReason ?? null]) : []));
    expect(booked.sort()).toEqual(
      [
        [e2e(97), 'DBIT', null],
        [e2e(11), 'DBIT', null],
        [e2e(98), 'DBIT', null],
        [e2e(97), 'CRDT', 'AC06'],
      ].sort(),
    );
    expect(logs.some((l) => /2 answer\(s\) owed from before a restart/.test(l))).toBe(true);
  }, 60_000);
});

describe('what the simulated bank refuses whole, as a bank checks a file before its payments', () => {
  const transfer = (n: number) => ({ endToEndId: e2e(n), amount: BigInt(n * 100 + 1), currency: 'TRY' as const, creditorName: `R ${n}`, creditorIban: trIban(n), remittance: null, executionDate: '2026-12-01' });
  const xml = buildPain001({ version: 'pain.001.001.09', msgId: 'MPCHECK1', createdAt: new Date('2026-12-01T10:00:00Z'), debtor: { name: 'Payer', iban: 'TR330006100519786457841326' }, transfers: [transfer(1), transfer(2)] });
  const refused = (text: string, seen: string[] = []) => fileRejection(readPain001(text), new Set(seen))?.reason;

  it('accepts a sound file, and refuses a message id seen before (DU01), a wrong count (AM18) or sum (AM10), a bad IBAN (AC01), an EndToEndId twice (AM05)', () => {
    expect(refused(xml)).toBeUndefined();
    expect(refused(xml, ['MPCHECK1'])).toBe('DU01');
    expect(refused(xml.replace('<NbOfTxs>2</NbOfTxs>', '<NbOfTxs>3</NbOfTxs>'))).toBe('AM18');
    expect(refused(xml.replace('<CtrlSum>3.02</CtrlSum>', '<CtrlSum>3.03</CtrlSum>'))).toBe('AM10');
    expect(refused(xml.replace(trIban(2), `${trIban(2).slice(0, -1)}${(Number(trIban(2).slice(-1)) + 1) % 10}`))).toBe('AC01');
    expect(refused(xml.replaceAll(e2e(2), e2e(1)))).toBe('AM05');
  });
});

describe('MASSPAYOUT_ISO20022_PAIN_VERSION', () => {
  const env = { MASSPAYOUT_BANK_RAIL: 'iso20022', MASSPAYOUT_ISO20022_OUTBOX_DIR: '/o', MASSPAYOUT_ISO20022_INBOX_DIR: '/i', MASSPAYOUT_ISO20022_DEBTOR_IBAN: 'TR330006100519786457841326', MASSPAYOUT_ISO20022_DEBTOR_NAME: 'Payer' };
  it('is pain.001.001.09 by default, .001.001.03 by setting, and nothing else', () => {
    expect(iso20022ConfigFromEnv(env)?.painVersion).toBe('pain.001.001.09');
    expect(iso20022ConfigFromEnv({ ...env, MASSPAYOUT_ISO20022_PAIN_VERSION: 'pain.001.001.03' })?.painVersion).toBe('pain.001.001.03');
    expect(() => iso20022ConfigFromEnv({ ...env, MASSPAYOUT_ISO20022_PAIN_VERSION: 'pain.001.001.05' })).toThrow(/must be one of/);
  });
});

import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { Actor } from '../../src/audit/append.ts';
import type { Iso20022Config } from '../../src/rails/iso20022/iso20022-config.ts';
import { readPain001 } from '../../src/rails/iso20022/read-pain001.ts';
import { createRails } from '../../src/rails/index.ts';
import { startFileRail, type FileRailLoop } from '../../src/rails/iso20022/start-file-rail.ts';
import { settleReported } from '../../src/workers/settle-reported.ts';
import { startTestWorkers, testSandbox, type TestWorkers } from './processing.ts';
import type { TestService } from './service.ts';

/** The file rail's folders in a temp dir, and a configuration that cuts and reads quickly. */
export async function bankFolders(overrides: Partial<Iso20022Config> = {}): Promise<{ config: Iso20022Config; dir: string; remove(): Promise<void> }> {
  const dir = await mkdtemp(path.join(tmpdir(), 'masspayout-bank-'));
  const config: Iso20022Config = {
    outboxDir: path.join(dir, 'outbox'),
    inboxDir: path.join(dir, 'inbox'),
    fileIntervalMs: 200,
    fileTxsMax: 10_000,
    inboxPollMs: 100,
    painVersion: 'pain.001.001.09',
    debtor: { iban: 'TR330006100519786457841326', name: 'Masspayout Test Payer A.Ş.', bic: 'TGBATRISXXX' },
    transport: { kind: 'local' },
    ...overrides,
  };
  return { config, dir, remove: () => rm(dir, { recursive: true, force: true }) };
}

/** Every pain.001 in the outbox: name, XML, and its EndToEndIds. */
export async function outboxFiles(outboxDir: string): Promise<{ name: string; xml: string; msgId: string; endToEndIds: string[] }[]> {
  const names = (await readdir(outboxDir).catch(() => [] as string[])).filter((n) => /^pain\.001\..+\.xml$/.test(n)).sort();
  return Promise.all(
    names.map(async (name) => {
      const xml = await readFile(path.join(outboxDir, name), 'utf8');
      const file = readPain001(xml);
      return { name, xml, msgId: file.msgId, endToEndIds: file.blocks.flatMap((b) => b.transfers.map((t) => t.endToEndId)) };
    }),
  );
}

/**
 * The engine on the file rail, in this process: workers whose rails send IBAN payouts to `config`'s
 * folders, and the file rail's rounds, settling reported items as a worker does. Stop both.
 */
export function startFileRailEngine(service: TestService, config: Iso20022Config, actor: Actor, log: (line: string) => void): { workers: TestWorkers; files: FileRailLoop } {
  const rails = createRails(service.db, testSandbox, config);
  const workers = startTestWorkers(service, { rails });
  const files = startFileRail(service.db, config, { actor, log, settleReported: (ids) => settleReported(service.db, rails.bank, ids, { actor, log }) });
  return { workers, files };
}

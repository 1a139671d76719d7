import { randomBytes } from 'node:crypto';
import { constants } from 'node:fs';
import { open, readFile, rename, unlink } from 'node:fs/promises';
import path from 'node:path';
import { isCurrency, type Currency } from '../money.ts';

/** The pain.001 an answer is about: what a pain.002 names of it. */
export interface AnsweredFile {
  msgId: string;
  version: string;
  txCount: number;
}

export interface LaterTransaction {
  endToEndId: string;
  pmtInfId: string;
  amount: bigint;
  currency: Currency;
  returnReason?: string;
}

/** An answer the simulated bank owes for later: a pending payment settled, or paid ones returned. */
export interface LaterAnswer {
  /** Epoch ms it is due at. */
  at: number;
  kind: 'settle' | 'return';
  file: AnsweredFile;
  transactions: LaterTransaction[];
}

const stateName = 'later.json';

/**
 * The answers the simulator owes, kept in `<state dir>/later.json` so that a restart still sends
 * them. The file is replaced whole on every change (temporary name, fsync, rename), so a crash
 * leaves the old list or the new one, never half of one. Amounts are decimal strings of minor units
 * (JSON has no bigint).
 */
export class LaterAnswers {
  private constructor(
    private readonly file: string,
    private answers: LaterAnswer[],
  ) {}

  static async open(stateDir: string): Promise<LaterAnswers> {
    const file = path.join(stateDir, stateName);
    const text = await readFile(file, 'utf8').catch((error) => {
      if ((error as { code?: unknown }).code === 'ENOENT') return '[]';
      throw error;
    });
    return new LaterAnswers(file, (JSON.parse(text) as unknown[]).map(fromJson));
  }

  get size(): number {
    return this.answers.length;
  }

  /** Adds answers and makes the list durable before returning. */
  async add(answers: readonly LaterAnswer[]): Promise<void> {
    if (answers.length === 0) return;
    this.answers = [...this.answers, ...answers];
    await this.save();
  }

  /** The answers due at `now`, oldest first; each stays in the list until `done` is called with it. */
  due(now: number): LaterAnswer[] {
    return this.answers.filter((a) => a.at <= now).sort((a, b) => a.at - b.at);
  }

  async done(answer: LaterAnswer): Promise<void> {
    this.answers = this.answers.filter((a) => a !== answer);
    await this.save();
  }

  private async save(): Promise<void> {
    const temporary = `${this.file}.${randomBytes(4).toString('hex')}.part`;
    const handle = await open(temporary, 'wx');
    try {
      await handle.writeFile(JSON.stringify(this.answers.map(toJson)), 'utf8');
      await handle.sync();
    } finally {
      await handle.close();
    }
    try {
      await rename(temporary, this.file);
    } catch (error) {
      await unlink(temporary).catch(() => undefined);
      throw error;
    }
    // The rename itself is durable once the directory is synced.
    const dir = await open(path.dirname(this.file), constants.O_RDONLY);
    try {
      await dir.sync();
    } finally {
      await dir.close();
    }
  }
}

function toJson(answer: LaterAnswer): unknown {
  return { ...answer, transactions: answer.transactions.map((t) => ({ ...t, amount: t.amount.toString() })) };
}

function fromJson(raw: unknown): LaterAnswer {
  const answer = raw as Omit<LaterAnswer, 'transactions'> & { transactions: (Omit<LaterTransaction, 'amount'> & { amount: string })[] };
  if (typeof answer.at !== 'number' || (answer.kind !== 'settle' && answer.kind !== 'return') || !Array.isArray(answer.transactions)) {
    throw new Error(`${stateName}: not an answer: ${JSON.stringify(raw).slice(0, 200)}`);
  }
  return {
    at: answer.at,
    kind: answer.kind,
    file: answer.file,
    transactions: answer.transactions.map((t) => {
      if (!/^\d+$/.test(t.amount) || !isCurrency(t.currency)) throw new Error(`${stateName}: transaction ${t.endToEndId} has amount "${t.amount}" ${t.currency}`);
      return { ...t, amount: BigInt(t.amount) };
    }),
  };
}

import { InvariantError } from '../faults.ts';
import { setTimeout as sleep } from 'node:timers/promises';
import { int8ArrayLiteral, textArrayLiteral } from '../db/array-literal.ts';
import type { Queryable } from '../db/port.ts';
import { limits } from '../limits.ts';
import { batched } from './batcher.ts';
import type { Rail, RailItem, RailOutcome, RejectionReason } from './rail.ts';
import type { SandboxConfig } from './sandbox-config.ts';
import { sandboxRule } from './sandbox-rules.ts';

interface StoredTransfer {
  idempotency_key: string;
  iban: string;
  amount: bigint;
  status: 'PAID' | 'REJECTED';
  reason: RejectionReason | null;
  settled: boolean;
}

type Fault = 'none' | 'request-lost' | 'answer-lost';

/**
 * The built-in sandbox bank. It is an external system that happens to keep its books in our
 * database (table sandbox_bank_transfers, written outside the engine's transactions, as a real
 * bank's would be): one row per idempotency key, so it can never pay one key twice. A send under a
 * key it already holds answers with that transfer's outcome.
 */
export function sandboxBank(db: Queryable, config: SandboxConfig, random: () => number = Math.random): Rail {
  const sendMany = batched((sends: { key: string; item: RailItem }[]) => storeTransfers(db, config, sends), limits.railCallsPerStatementMax);
  const readMany = batched((keys: string[]) => readTransfers(db, keys), limits.railCallsPerStatementMax);

  const fault = (): Fault => {
    if (config.faultRate === 0 || random() >= config.faultRate) return 'none';
    return random() < 0.5 ? 'request-lost' : 'answer-lost';
  };
  const latency = () => (config.latencyMs > 0 ? sleep(config.latencyMs) : Promise.resolve());

  return {
    name: 'sandbox-bank',
    async send(key, item) {
      await latency();
      const injected = fault();
      if (injected === 'request-lost') return { kind: 'AMBIGUOUS', detail: 'sandbox bank: injected fault, the request was lost' };
      const { transfer, fresh } = await sendMany({ key, item });
      if (transfer.iban !== item.recipientInfo || transfer.amount !== item.amount) {
        // The engine sends one item under one key; anything else is a bug upstream, never paid twice here.
        throw new InvariantError(`sandbox bank: key ${key} was already used for another transfer`);
      }
      if (injected === 'answer-lost') return { kind: 'AMBIGUOUS', detail: 'sandbox bank: injected fault, the answer was lost' };
      if (fresh && sandboxRule(item.recipientInfo).firstAnswerLost) return { kind: 'AMBIGUOUS', detail: 'sandbox bank: no answer (test IBAN ending 98)' };
      return outcomeOf(transfer);
    },
    async status(key) {
      await latency();
      if (fault() !== 'none') return { kind: 'AMBIGUOUS', detail: 'sandbox bank: injected fault on a status query' };
      const transfer = await readMany(key);
      return transfer === undefined ? 'UNKNOWN' : outcomeOf(transfer);
    },
  };
}

function outcomeOf(transfer: StoredTransfer): RailOutcome {
  if (!transfer.settled) return { kind: 'AMBIGUOUS', detail: 'sandbox bank: transfer pending' };
  if (transfer.status === 'PAID') return { kind: 'PAID' };
  return { kind: 'REJECTED', reason: transfer.reason ?? 'RAIL_REJECTED' };
}

const selectTransfers = `select idempotency_key, iban, amount, status, reason, settles_at <= now() as settled
  from sandbox_bank_transfers where idempotency_key = any($1::text[])`;

/**
 * One statement for every send of a flush: insert the new keys, leaving existing ones untouched.
 * Keys that were there already (a resend under the same key, or a concurrent flush's) are read back
 * afterwards, so a first send costs one statement.
 */
async function storeTransfers(db: Queryable, config: SandboxConfig, sends: { key: string; item: RailItem }[]): Promise<{ transfer: StoredTransfer; fresh: boolean }[]> {
  const rules = sends.map((s) => sandboxRule(s.item.recipientInfo));
  const keys = sends.map((s) => s.key);
  const inserted = await db.query<StoredTransfer>(
    `insert into sandbox_bank_transfers (idempotency_key, iban, amount, currency, status, reason, settles_at)
     select t.key, t.iban, t.amount, t.currency, t.status, t.reason, now() + t.settle_ms * interval '1 millisecond'
     from unnest($1::text[], $2::text[], $3::int8[], $4::text[], $5::text[], $6::text[], $7::int8[])
       as t(key, iban, amount, currency, status, reason, settle_ms)
     on conflict (idempotency_key) do nothing
     returning idempotency_key, iban, amount, status, reason, settles_at <= now() as settled`,
    // Array literals rather than JS arrays, which pg would escape element by element.
    [
      textArrayLiteral(keys),
      textArrayLiteral(sends.map((s) => s.item.recipientInfo)),
      int8ArrayLiteral(sends.map((s) => s.item.amount)),
      textArrayLiteral(sends.map((s) => s.item.currency)),
      textArrayLiteral(rules.map((r) => r.status)),
      textArrayLiteral(rules.map((r) => r.reason)),
      int8ArrayLiteral(rules.map((r) => BigInt(r.firstAnswerLost ? Math.round(config.settleMs) : 0))),
    ],
  );
  const byKey = new Map(inserted.rows.map((row) => [row.idempotency_key, { ...row, fresh: true }]));
  const existing = keys.filter((key) => !byKey.has(key));
  if (existing.length > 0) {
    const found = await readTransfers(db, existing);
    existing.forEach((key, i) => found[i] && byKey.set(key, { ...found[i], fresh: false }));
  }
  return sends.map((s) => {
    const row = byKey.get(s.key);
    if (!row) throw new InvariantError(`sandbox bank: transfer ${s.key} neither inserted nor found`);
    return { transfer: row, fresh: row.fresh };
  });
}

async function readTransfers(db: Queryable, keys: string[]): Promise<(StoredTransfer | undefined)[]> {
  const found = await db.query<StoredTransfer>(selectTransfers, [keys]);
  const byKey = new Map(found.rows.map((row) => [row.idempotency_key, row]));
  return keys.map((key) => byKey.get(key));
}

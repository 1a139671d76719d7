import { createHash } from 'node:crypto';
import type { AuditInput } from '../audit/append.ts';
import type { TransactionEvents } from '../audit/transaction-events.ts';
import { int8ArrayLiteral, textArrayLiteral } from '../db/array-literal.ts';
import type { Statement, Tx } from '../db/port.ts';
import { noStep, runStep, type Step } from '../db/steps.ts';
import type { Currency } from '../money.ts';

export const transferKinds = ['deposit', 'reserve', 'payout', 'commission', 'release', 'return'] as const;
export type TransferKind = (typeof transferKinds)[number];

export interface PlannedTransfer {
  kind: TransferKind;
  debitAccountId: bigint;
  creditAccountId: bigint;
  amount: bigint;
  currency: Currency;
  batchId?: string;
  /** Set for per-item transfers: (itemId, kind) is unique, which makes a replayed posting a no-op. */
  itemId?: bigint;
}

/**
 * Asserted before anything is written: a plan that breaks these is a bug, never a client error.
 * Every amount > 0 between two accounts, one currency for the whole plan, and Σ debits = Σ credits:
 * the net change the plan makes to all its accounts together is zero. (Each transfer's accounts
 * are checked to hold its currency when they are locked: lockAccounts.)
 */
export function assertBalancedPlan(transfers: readonly PlannedTransfer[]): void {
  const currency = transfers[0]?.currency;
  for (const t of transfers) {
    if (typeof t.amount !== 'bigint' || t.amount <= 0n) throw new Error(`ledger: transfer amount must be > 0, got ${t.amount}`);
    if (t.debitAccountId === t.creditAccountId) throw new Error('ledger: a transfer must move money between two accounts');
    if (t.currency !== currency) throw new Error(`ledger: one plan mixes ${currency} and ${t.currency}`);
  }
  const net = [...netDeltas(transfers).values()].reduce((sum, delta) => sum + delta, 0n);
  if (net !== 0n) throw new Error(`ledger: a plan's debits and credits differ by ${net}`);
}

/** The change each account's balance gets from these transfers. */
function netDeltas(transfers: readonly { debitAccountId: bigint; creditAccountId: bigint; amount: bigint }[]): Map<bigint, bigint> {
  const deltas = new Map<bigint, bigint>();
  for (const t of transfers) {
    deltas.set(t.debitAccountId, (deltas.get(t.debitAccountId) ?? 0n) - t.amount);
    deltas.set(t.creditAccountId, (deltas.get(t.creditAccountId) ?? 0n) + t.amount);
  }
  return deltas;
}

/** A transfer as stored. */
export interface PostedTransfer {
  id: bigint;
  kind: TransferKind;
  debitAccountId: bigint;
  creditAccountId: bigint;
  amount: bigint;
  currency: Currency;
  itemId: bigint | null;
}

/**
 * Posts transfers in the caller's transaction: records them, locks their accounts (unless the
 * caller holds them already), applies them to the balances, and records one audit event per
 * transfer with the transaction's events. Returns how many were posted.
 */
export async function postTransfers(tx: Tx, transfers: readonly PlannedTransfer[], events: TransactionEvents, options: { accountsLocked?: boolean } = {}): Promise<number> {
  const posted = await recordTransfers(tx, transfers);
  if (!options.accountsLocked) await lockAccounts(tx, posted);
  await applyTransfers(tx, posted);
  events.audit(transferEvents(posted));
  return posted.length;
}

/**
 * Inserts transfers in one statement; returns them, in id order. Balances are untouched until
 * applyTransfers, so a settlement can record its transfers before it takes the shared account locks.
 * A second payout, commission or release for one item, or a second reserve for one batch, violates
 * the ledger's unique indexes and fails the transaction: every caller posts only after a guarded
 * state change that cannot happen twice, so a duplicate here is a bug to stop at, never to skip.
 *
 * Only what the database chose comes back (the ids), with (kind, item) to pair each id with its
 * planned transfer, which is unique in a plan (asserted); the rest is the plan's own values. A
 * settlement's ~2,000 rows then come back as three columns instead of seven.
 */
export async function recordTransfers(tx: Tx, transfers: readonly PlannedTransfer[]): Promise<PostedTransfer[]> {
  if (transfers.length === 0) return [];
  assertBalancedPlan(transfers);
  const planned = new Map(transfers.map((t) => [pairKey(t.kind, t.itemId ?? null), t]));
  if (planned.size !== transfers.length) throw new Error('ledger: a plan names one (kind, item) twice');
  const result = await tx.query<{ id: bigint; kind: TransferKind; item_id: bigint | null }>(
    `insert into ledger_transfers (kind, debit_account_id, credit_account_id, amount, currency, batch_id, item_id)
     select * from unnest($1::text[], $2::int8[], $3::int8[], $4::int8[], $5::text[], $6::uuid[], $7::int8[])
     returning id, kind, item_id`,
    // Array literals built here, not JS arrays that pg would escape element by element (see
    // db/array-literal.ts): a settlement posts ~2,000 transfers per 1,000 paid items.
    [
      textArrayLiteral(transfers.map((t) => t.kind)),
      int8ArrayLiteral(transfers.map((t) => t.debitAccountId)),
      int8ArrayLiteral(transfers.map((t) => t.creditAccountId)),
      int8ArrayLiteral(transfers.map((t) => t.amount)),
      textArrayLiteral(transfers.map((t) => t.currency)),
      textArrayLiteral(transfers.map((t) => t.batchId ?? null)),
      textArrayLiteral(transfers.map((t) => (t.itemId === undefined ? null : t.itemId.toString()))),
    ],
  );
  if (result.rows.length !== transfers.length) throw new Error(`ledger: inserted ${result.rows.length} of ${transfers.length} transfers`);
  return result.rows
    .map((row) => {
      const t = planned.get(pairKey(row.kind, row.item_id));
      if (!t) throw new Error(`ledger: inserted a ${row.kind} transfer for item ${row.item_id} that was not planned`);
      return { id: row.id, kind: t.kind, debitAccountId: t.debitAccountId, creditAccountId: t.creditAccountId, amount: t.amount, currency: t.currency, itemId: t.itemId ?? null };
    })
    .sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
}

function pairKey(kind: string, itemId: bigint | null): string {
  return itemId === null ? kind : `${kind}:${itemId}`;
}

/**
 * Applies recorded transfers to the balances: the net delta per account, one UPDATE. The caller
 * holds the touched accounts' locks (lockAccounts), so two postings that share accounts queue up
 * instead of deadlocking on the UPDATE's arbitrary row order. An account that would go below zero
 * violates its CHECK and fails the statement.
 */
export async function applyTransfers(tx: Tx, posted: readonly PostedTransfer[]): Promise<void> {
  await runStep(tx, applyTransfersStep(posted));
}

/** applyTransfers as a step of a longer round trip (db/steps.ts). */
export function applyTransfersStep(posted: readonly PostedTransfer[]): Step<void> {
  if (posted.length === 0) return noStep(undefined);
  const { statement, accounts } = balanceUpdate(posted);
  return {
    statement,
    read(applied) {
      if (applied.rowCount !== accounts) throw new Error(`ledger: applied to ${applied.rowCount} of ${accounts} accounts`);
    },
  };
}

/**
 * Applies these transfers only if no account would go below zero (the accounts' CHECK, which the
 * deposits account is exempt from), all of them or none: the step says which. For postings whose
 * cover is not certain (a settlement's releases, which the reserved account covers unless the books
 * are already wrong); the CHECK stays the backstop of every other.
 */
export function applyIfCoveredStep(posted: readonly PostedTransfer[]): Step<boolean> {
  if (posted.length === 0) return noStep(true);
  const { statement, accounts } = balanceUpdate(
    posted,
    `and not exists (select 1 from accounts b join unnest($1::int8[], $2::int8[]) as e(id, delta) on b.id = e.id
                     where b.kind <> 'deposits' and b.balance + e.delta < 0)`,
  );
  return {
    statement,
    read(applied) {
      if (applied.rowCount === accounts) return true;
      if (applied.rowCount === 0) return false;
      throw new Error(`ledger: applied to ${applied.rowCount} of ${accounts} accounts`);
    },
  };
}

/** The UPDATE adding each account's net delta of these transfers to its balance ($1 ids, $2 deltas), with a further condition, and how many accounts it names. */
function balanceUpdate(posted: readonly PostedTransfer[], condition = ''): { statement: Statement; accounts: number } {
  const deltas = netDeltas(posted);
  const ids = [...deltas.keys()];
  return {
    statement: {
      sql: `update accounts a set balance = a.balance + d.delta from unnest($1::int8[], $2::int8[]) as d(id, delta) where a.id = d.id ${condition}`,
      params: [int8ArrayLiteral(ids), int8ArrayLiteral(ids.map((id) => deltas.get(id)!))],
    },
    accounts: ids.length,
  };
}

/**
 * Locks the accounts of these transfers for the rest of the transaction in ascending id order, the
 * one order every writer uses (a transaction that needs more accounts later must lock them all here,
 * up front), FOR NO KEY UPDATE: the lock an UPDATE of the balance takes anyway. Asserts that every
 * account exists (what the ledger's account foreign keys checked once, migration 005) and holds the
 * currency of each transfer it is part of. Returns the accounts' balances by id.
 */
export async function lockAccounts(tx: Tx, transfers: readonly Pick<PlannedTransfer, 'debitAccountId' | 'creditAccountId' | 'currency'>[]): Promise<Map<bigint, bigint>> {
  return runStep(tx, lockAccountsStep(transfers));
}

/** lockAccounts as a step of a longer round trip (db/steps.ts). */
export function lockAccountsStep(transfers: readonly Pick<PlannedTransfer, 'debitAccountId' | 'creditAccountId' | 'currency'>[]): Step<Map<bigint, bigint>> {
  const ids = [...new Set(transfers.flatMap((t) => [t.debitAccountId, t.creditAccountId]))].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
  if (ids.length === 0) return noStep(new Map());
  return {
    statement: { sql: 'select id, currency, balance from accounts where id = any($1::int8[]) order by id for no key update', params: [int8ArrayLiteral(ids)] },
    read(result) {
      const locked = result.rows as { id: bigint; currency: Currency; balance: bigint }[];
      if (locked.length !== ids.length) throw new Error(`ledger: ${ids.length - locked.length} of accounts ${ids.join(', ')} do not exist`);
      const currencyOf = new Map(locked.map((row) => [row.id, row.currency]));
      for (const t of transfers) {
        if (currencyOf.get(t.debitAccountId) !== t.currency || currencyOf.get(t.creditAccountId) !== t.currency) {
          throw new Error(`ledger: a ${t.currency} transfer between accounts ${t.debitAccountId} (${currencyOf.get(t.debitAccountId)}) and ${t.creditAccountId} (${currencyOf.get(t.creditAccountId)})`);
        }
      }
      return new Map(locked.map((row) => [row.id, row.balance]));
    },
  };
}

/** One `ledger.transfer` audit event per posted transfer. */
export function transferEvents(posted: readonly PostedTransfer[]): AuditInput[] {
  return posted.map((t) => ({
    action: 'ledger.transfer',
    entity: `transfer:${t.id}`,
    after: {
      kind: t.kind,
      debitAccountId: t.debitAccountId.toString(),
      creditAccountId: t.creditAccountId.toString(),
      amount: t.amount.toString(),
      currency: t.currency,
      itemId: t.itemId === null ? null : t.itemId.toString(),
    },
  }));
}

/** The action of one audit event that stands for many transfers posted together (transferSetEvent). */
export const transferSetAction = 'ledger.transfers';

/**
 * One audit event for the transfers a settlement posts (two per paid item: they were 2 of the ~5
 * audit rows a settled item wrote). It names them by id (ranges: `12-2011`), totals them per kind,
 * and carries the SHA-256 of their rows as stored, one line each in id order
 * (`id kind debit credit amount currency itemId`, tab-separated, itemId empty when none): the chain
 * hashes the digest, so the rows the event stands for can be checked against it (transferDigest).
 */
export function transferSetEvent(posted: readonly PostedTransfer[]): AuditInput[] {
  if (posted.length === 0) return [];
  const sorted = [...posted].sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
  const kinds: Record<string, { count: number; amount: string }> = {};
  for (const t of sorted) {
    const kind = (kinds[t.kind] ??= { count: 0, amount: '0' });
    kind.count += 1;
    kind.amount = (BigInt(kind.amount) + t.amount).toString();
  }
  const first = sorted[0].id;
  const last = sorted[sorted.length - 1].id;
  return [
    {
      action: transferSetAction,
      entity: `transfers:${first}-${last}`,
      after: { count: sorted.length, currency: sorted[0].currency, ids: idRanges(sorted.map((t) => t.id)), kinds, digest: transferDigest(sorted) },
    },
  ];
}

/** SHA-256 (hex) of transfers in id order, one tab-separated line each: what transferSetEvent hashes. */
export function transferDigest(sortedById: readonly PostedTransfer[]): string {
  const hash = createHash('sha256');
  for (const t of sortedById) hash.update(`${t.id}\t${t.kind}\t${t.debitAccountId}\t${t.creditAccountId}\t${t.amount}\t${t.currency}\t${t.itemId ?? ''}\n`);
  return hash.digest('hex');
}

/** Sorted distinct ids as ranges: `1-3,5`. */
function idRanges(sorted: readonly bigint[]): string {
  const parts: string[] = [];
  for (let i = 0; i < sorted.length; ) {
    let j = i;
    while (j + 1 < sorted.length && sorted[j + 1] === sorted[j] + 1n) j++;
    parts.push(i === j ? `${sorted[i]}` : `${sorted[i]}-${sorted[j]}`);
    i = j + 1;
  }
  return parts.join(',');
}

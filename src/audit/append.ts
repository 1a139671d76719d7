import { int8ArrayLiteral, textArrayLiteral } from '../db/array-literal.ts';
import type { Tx } from '../db/port.ts';
import { eventHash, genesisHash } from './canonical.ts';

/** Who made a change: a merchant's API key, an operator, or the engine's own workers. */
export type Actor = `merchant:${string}` | 'admin' | `worker:${string}` | 'system';

export interface AuditInput {
  action: string;
  entity: string;
  before?: Record<string, unknown> | null;
  after?: Record<string, unknown> | null;
}

export interface AuditContext {
  /** The merchant whose chain the events join; 0n for platform events (members, …). */
  chainId: bigint;
  actor: Actor;
  /** The batch (requestId) the events belong to, if any. */
  requestId?: string | null;
}

/**
 * The chain's last seq and hash, with its head row locked (created at genesis on first use) for the
 * rest of the caller's transaction: concurrent writers of one chain line up behind it.
 */
export async function lockChainHead(tx: Tx, chainId: bigint): Promise<ChainHead> {
  await tx.query(`insert into audit_heads (chain_id, last_seq, last_hash) values ($1, 0, $2) on conflict (chain_id) do nothing`, [chainId, genesisHash]);
  const head = await tx.query<{ last_seq: bigint; last_hash: string }>('select last_seq, last_hash from audit_heads where chain_id = $1 for update', [chainId]);
  return { seq: head.rows[0].last_seq, hash: head.rows[0].last_hash };
}

/** A chain's position: the seq and hash of its last event. */
export interface ChainHead {
  seq: bigint;
  hash: string;
}

/** Moves the locked head to `head` (the last event written). */
export async function moveChainHead(tx: Tx, chainId: bigint, head: ChainHead): Promise<void> {
  const moved = await tx.query('update audit_heads set last_seq = $2, last_hash = $3 where chain_id = $1', [chainId, head.seq, head.hash]);
  if (moved.rowCount !== 1) throw new Error('audit head vanished inside its own transaction');
}

/**
 * Appends events to a chain in the caller's transaction. The chain head row is locked for the rest
 * of the transaction, so concurrent writers of one chain line up and every seq has one predecessor.
 * Values in before/after must be JSON-safe (bigints as strings).
 */
export async function appendAudit(tx: Tx, context: AuditContext, events: readonly AuditInput[]): Promise<void> {
  if (events.length === 0) return;
  const head = await lockChainHead(tx, context.chainId);
  await moveChainHead(tx, context.chainId, await writeEvents(tx, context, head, events));
}

/** Inserts events after `head` (locked by the caller) in one statement; returns the new head, not yet stored. */
export async function writeEvents(tx: Tx, context: AuditContext, head: ChainHead, events: readonly AuditInput[]): Promise<ChainHead> {
  if (events.length === 0) return head;
  let { seq, hash: prevHash } = head;
  const at = new Date().toISOString();
  const requestId = context.requestId ?? null;
  const columns = { seq: [] as bigint[], prev: [] as string[], hash: [] as string[], action: [] as string[], entity: [] as string[], before: [] as (string | null)[], after: [] as (string | null)[] };
  for (const event of events) {
    seq += 1n;
    const before = event.before ?? null;
    const after = event.after ?? null;
    const hash = eventHash(prevHash, { chainId: context.chainId, seq, at, actor: context.actor, action: event.action, entity: event.entity, requestId, before, after });
    columns.seq.push(seq);
    columns.prev.push(prevHash);
    columns.hash.push(hash);
    columns.action.push(event.action);
    columns.entity.push(event.entity);
    columns.before.push(before === null ? null : JSON.stringify(before));
    columns.after.push(after === null ? null : JSON.stringify(after));
    prevHash = hash;
  }
  await tx.query(
    `insert into audit_events (chain_id, seq, at, actor, action, entity, request_id, before, after, prev_hash, hash)
     select $1, e.seq, $2, $3, e.action, e.entity, $4, e.before, e.after, e.prev, e.hash
     from unnest($5::int8[], $6::text[], $7::text[], $8::jsonb[], $9::jsonb[], $10::text[], $11::text[])
       as e(seq, action, entity, before, after, prev, hash)`,
    // Array literals built here rather than JS arrays: pg escapes every element of a JS array with two
    // regex replaces (~3.5 µs each); settling 1,000 paid items writes 2,000 ledger events × 7 columns.
    [
      context.chainId,
      at,
      context.actor,
      requestId,
      int8ArrayLiteral(columns.seq),
      textArrayLiteral(columns.action),
      textArrayLiteral(columns.entity),
      textArrayLiteral(columns.before),
      textArrayLiteral(columns.after),
      textArrayLiteral(columns.prev),
      textArrayLiteral(columns.hash),
    ],
  );
  return { seq, hash: prevHash };
}

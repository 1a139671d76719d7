import type { Tx } from '../db/port.ts';
import { canonicalJson, canonicalPrefixer, eventHashAt, genesisHash } from './canonical.ts';

/** Who made a change: a merchant's API key, an operator, a console user (`user:<email>`), or the engine's own workers. */
export type Actor = `merchant:${string}` | 'admin' | `user:${string}` | `worker:${string}` | 'system';

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
  const prepared = prepareEvents(context, events);
  const head = await lockChainHead(tx, context.chainId);
  await moveChainHead(tx, context.chainId, await writePreparedEvents(tx, head, prepared));
}

/** Events whose canonical texts and stored columns are built, waiting only for the chain's head. */
export interface PreparedEvents {
  context: AuditContext;
  at: string;
  /** Each event's canonical text up to its seq (canonicalPrefixer). */
  prefixes: string[];
  /** The stored columns, each one string of values joined by U+001F ('' for a NULL before/after). */
  actionColumn: string;
  entityColumn: string;
  beforeColumn: string;
  afterColumn: string;
}

/** Joins column values into one parameter; JSON text never contains it raw, actions and entities are checked. */
const separator = '\u001f';

/**
 * Everything about the events that does not depend on the chain's head, done before locking it.
 * The stored before/after are the canonical JSON texts that are hashed (jsonb reads them to the same
 * value), and the columns travel as joined strings, which the driver sends as they are: the array
 * literals they replaced spent more time escaping quotes than PostgreSQL spent inserting the rows.
 */
export function prepareEvents(context: AuditContext, events: readonly AuditInput[]): PreparedEvents {
  const at = new Date().toISOString();
  const prefixOf = canonicalPrefixer({ chainId: context.chainId, at, actor: context.actor, requestId: context.requestId ?? null });
  const prefixes = new Array<string>(events.length);
  const actions = new Array<string>(events.length);
  const entities = new Array<string>(events.length);
  const befores = new Array<string>(events.length);
  const afters = new Array<string>(events.length);
  events.forEach((event, i) => {
    if (event.action.includes(separator) || event.entity.includes(separator)) throw new Error('audit: an action or entity contains U+001F');
    const before = event.before == null ? null : canonicalJson(event.before);
    const after = event.after == null ? null : canonicalJson(event.after);
    prefixes[i] = prefixOf(event.action, event.entity, before ?? 'null', after ?? 'null');
    actions[i] = event.action;
    entities[i] = event.entity;
    befores[i] = before ?? '';
    afters[i] = after ?? '';
  });
  return {
    context,
    at,
    prefixes,
    actionColumn: actions.join(separator),
    entityColumn: entities.join(separator),
    beforeColumn: befores.join(separator),
    afterColumn: afters.join(separator),
  };
}

/** Inserts prepared events after `head` (locked by the caller) in one statement: seqs, the hash chain, and the insert. Returns the new head, not yet stored. */
export async function writePreparedEvents(tx: Tx, head: ChainHead, prepared: PreparedEvents): Promise<ChainHead> {
  const count = prepared.prefixes.length;
  if (count === 0) return head;
  // chain[0] is the head's hash, chain[i] the hash of event i: event i's prev_hash is chain[i - 1].
  const chain = new Array<string>(count + 1);
  chain[0] = head.hash;
  for (let i = 0; i < count; i++) chain[i + 1] = eventHashAt(chain[i], prepared.prefixes[i], head.seq + BigInt(i + 1));
  const { context } = prepared;
  // nullif: '' stands for a NULL before/after. (One event whose before is NULL joins to '', which
  // string_to_array reads as no element at all; unnest then pads that column with NULL, as needed.)
  const inserted = await tx.query(
    `insert into audit_events (chain_id, seq, at, actor, action, entity, request_id, before, after, prev_hash, hash)
     select $1, $2::int8 + e.ord - 1, $3, $4, e.action, e.entity, $5, nullif(e.before, '')::jsonb, nullif(e.after, '')::jsonb, e.prev_hash, e.hash
     from (select string_to_array($10::text, ',') as chain) p,
       unnest(string_to_array($6::text, E'\\x1f'), string_to_array($7::text, E'\\x1f'), string_to_array($8::text, E'\\x1f'),
              string_to_array($9::text, E'\\x1f'), p.chain[1:$11], p.chain[2:$11 + 1])
         with ordinality as e(action, entity, before, after, prev_hash, hash, ord)`,
    [context.chainId, head.seq + 1n, prepared.at, context.actor, context.requestId ?? null, prepared.actionColumn, prepared.entityColumn, prepared.beforeColumn, prepared.afterColumn, chain.join(','), count],
  );
  if (inserted.rowCount !== count) throw new Error(`audit: inserted ${inserted.rowCount} of ${count} events`);
  return { seq: head.seq + BigInt(count), hash: chain[count] };
}

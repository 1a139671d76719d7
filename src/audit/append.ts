import type { Tx } from '../db/port.ts';
import { runStep, type Step } from '../db/steps.ts';
import { canonicalJson, canonicalPrefixer, eventHashAt, genesisHash } from './canonical.ts';
import type { SealedEvents } from './seal.ts';

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

/** A chain's position: the seq and hash of its last event. */
export interface ChainHead {
  seq: bigint;
  hash: string;
}

/**
 * The chain's last seq and hash, with its head row locked (created at genesis on first use) for the
 * rest of the caller's transaction: concurrent writers of one chain line up behind it. One
 * statement: the upsert's no-op update is what locks an existing head.
 */
export async function lockChainHead(tx: Tx, chainId: bigint): Promise<ChainHead> {
  return runStep(tx, lockChainHeadStep(chainId));
}

/** lockChainHead as a step of a longer round trip (db/steps.ts): the last one, the head being the last lock. */
export function lockChainHeadStep(chainId: bigint): Step<ChainHead> {
  return {
    statement: {
      sql: `insert into audit_heads (chain_id, last_seq, last_hash) values ($1, 0, $2)
            on conflict (chain_id) do update set last_seq = audit_heads.last_seq
            returning last_seq, last_hash`,
      params: [chainId, genesisHash],
    },
    read(head) {
      const row = head.rows[0] as { last_seq: bigint; last_hash: string };
      return { seq: row.last_seq, hash: row.last_hash };
    },
  };
}

/** The chain's head as committed now, without a lock (genesis when the chain has none yet): a guess to hash against. */
export async function readChainHead(tx: Tx, chainId: bigint): Promise<ChainHead> {
  const head = await tx.query<{ last_seq: bigint; last_hash: string }>('select last_seq, last_hash from audit_heads where chain_id = $1', [chainId]);
  const row = head.rows[0];
  return row ? { seq: row.last_seq, hash: row.last_hash } : { seq: 0n, hash: genesisHash };
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
export function prepareEvents(context: AuditContext, events: readonly AuditInput[], at: string = new Date().toISOString()): PreparedEvents {
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

/**
 * Hashes prepared events onto `head`: the statement that inserts them (seqs, the hash chain, the
 * rows) and the head they leave. Nothing is written; the head may still be a guess.
 */
export function sealPrepared(head: ChainHead, prepared: PreparedEvents): SealedEvents {
  const count = prepared.prefixes.length;
  // chain[0] is the head's hash, chain[i] the hash of event i: event i's prev_hash is chain[i - 1].
  const chain = new Array<string>(count + 1);
  chain[0] = head.hash;
  for (let i = 0; i < count; i++) chain[i + 1] = eventHashAt(chain[i], prepared.prefixes[i], head.seq + BigInt(i + 1));
  const { context } = prepared;
  return {
    count,
    from: head,
    head: { seq: head.seq + BigInt(count), hash: chain[count] },
    // nullif: '' stands for a NULL before/after. (One event whose before is NULL joins to '', which
    // string_to_array reads as no element at all; unnest then pads that column with NULL, as needed.)
    sql: `insert into audit_events (chain_id, seq, at, actor, action, entity, request_id, before, after, prev_hash, hash)
     select $1, $2::int8 + e.ord - 1, $3, $4, e.action, e.entity, $5, nullif(e.before, '')::jsonb, nullif(e.after, '')::jsonb, e.prev_hash, e.hash
     from (select string_to_array($10::text, ',') as chain) p,
       unnest(string_to_array($6::text, E'\\x1f'), string_to_array($7::text, E'\\x1f'), string_to_array($8::text, E'\\x1f'),
              string_to_array($9::text, E'\\x1f'), p.chain[1:$11], p.chain[2:$11 + 1])
         with ordinality as e(action, entity, before, after, prev_hash, hash, ord)`,
    params: [context.chainId, head.seq + 1n, prepared.at, context.actor, context.requestId ?? null, prepared.actionColumn, prepared.entityColumn, prepared.beforeColumn, prepared.afterColumn, chain.join(','), count],
  };
}

/** Two prepared groups of one chain and moment as one: their events in order, one INSERT. */
export function joinPrepared(first: PreparedEvents, second: PreparedEvents): PreparedEvents {
  if (first.context !== second.context || first.at !== second.at) throw new Error('audit: only events of one transaction are joined');
  return {
    context: first.context,
    at: first.at,
    prefixes: [...first.prefixes, ...second.prefixes],
    actionColumn: first.actionColumn + separator + second.actionColumn,
    entityColumn: first.entityColumn + separator + second.entityColumn,
    beforeColumn: first.beforeColumn + separator + second.beforeColumn,
    afterColumn: first.afterColumn + separator + second.afterColumn,
  };
}

import { createHash } from 'node:crypto';
import type { Tx } from '../db/port.ts';
import { type AuditContext, type ChainHead, lockChainHead, moveChainHead, type PreparedEvents, writePreparedEvents } from './append.ts';
import { canonicalJson, type HashedContent } from './canonical.ts';

/** Events that differ only in their entity: one state change applied to many rows (auth of 100,000 items). */
export interface UniformEvents {
  action: string;
  before: Record<string, unknown> | null;
  after: Record<string, unknown> | null;
  entities: readonly string[];
}

const entityMark = 'uniform-entity-7f3a9c';
const seqMark = 'uniform-seq-7f3a9c';
/** Joins entities into one parameter; an entity never contains it (asserted). */
const entitySeparator = '\u001f';

/**
 * The same chain, hashes and rows as `appendAudit` would write for these events, built for volume.
 * Measured at 100,000 item events on PostgreSQL: appendAudit spent ~1 s building canonical JSON per
 * event and shipping seven 100,000-element arrays. Here the canonical text is one template rendered
 * from canonicalJson itself (so the two cannot disagree) with only entity and seq spliced in; the
 * statement gets two joined strings (entities, the chain of hashes) instead of arrays, because the
 * driver's array escaping alone took 150–600 ms; seq is derived in SQL and prev_hash/hash are two
 * slices of the one chain.
 *
 * `alongside`, when given, is started on the same transaction once the chain head is locked and
 * before hashing, so the database runs it while this process hashes (auth: the items UPDATE runs
 * while ~0.3 s of hashing happens here). Its result is returned.
 */
export async function appendUniformAudit<T = void>(tx: Tx, context: AuditContext, events: UniformEvents, alongside?: () => Promise<T>): Promise<T | undefined> {
  if (events.entities.length === 0) return alongside?.();
  const head = await lockChainHead(tx, context.chainId);
  const running = alongside?.();
  // Handled below; this only keeps a rejection that lands while hashing from counting as unhandled.
  running?.catch(() => undefined);
  const written = writeUniformEvents(tx, context, head, events);
  written.catch(() => undefined);
  const result = await running;
  await moveChainHead(tx, context.chainId, await written);
  return result;
}

/** Hashes and inserts uniform events after `head` (locked by the caller); returns the new head, not yet stored. */
export async function writeUniformEvents(tx: Tx, context: AuditContext, head: ChainHead, events: UniformEvents): Promise<ChainHead> {
  const count = events.entities.length;
  if (count === 0) return head;
  const firstSeq = head.seq + 1n;
  const at = new Date().toISOString();
  const requestId = context.requestId ?? null;
  const render = canonicalTemplate({ chainId: context.chainId, at, actor: context.actor, action: events.action, requestId, before: events.before, after: events.after });
  // chain[0] is the head's hash, chain[i] the hash of event i: event i's prev_hash is chain[i - 1].
  const chain = new Array<string>(count + 1);
  chain[0] = head.hash;
  for (let i = 0; i < count; i++) {
    const entity = events.entities[i];
    if (entity.includes(entitySeparator)) throw new Error('audit: an entity contains the separator U+001F');
    chain[i + 1] = createHash('sha256').update(chain[i]).update(render(entity, firstSeq + BigInt(i))).digest('hex');
  }
  const inserted = await tx.query(
    `insert into audit_events (chain_id, seq, at, actor, action, entity, request_id, before, after, prev_hash, hash)
     select $1, $2::int8 + e.ord - 1, $3, $4, $5, e.entity, $6, $7::jsonb, $8::jsonb, e.prev_hash, e.hash
     from (select string_to_array($9::text, E'\\x1f') as entities, string_to_array($10::text, ',') as chain) p,
       unnest(p.entities, p.chain[1:$11], p.chain[2:$11 + 1]) with ordinality as e(entity, prev_hash, hash, ord)`,
    [
      context.chainId,
      firstSeq,
      at,
      context.actor,
      events.action,
      requestId,
      events.before === null ? null : JSON.stringify(events.before),
      events.after === null ? null : JSON.stringify(events.after),
      events.entities.join(entitySeparator),
      chain.join(','),
      count,
    ],
  );
  if (inserted.rowCount !== count) throw new Error(`audit: inserted ${inserted.rowCount} of ${count} events`);
  return { seq: firstSeq + BigInt(count) - 1n, hash: chain[count] };
}

/** Groups of events for appendAuditGroups: uniform ones, or one-off events already prepared. */
export type AuditGroup = UniformEvents | PreparedEvents;

/**
 * Appends several groups of events, in the order given, under ONE lock of the chain head and one
 * move of it: a settlement's events cost one statement per group. One-off events come prepared
 * (prepareEvents), so their canonical texts were built before the head was locked.
 */
export async function appendAuditGroups(tx: Tx, context: AuditContext, groups: readonly AuditGroup[]): Promise<void> {
  const nonEmpty = groups.filter((group) => ('entities' in group ? group.entities.length : group.prefixes.length) > 0);
  if (nonEmpty.length === 0) return;
  let head = await lockChainHead(tx, context.chainId);
  for (const group of nonEmpty) {
    if (!('entities' in group) && group.context.chainId !== context.chainId) throw new Error('audit: prepared events of another chain');
    head = 'entities' in group ? await writeUniformEvents(tx, context, head, group) : await writePreparedEvents(tx, head, group);
  }
  await moveChainHead(tx, context.chainId, head);
}

/**
 * canonicalJson of an event with placeholders for entity and seq, cut at the placeholders. Keys are
 * sorted, so entity and seq always land in the same two places; rendering is string concatenation.
 */
function canonicalTemplate(fixed: Omit<HashedContent, 'entity' | 'seq'>): (entity: string, seq: bigint) => string {
  const text = canonicalJson({ ...fixed, chainId: fixed.chainId.toString(), entity: entityMark, seq: seqMark });
  const byEntity = text.split(JSON.stringify(entityMark));
  const bySeq = byEntity.length === 2 ? byEntity[1].split(JSON.stringify(seqMark)) : [];
  if (bySeq.length !== 2) throw new Error('audit: canonical template placeholders not found exactly once');
  const [beforeEntity] = byEntity;
  const [betweenEntityAndSeq, afterSeq] = bySeq;
  return (entity, seq) => beforeEntity + JSON.stringify(entity) + betweenEntityAndSeq + JSON.stringify(seq.toString()) + afterSeq;
}

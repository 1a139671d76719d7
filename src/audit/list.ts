import type { Queryable } from '../db/port.ts';

export interface ListedEvent {
  id: bigint;
  at: Date;
  actor: string;
  action: string;
  entity: string;
  before: unknown;
  after: unknown;
  hash: string;
}

export interface AuditPage {
  events: ListedEvent[];
  /** Pass as afterId for the next page; undefined on the last page. */
  nextAfterId?: bigint;
}

/**
 * Audit events in the order they were written (id order, which within one chain is seq order),
 * one page of at most `limit` after `afterId`. With a requestId, only that batch's events (served
 * by audit_events_request).
 */
export async function listAuditEvents(db: Queryable, query: { requestId?: string; afterId: bigint; limit: number }): Promise<AuditPage> {
  const columns = 'id, at, actor, action, entity, before, after, hash';
  const found =
    query.requestId === undefined
      ? await db.query<ListedEvent>(`select ${columns} from audit_events where id > $1 order by id limit $2`, [query.afterId, query.limit + 1])
      : await db.query<ListedEvent>(`select ${columns} from audit_events where request_id = $1 and id > $2 order by id limit $3`, [
          query.requestId,
          query.afterId,
          query.limit + 1,
        ]);
  const events = found.rows.slice(0, query.limit);
  return { events, nextAfterId: found.rows.length > query.limit ? events[events.length - 1].id : undefined };
}

/** The events of one entity within one batch (`batch:<id>`, `item:<referenceCode>`), oldest first. */
export async function listEntityEvents(db: Queryable, query: { requestId: string; entity: string; limit: number }): Promise<ListedEvent[]> {
  const found = await db.query<ListedEvent>(
    'select id, at, actor, action, entity, before, after, hash from audit_events where request_id = $1 and entity = $2 order by id limit $3',
    [query.requestId, query.entity, query.limit],
  );
  return found.rows;
}

/** Events of one action in id order, one page of at most `limit` after `afterId` (a whole-trail check of one kind of event). */
export async function listActionEvents(db: Queryable, query: { action: string; afterId: bigint; limit: number }): Promise<ListedEvent[]> {
  const found = await db.query<ListedEvent>('select id, at, actor, action, entity, before, after, hash from audit_events where action = $1 and id > $2 order by id limit $3', [
    query.action,
    query.afterId,
    query.limit,
  ]);
  return found.rows;
}

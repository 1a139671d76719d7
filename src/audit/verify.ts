import type { Queryable } from '../db/port.ts';
import { eventHash, genesisHash } from './canonical.ts';

export type ChainVerdict = { ok: true; events: number } | { ok: false; firstBrokenEventId: string; events: number };

const pageRows = 10_000;

interface StoredEvent {
  id: bigint;
  chain_id: bigint;
  seq: bigint;
  at: Date;
  actor: string;
  action: string;
  entity: string;
  request_id: string | null;
  before: unknown;
  after: unknown;
  prev_hash: string;
  hash: string;
}

/** Recomputes every chain from its genesis, page by page; the first event that does not match is reported. */
export async function verifyAudit(db: Queryable): Promise<ChainVerdict> {
  let lastChain = -1n;
  let lastSeq = 0n;
  let prevHash = genesisHash;
  let checked = 0;
  let cursor: [bigint, bigint] = [-1n, 0n];
  for (;;) {
    const page = await db.query<StoredEvent>(
      `select id, chain_id, seq, at, actor, action, entity, request_id, before, after, prev_hash, hash
       from audit_events where (chain_id, seq) > ($1, $2) order by chain_id, seq limit ${pageRows}`,
      cursor,
    );
    for (const event of page.rows) {
      if (event.chain_id !== lastChain) {
        lastChain = event.chain_id;
        lastSeq = 0n;
        prevHash = genesisHash;
      }
      const expected = eventHash(prevHash, {
        chainId: event.chain_id,
        seq: event.seq,
        at: new Date(event.at).toISOString(),
        actor: event.actor,
        action: event.action,
        entity: event.entity,
        requestId: event.request_id,
        before: event.before,
        after: event.after,
      });
      if (event.seq !== lastSeq + 1n || event.prev_hash !== prevHash || event.hash !== expected) {
        return { ok: false, firstBrokenEventId: event.id.toString(), events: checked };
      }
      checked += 1;
      lastSeq = event.seq;
      prevHash = event.hash;
    }
    if (page.rows.length < pageRows) break;
    const last = page.rows[page.rows.length - 1];
    cursor = [last.chain_id, last.seq];
  }
  const heads = await db.query<{ chain_id: bigint; last_seq: bigint }>(
    `select h.chain_id, h.last_seq from audit_heads h
     where h.last_seq <> coalesce((select max(seq) from audit_events e where e.chain_id = h.chain_id), 0)`,
  );
  // A deleted tail leaves the head pointing past the last stored event.
  if (heads.rowCount > 0) return { ok: false, firstBrokenEventId: `chain:${heads.rows[0].chain_id}`, events: checked };
  return { ok: true, events: checked };
}

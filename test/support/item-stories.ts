import { expect } from 'vitest';
import type { Queryable } from '../../src/db/port.ts';

/** One state change of one item, as its audit trail records it. */
export interface ItemStep {
  actor: string;
  action: string;
  before: any;
  after: any;
}

/** The seqs a set event's `after.items.seqs` names (`1-3,5`), parsed here on its own terms. */
export function namedSeqs(ranges: string): number[] {
  return ranges.split(',').flatMap((part) => {
    const [low, high = low] = part.split('-').map(Number);
    expect(Number.isInteger(low) && Number.isInteger(high) && low <= high, `seq range ${part}`).toBe(true);
    return Array.from({ length: high - low + 1 }, (_, i) => low + i);
  });
}

/**
 * Every item's story from the raw audit trail of its batch, in chain order, by reference code: its
 * own events (`item:<code>`) and every set-level `items.status` event whose seqs name it (shown
 * without the set's `items`). Each set event is checked to be well-formed: its count, from, to and
 * entity agree with its seqs, and it names only items of the batch.
 */
export async function itemStories(db: Queryable, requestId: string): Promise<Map<string, ItemStep[]>> {
  const items = await db.query<{ seq: number; reference_code: string }>('select seq, reference_code from items where batch_id = $1', [requestId]);
  const codeAt = new Map(items.rows.map((row) => [row.seq, row.reference_code]));
  const stories = new Map<string, ItemStep[]>(items.rows.map((row) => [row.reference_code, []]));
  const events = await db.query<{ actor: string; action: string; entity: string; before: any; after: any }>(
    `select actor, action, entity, before, after from audit_events where request_id = $1 order by chain_id, seq`,
    [requestId],
  );
  for (const event of events.rows) {
    if (event.entity.startsWith('item:')) {
      stories.get(event.entity.slice('item:'.length))?.push({ actor: event.actor, action: event.action, before: event.before, after: event.after });
      continue;
    }
    if (event.action !== 'items.status') continue;
    const { items: named, ...after } = event.after;
    const seqs = namedSeqs(named.seqs);
    expect(named).toMatchObject({ count: seqs.length, from: Math.min(...seqs), to: Math.max(...seqs) });
    expect(event.entity).toBe(`items:${named.from}-${named.to}`);
    for (const seq of seqs) {
      const code = codeAt.get(seq);
      expect(code, `set event names seq ${seq}, not an item of batch ${requestId}`).toBeDefined();
      stories.get(code!)!.push({ actor: event.actor, action: 'item.status', before: event.before, after });
    }
  }
  return stories;
}

/** An item's `item.status` changes as `FROM→TO` steps. */
export function movesOf(steps: readonly ItemStep[] | undefined): string[] {
  return (steps ?? []).filter((step) => step.action === 'item.status').map((step) => `${step.before.status}→${step.after.status}`);
}

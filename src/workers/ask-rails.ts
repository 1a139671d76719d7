import { railCalls } from '../observability/metrics.ts';
import type { ClaimedItem } from '../queue/claim.ts';
import { railFor, type Rail, type RailItem, type Rails } from '../rails/rail.ts';
import { withRailTimeout } from '../rails/timeout.ts';
import { mapWithLimit } from './map-limit.ts';
import type { ItemResult } from './settlement-plan.ts';

export interface AskOptions {
  timeoutMs: number;
  inFlight: number;
}

/**
 * Step (b): the rail calls of a chunk, outside any transaction, with at most `inFlight` in flight per
 * rail and a timeout on every call. The item's referenceCode is the idempotency key of every call.
 *
 * An item handed over in this round for the first time (it was PROCESSING) is sent. An item that was
 * already QUEUED may have reached the rail before (an ambiguous answer, or a worker that died after
 * the hand-over), so the rail is asked for the key's status first, and the item is sent — under the
 * same key — only if the rail says it never heard of it.
 */
export async function askRails(rails: Rails, items: readonly ClaimedItem[], options: AskOptions): Promise<ItemResult[]> {
  // Each rail gets its own `inFlight` lanes: mixed in the same lanes, the fast wallet lookups and the
  // slower bank calls fall out of step, and the rails' batchers see many small waves instead of few big ones.
  const results = new Array<ItemResult>(items.length);
  const byRail = new Map<Rail, number[]>();
  items.forEach((item, index) => {
    const rail = railFor(rails, item.recipientType);
    const indexes = byRail.get(rail);
    if (indexes) indexes.push(index);
    else byRail.set(rail, [index]);
  });
  await Promise.all(
    [...byRail].map(([rail, indexes]) =>
      mapWithLimit(indexes, options.inFlight, async (index) => {
        results[index] = await askRail(rail, items[index], options.timeoutMs);
      }),
    ),
  );
  return results;
}

async function askRail(rail: Rail, item: ClaimedItem, timeoutMs: number): Promise<ItemResult> {
  const key = item.referenceCode;
  const payout: RailItem = {
    recipientType: item.recipientType,
    recipientInfo: item.recipientInfo,
    recipientName: item.recipientName,
    description: item.description,
    amount: item.amount,
    currency: item.currency,
  };
  if (item.status === 'QUEUED') {
    const known = await withRailTimeout(() => rail.status(key), timeoutMs);
    railCalls.inc({ rail: rail.name, call: 'status', outcome: known === 'UNKNOWN' ? known : known.kind });
    if (known !== 'UNKNOWN') return { item, rail: rail.name, outcome: known };
  }
  const outcome = await withRailTimeout(() => rail.send(key, payout), timeoutMs);
  railCalls.inc({ rail: rail.name, call: 'send', outcome: outcome.kind });
  return { item, rail: rail.name, outcome };
}

import type { Actor } from '../audit/append.ts';
import { TransactionEvents } from '../audit/transaction-events.ts';
import type { Db } from '../db/port.ts';
import { handOverItems } from '../payouts/item-transitions.ts';
import { holdLease } from '../queue/chunk-lease.ts';
import type { ClaimedChunk, ClaimedItem } from '../queue/claim.ts';
import type { BatchRef } from './batch-refs.ts';
import { writeWebhookEvents } from '../webhooks/write-events.ts';

/**
 * Step (a) of a chunk, one transaction: PROCESSING → QUEUED for the chunk's items, BEFORE any rail
 * hears of them. Committing this first is what makes a crash harmless: an item that may have reached
 * a rail is always QUEUED, and a QUEUED item is only ever resolved by asking the rail for the status
 * of its key (sending again, under the same key, only if the rail never got it). A PROCESSING item,
 * on the other hand, was certainly never sent.
 *
 * next_attempt_at is set to now: while the chunk's lease holds nobody else takes the item; if this
 * worker dies, the reaper frees the lease and the item is due for a status check at once.
 *
 * Guarded by the lease and the status: the chunk's row is locked and must still be this claimer's
 * (the reaper cannot take it away until this commits), and an item already final is skipped, so a
 * stale or redelivered chunk is harmless. Returns the items this worker now holds, QUEUED, with the
 * status each had before (payouts/item-transitions.ts: handOverItems). Locks: the chunk row, the
 * items, the merchant's audit head.
 */
export async function handOver(db: Db, actor: Actor, batch: BatchRef, chunk: ClaimedChunk): Promise<ClaimedItem[]> {
  if (chunk.items.length === 0) return [];
  return db.transaction(async (tx) => {
    if (!(await holdLease(tx, chunk))) return [];
    const events = new TransactionEvents({ chainId: batch.merchantId, actor, requestId: batch.id }, writeWebhookEvents);
    const held = await handOverItems(tx, events, batch, chunk.items);
    await events.write(tx);
    return held;
  });
}

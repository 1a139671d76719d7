import type { Queryable } from '../../db/port.ts';
import type { ChunkSource, SourcedChunk } from '../../workers/chunk-sources.ts';
import { claimBatchRange } from '../claim.ts';
import { releaseClaims } from '../reaper.ts';
import type { Delivery, RabbitLink } from './link.ts';
import { decodeChunkMessage, type ChunkMessage } from './message.ts';

export interface ConsumerSourceOptions {
  leaseMs?: number;
  /** A message whose items another worker holds is tried again after this. */
  deferMs: number;
  log: (line: string) => void;
}

/** The chunk source of a RabbitMQ consumer: feed it the link's deliveries, attach the link for acks. */
export interface ConsumerSource extends ChunkSource {
  onDelivery(delivery: Delivery): void;
  attach(link: Pick<RabbitLink, 'ack' | 'nack' | 'generation'>): void;
  /** Chunk messages received and not yet acked or rejected (at most the prefetch). */
  unacked(): number;
}

interface Held {
  delivery: Delivery;
  chunk: ChunkMessage;
  /** Not tried again before this time (ms since the epoch). */
  notBefore: number;
}

/**
 * Turns chunk messages into claimed items. A message names a seq range of a batch; its chunk is the
 * range's unclaimed PROCESSING items (claimBatchRange), processed by the worker loop like any other.
 *
 * A message is acked once its range holds no PROCESSING item any more: all handed over to a rail
 * (QUEUED items are the status checks' business, which no message announces) or final. So a
 * redelivered or duplicate message costs one claim that finds nothing and one count, then its ack.
 * When the range still has PROCESSING items that another worker holds (a crashed worker's lease
 * that has not expired yet, the sweeper), the message is kept and tried again `deferMs` later,
 * rather than acked (its items would wait for the sweeper) or requeued (it would burn deliveries).
 *
 * A chunk that fails is given back: its claims released, its message requeued, which counts against
 * the queue's delivery limit; past it the broker dead-letters the message. A body that is not a
 * chunk message is dead-lettered at once, and so is a message naming a batch this database does not
 * hold (another deployment's, sharing the queue name by mistake).
 */
export function consumerSource(db: Queryable, options: ConsumerSourceOptions): ConsumerSource {
  const held: Held[] = [];
  /** Every accepted delivery until it is acked, rejected, or dropped with its connection. */
  const outstanding = new Set<Held>();
  let link: Pick<RabbitLink, 'ack' | 'nack' | 'generation'> | undefined;

  /** PROCESSING items left in the message's range, or undefined when this database has no such batch. */
  const rangeOpen = async (chunk: ChunkMessage): Promise<number | undefined> => {
    const open = await db.query<{ n: number | null }>(
      `select case when exists (select 1 from batches where id = $1)
         then (select count(*)::int from items where batch_id = $1 and seq between $2 and $3 and status = 'PROCESSING') end as n`,
      [chunk.batchId, chunk.seqFrom, chunk.seqTo],
    );
    return open.rows[0].n ?? undefined;
  };

  /** Acks the message when its range is done; keeps it for a later try otherwise. */
  const settle = async (entry: Held): Promise<void> => {
    const open = await rangeOpen(entry.chunk);
    if (open === undefined) {
      // Another deployment's message (two sharing one queue name on one broker): not ours to drop.
      options.log(`queue: a message names batch ${entry.chunk.batchId}, which this database does not hold; it goes to the dead-letter queue`);
      link?.nack(entry.delivery, false);
      outstanding.delete(entry);
      return;
    }
    if (open === 0) {
      // False when the connection it came on is gone: the broker delivers it again, harmlessly.
      link?.ack(entry.delivery);
      outstanding.delete(entry);
      return;
    }
    entry.notBefore = Date.now() + options.deferMs;
    held.push(entry);
  };

  return {
    name: 'rabbitmq',
    attach(attached) {
      link = attached;
    },
    unacked: () => outstanding.size,
    onDelivery(delivery) {
      const chunk = decodeChunkMessage(delivery.message.content);
      if (!chunk) {
        options.log(`queue: a message that is not a chunk message (${delivery.message.content.length} bytes) goes to the dead-letter queue`);
        link?.nack(delivery, false);
        return;
      }
      const entry = { delivery, chunk, notBefore: 0 };
      outstanding.add(entry);
      held.push(entry);
    },
    async next(claimer): Promise<SourcedChunk | undefined> {
      // Bounded: every turn takes one entry out; entries put back are not due before deferMs.
      for (let turn = held.length; turn > 0; turn--) {
        const now = Date.now();
        const index = held.findIndex((entry) => entry.notBefore <= now);
        if (index < 0) return undefined;
        const [entry] = held.splice(index, 1);
        // Its connection is gone, and with it the right to ack: the broker delivers it again.
        if (link?.generation() !== entry.delivery.generation) {
          outstanding.delete(entry);
          continue;
        }
        const { batchId, seqFrom, seqTo } = entry.chunk;
        let items;
        try {
          items = await claimBatchRange(db, { claimer, batchId, seqFrom, seqTo, leaseMs: options.leaseMs });
          if (items.length === 0) {
            await settle(entry);
            continue;
          }
        } catch (error) {
          // The database failed us, not the message: keep it for a later try.
          entry.notBefore = Date.now() + options.deferMs;
          held.push(entry);
          throw error;
        }
        return {
          items,
          complete: () => settle(entry),
          abandon: async () => {
            await releaseClaims(db, claimer, items.map((item) => item.id));
            link?.nack(entry.delivery, true);
            outstanding.delete(entry);
          },
        };
      }
      return undefined;
    },
  };
}

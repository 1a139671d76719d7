import type { Db } from '../../db/port.ts';
import type { ChunkSource, SourcedChunk } from '../chunk-source.ts';
import { failChunk, finishChunk } from '../chunk-lease.ts';
import { claimChunkAt } from '../claim.ts';
import type { Delivery, RabbitLink } from './link.ts';
import { decodeChunkMessage } from './message.ts';

export interface ConsumerSourceOptions {
  leaseMs?: number;
  log: (line: string) => void;
}

/** The chunk source of a RabbitMQ consumer: feed it the link's deliveries, attach the link for acks. */
export interface ConsumerSource extends ChunkSource {
  onDelivery(delivery: Delivery): void;
  attach(link: Pick<RabbitLink, 'ack' | 'nack' | 'generation'>): void;
  /** Chunk messages received and not yet acked or rejected (at most the prefetch). */
  unacked(): number;
}

/**
 * Turns chunk messages into claimed chunks. A message names a work chunk (its batch and first seq);
 * the worker claims that chunk and processes it like any other, and the message is acked once the
 * chunk's lease is given back.
 *
 * A message is only ever a hint: the work_chunks row is the truth, and the table source takes every
 * chunk that is due and not done. So a message whose chunk cannot be claimed — done already, held by
 * another worker (whose lease the reaper frees if it died), or unknown (an older chunking) — is
 * simply acked, and a redelivered or duplicate message costs one claim that finds nothing.
 *
 * A chunk that fails is given back: its lease released, its message requeued, which counts against
 * the queue's delivery limit; past it the broker dead-letters the message, and the table source
 * takes the chunk once it is due. A body that is not a chunk message is dead-lettered at once, and
 * so is a message naming a batch this database does not hold (another deployment's, sharing the
 * queue name by mistake).
 */
export function consumerSource(db: Db, options: ConsumerSourceOptions): ConsumerSource {
  const waiting: Delivery[] = [];
  /** Every accepted delivery until it is acked, rejected, or dropped with its connection. */
  const outstanding = new Set<Delivery>();
  let link: Pick<RabbitLink, 'ack' | 'nack' | 'generation'> | undefined;

  const ack = (delivery: Delivery) => {
    // False when the connection it came on is gone: the broker delivers it again, harmlessly.
    link?.ack(delivery);
    outstanding.delete(delivery);
  };
  const deadLetter = (delivery: Delivery, why: string) => {
    options.log(`queue: ${why}; it goes to the dead-letter queue`);
    link?.nack(delivery, false);
    outstanding.delete(delivery);
  };
  const batchExists = async (batchId: string) =>
    (await db.query('select 1 from batches where id = $1', [batchId])).rowCount === 1;

  return {
    name: 'rabbitmq',
    attach(attached) {
      link = attached;
    },
    unacked: () => outstanding.size,
    onDelivery(delivery) {
      outstanding.add(delivery);
      waiting.push(delivery);
    },
    async next(claimer): Promise<SourcedChunk | undefined> {
      // Bounded: every turn takes one delivery out for good.
      for (let delivery = waiting.shift(); delivery; delivery = waiting.shift()) {
        // Its connection is gone, and with it the right to ack: the broker delivers it again.
        if (link?.generation() !== delivery.generation) {
          outstanding.delete(delivery);
          continue;
        }
        const message = decodeChunkMessage(delivery.message.content);
        if (!message) {
          deadLetter(delivery, `a message that is not a chunk message (${delivery.message.content.length} bytes)`);
          continue;
        }
        let chunk;
        try {
          chunk = await claimChunkAt(db, { claimer, batchId: message.batchId, seqFrom: message.seqFrom, leaseMs: options.leaseMs });
          if (!chunk && !(await batchExists(message.batchId))) {
            deadLetter(delivery, `a message names batch ${message.batchId}, which this database does not hold`);
            continue;
          }
          // Nothing to do now (its items final, or their status checks not due): done or due later.
          if (chunk && chunk.items.length === 0) await finishChunk(db, chunk);
        } catch (error) {
          // The database failed us, not the message: keep it for a later try.
          waiting.unshift(delivery);
          throw error;
        }
        if (!chunk || chunk.items.length === 0) {
          ack(delivery);
          continue;
        }
        const claimed = chunk;
        const current = delivery;
        return {
          chunk: claimed,
          complete: async () => {
            await finishChunk(db, claimed);
            ack(current);
          },
          abandon: async (error) => {
            // A parked chunk waits for an operator, not for a redelivery.
            if ((await failChunk(db, claimed, error)) === 'parked') {
              ack(current);
              return;
            }
            link?.nack(current, true);
            outstanding.delete(current);
          },
        };
      }
      return undefined;
    },
  };
}

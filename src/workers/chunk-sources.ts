import type { Queryable } from '../db/port.ts';
import { finishChunk, releaseChunk } from '../queue/chunk-lease.ts';
import { claimDueChunk, type ClaimedChunk } from '../queue/claim.ts';

/** A chunk a worker loop got from a source, and how to tell the source how it went. */
export interface SourcedChunk {
  chunk: ClaimedChunk;
  /** After processChunk resolved: the lease goes back, the chunk done or due again (a message-based source also acks). */
  complete(): Promise<void>;
  /** After processChunk threw: give the lease back (a message-based source may nack/requeue). */
  abandon(error: unknown): Promise<void>;
}

/**
 * Where worker loops get their work. The embedded queue claims due chunks from work_chunks; a broker
 * transport (RabbitMQ) is another source whose messages name a chunk (claimChunkAt), listed together
 * with the table source, which takes what no message brings (status checks, swept chunks).
 */
export interface ChunkSource {
  readonly name: string;
  /** The next chunk for `claimer`, or undefined when there is nothing now. Must not block for long. */
  next(claimer: string): Promise<SourcedChunk | undefined>;
}

export interface TableSourceOptions {
  leaseMs?: number;
}

/** Wraps a claimed chunk whose lease lives in the database alone. */
function tableChunk(db: Queryable, chunk: ClaimedChunk): SourcedChunk {
  return {
    chunk,
    complete: async () => {
      await finishChunk(db, chunk);
    },
    abandon: async () => {
      await releaseChunk(db, chunk);
    },
  };
}

/**
 * The embedded queue: due chunks, oldest due first. A claimed chunk with nothing to do now (its items
 * all final, or its status checks not due yet) is finished at once and the next one is tried.
 */
export function tableSource(db: Queryable, options: TableSourceOptions = {}): ChunkSource {
  return {
    name: 'table',
    async next(claimer) {
      // Bounded: each turn finishes one empty chunk, which makes it done or due later.
      for (let turn = 0; turn < 100; turn++) {
        const chunk = await claimDueChunk(db, { claimer, leaseMs: options.leaseMs });
        if (!chunk) return undefined;
        if (chunk.items.length > 0) return tableChunk(db, chunk);
        await finishChunk(db, chunk);
      }
      return undefined;
    },
  };
}

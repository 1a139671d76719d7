import type { Queryable } from '../db/port.ts';
import { claimDueChecks, claimNextChunk, type ClaimedItem } from '../queue/claim.ts';
import { releaseClaims } from '../queue/reaper.ts';

/** A chunk a worker loop got from a source, and how to tell the source how it went. */
export interface SourcedChunk {
  items: ClaimedItem[];
  /** After processChunk resolved (a message-based source acks here). */
  complete(): Promise<void>;
  /** After processChunk threw: give the claims back (a message-based source may nack/requeue). */
  abandon(error: unknown): Promise<void>;
}

/**
 * Where worker loops get their work. The embedded default claims from the items table; a broker
 * transport (RabbitMQ) is another source whose messages name a batch's seq range (claimBatchRange),
 * usually listed together with dueChecksSource, which no message ever announces.
 */
export interface ChunkSource {
  readonly name: string;
  /** The next chunk for `claimer`, or undefined when there is nothing now. Must not block for long. */
  next(claimer: string): Promise<SourcedChunk | undefined>;
}

export interface TableSourceOptions {
  chunkItems?: number;
  leaseMs?: number;
}

/** Wraps claimed items; abandoning gives this claimer's leases back at once. */
export function tableChunk(db: Queryable, claimer: string, items: ClaimedItem[]): SourcedChunk {
  return {
    items,
    complete: async () => undefined,
    abandon: async () => {
      await releaseClaims(db, claimer, items.map((item) => item.id));
    },
  };
}

/** Unclaimed PROCESSING items, next in id order. */
export function nextChunkSource(db: Queryable, options: TableSourceOptions = {}): ChunkSource {
  return {
    name: 'table',
    async next(claimer) {
      const items = await claimNextChunk(db, { claimer, items: options.chunkItems, leaseMs: options.leaseMs });
      return items.length > 0 ? tableChunk(db, claimer, items) : undefined;
    },
  };
}

/** QUEUED items due for a status check (ambiguous outcomes, hand-overs of crashed workers). */
export function dueChecksSource(db: Queryable, options: TableSourceOptions = {}): ChunkSource {
  return {
    name: 'due-checks',
    async next(claimer) {
      const items = await claimDueChecks(db, { claimer, items: options.chunkItems, leaseMs: options.leaseMs });
      return items.length > 0 ? tableChunk(db, claimer, items) : undefined;
    },
  };
}

/** The embedded queue: new work and due status checks, both from the items table. */
export function tableSources(db: Queryable, options: TableSourceOptions = {}): ChunkSource[] {
  return [nextChunkSource(db, options), dueChecksSource(db, options)];
}

import type { ClaimedChunk } from './claim.ts';

/** A chunk a worker loop got from a source, and how to tell the source how it went. */
export interface SourcedChunk {
  chunk: ClaimedChunk;
  /** After processChunk resolved: the lease goes back, the chunk done or due again (a message-based source also acks). */
  complete(): Promise<void>;
  /** After processChunk threw: give the lease back (a message-based source may nack/requeue). */
  abandon(error: unknown): Promise<void>;
}

/**
 * Where worker loops get their work. The embedded queue claims due chunks from work_chunks
 * (table-source.ts); a broker transport (RabbitMQ) is another source whose messages name a chunk
 * (claimChunkAt), listed together with the table source, which takes what no message brings
 * (status checks, swept chunks).
 */
export interface ChunkSource {
  readonly name: string;
  /** The next chunk for `claimer`, or undefined when there is nothing now. Must not block for long. */
  next(claimer: string): Promise<SourcedChunk | undefined>;
}

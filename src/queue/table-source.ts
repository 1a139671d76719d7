import type { Db } from '../db/port.ts';
import { limits } from '../limits.ts';
import { failChunk, finishChunk } from './chunk-lease.ts';
import type { ChunkSource, SourcedChunk } from './chunk-source.ts';
import { claimDueChunk, type ClaimedChunk } from './claim.ts';

export interface TableSourceOptions {
  leaseMs?: number;
}

/** Wraps a claimed chunk whose lease lives in the database alone. */
function tableChunk(db: Db, chunk: ClaimedChunk): SourcedChunk {
  return {
    chunk,
    complete: async () => {
      await finishChunk(db, chunk);
    },
    abandon: async (error) => {
      await failChunk(db, chunk, error);
    },
  };
}

/**
 * The embedded queue: due chunks, oldest due first. A claimed chunk with nothing to do now (its items
 * all final, or its status checks not due yet) is finished at once and the next one is tried.
 */
export function tableSource(db: Db, options: TableSourceOptions = {}): ChunkSource {
  return {
    name: 'table',
    async next(claimer) {
      // Bounded: each turn finishes one empty chunk, which makes it done or due later.
      for (let turn = 0; turn < limits.claimEmptyChunksMax; turn++) {
        const chunk = await claimDueChunk(db, { claimer, leaseMs: options.leaseMs });
        if (!chunk) return undefined;
        if (chunk.items.length > 0) return tableChunk(db, chunk);
        await finishChunk(db, chunk);
      }
      return undefined;
    },
  };
}

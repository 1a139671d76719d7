import type { Queryable } from '../../db/port.ts';
import { tableChunk, type ChunkSource } from '../../workers/chunk-sources.ts';
import { claim } from '../claim.ts';

export interface SweepOptions {
  /** PROCESSING items nobody claimed (or gave back) for this long are taken. */
  olderThanMs: number;
  /** How often to look when the last look found nothing; shared by every loop of the process. */
  everyMs: number;
  chunkItems?: number;
  leaseMs?: number;
}

/**
 * The table queue as a slow sweeper, for RabbitMQ mode: it takes only PROCESSING items left alone
 * for `olderThanMs` (60 s) — a chunk whose message went to the dead-letter queue, one whose message
 * was lost with a broker, a batch whose outbox could not be published for a while — and leaves
 * fresh items to the messages. It looks every `everyMs` (5 s) per process; once it finds a backlog
 * it keeps taking chunks back to back until the backlog is gone.
 *
 * updated_at is set by auth, by every claim, release and reaped lease, so "left alone" is exact.
 * The scan walks items_claimable in id order and stops at the first `chunkItems` stale rows, which
 * are the oldest; when none is stale it reads the fresh ones once per `everyMs`, not once per poll.
 */
export function sweepSource(db: Queryable, options: SweepOptions): ChunkSource {
  let nextLook = 0;
  return {
    name: 'sweep',
    async next(claimer) {
      if (Date.now() < nextLook) return undefined;
      // Before the await: the other loops of this process skip the look this one is making.
      nextLook = Date.now() + options.everyMs;
      const items = await claim(
        db,
        { claimer, items: options.chunkItems, leaseMs: options.leaseMs },
        `select id from items
         where status = 'PROCESSING' and claimed_until is null and updated_at < now() - $1::int8 * interval '1 millisecond'
         order by id`,
        [options.olderThanMs],
      );
      if (items.length === 0) return undefined;
      nextLook = 0;
      return tableChunk(db, claimer, items);
    },
  };
}

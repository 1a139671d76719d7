import type { Db, Queryable } from '../db/port.ts';
import { limits } from '../limits.ts';
import type { Signer } from '../merchants/merchants.ts';

/**
 * The replay check: a merchant's random key is spent once within limits.replayWindowMs.
 *
 * One statement, one round trip, which also confirms that the signer the signature was checked
 * with is current: the key is inserted only while the merchant's row has the version the signer
 * was read at (signer-cache.ts). `stale`: it has not, nothing was spent, read the row again.
 *
 * Committed without waiting for its WAL flush (Db.queryUnflushed: synchronous_commit off), which
 * took a disk flush out of every signed request. Why the replay protection survives a crash all
 * the same:
 *   - a key whose request changed anything is durable: that change commits with its flush after
 *     the key was written, and a flush writes the whole WAL up to that point, the key's record
 *     included. What a crash can lose is only keys of requests that changed nothing — reads,
 *     refusals — from the last moments before it (PostgreSQL writes such WAL within
 *     3 × wal_writer_delay, 0.6 s by default);
 *   - a lost key lets that one request be sent again once: a read answers again (what the signed
 *     request's sender was already shown, as of now), and a change would be harmless anyway — init
 *     is idempotent on externalId, auth and cancel are safe to repeat — as for any request sent
 *     again after the replay window;
 *   - a signature still needs the merchant's secret: nothing here lets anyone sign a request.
 * The reference to the merchant is checked by the statement itself (it inserts from the merchant's
 * row), so the table needs no foreign key, whose check would lock the merchant's row for every
 * request (migration 019).
 */
export type RandomKeyOutcome = 'spent' | 'replayed' | 'stale';

const spendSql = `with signer as (select id from merchants where id = $1 and xmin = $3::xid),
     spent as (insert into seen_random_keys (merchant_id, random_key) select id, $2 from signer on conflict do nothing returning 1)
select exists (select 1 from signer) as current, exists (select 1 from spent) as spent`;

/** `db`: the pool, or the transaction of a streamed init (the key then commits with what it wrote). */
export async function spendRandomKey(db: Queryable & Pick<Db, 'queryUnflushed'>, signer: Signer, randomKey: string): Promise<RandomKeyOutcome> {
  const params = [signer.merchant.id, randomKey, signer.version];
  const options = { prepareAs: 'spend-random-key' };
  const result = db.queryUnflushed
    ? await db.queryUnflushed<{ current: boolean; spent: boolean }>(spendSql, params, options)
    : await db.query<{ current: boolean; spent: boolean }>(spendSql, params, options);
  const row = result.rows[0];
  if (!row.current) return 'stale';
  return row.spent ? 'spent' : 'replayed';
}

/** Forgets random keys older than the replay window; run periodically. */
export async function forgetOldRandomKeys(db: Db): Promise<number> {
  const result = await db.query(`delete from seen_random_keys where seen_at < now() - $1::int * interval '1 millisecond'`, [limits.replayWindowMs]);
  return result.rowCount;
}

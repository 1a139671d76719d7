import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { decodeChunkMessage, encodeChunkMessage } from '../src/queue/rabbitmq/message.ts';
import { claimOutbox, markPublished } from '../src/queue/rabbitmq/outbox.ts';
import { outboxQueue } from '../src/queue/rabbitmq/outbox-queue.ts';
import { batchesAwaitingPromotion, promoteBatches } from '../src/queue/rabbitmq/promote-batches.ts';
import { relayRound, type RelayOptions } from '../src/queue/rabbitmq/relay.ts';
import { ibanItem } from './support/items.ts';
import { installationDb, seededDataDir } from './support/db.ts';
import { freePort, runCli } from './support/process.ts';
import { submitBatch } from './support/processing.ts';
import { startTestService, type TestService } from './support/service.ts';

/**
 * The RabbitMQ transport's database half, which needs no broker: the outbox rows auth writes, the
 * relay's leases on them, and the batch's move to PUBLISHED_TO_QUEUE once every row is confirmed.
 * The broker is replaced by a link that confirms what the test says (test/rabbitmq.test.ts runs
 * the real one).
 */
let service: TestService;
beforeAll(async () => {
  // Chunks of 3 consecutive items, so a handful of items makes several rows; swept after 60 s.
  service = await startTestService({}, { queue: outboxQueue(3, 60_000) });
});
afterAll(async () => {
  await service?.close();
});

const invalidIban = (n: number) => ({ ...ibanItem(n, '1.00'), recipientInfo: 'TR000000000000000000000000' });

/** A link whose broker confirms message i when `confirm(i)` says so. */
function scriptedLink(confirm: (i: number) => boolean): RelayOptions['link'] & { published: string[] } {
  const published: string[] = [];
  return {
    published,
    generation: () => 1,
    async publishConfirmed(messages) {
      published.push(...messages.map((m) => m.content.toString('utf8')));
      return messages.map((_, i) => confirm(i));
    },
  };
}

async function outboxOf(requestId: string) {
  const rows = await service.db.query<{ seq_from: number; seq_to: number; published: boolean; leased: boolean }>(
    `select seq_from, seq_to, published_at is not null as published, relay_until is not null as leased from outbox where batch_id = $1 order by seq_from`,
    [requestId],
  );
  return rows.rows;
}

async function batchStatus(requestId: string): Promise<string> {
  return (await service.db.query<{ status: string }>('select status from batches where id = $1', [requestId])).rows[0].status;
}

/** Relays take every unpublished row; this keeps the tests of one file from seeing each other's. */
async function releaseAll() {
  await service.db.query('update outbox set relay_until = null where published_at is null');
}

describe('outbox (RabbitMQ transport, database side)', () => {
  it('auth writes one row per work chunk in its transaction, the chunks due only after the sweep delay; the batch stays IN_PROGRESS', async () => {
    const merchant = await service.createMerchant();
    await service.deposit(merchant, '10000');
    // seq 2 and 5 are INVALID: chunks are cut by seq all the same, 0–2 | 3–5 | 6–8 | 9.
    const items = [ibanItem(1), ibanItem(2), invalidIban(3), ibanItem(4), ibanItem(5), invalidIban(6), ibanItem(7), ibanItem(8), ibanItem(9), ibanItem(10)];
    const requestId = await submitBatch(service, merchant, items);
    expect(await outboxOf(requestId)).toEqual([
      { seq_from: 0, seq_to: 2, published: false, leased: false },
      { seq_from: 3, seq_to: 5, published: false, leased: false },
      { seq_from: 6, seq_to: 8, published: false, leased: false },
      { seq_from: 9, seq_to: 9, published: false, leased: false },
    ]);
    const chunks = await service.db.query(
      `select seq_from, seq_to, due_at > now() + interval '50 seconds' as swept_later from work_chunks where batch_id = $1 order by seq_from`,
      [requestId],
    );
    expect(chunks.rows).toEqual((await outboxOf(requestId)).map(({ seq_from, seq_to }) => ({ seq_from, seq_to, swept_later: true })));
    expect(await batchStatus(requestId)).toBe('IN_PROGRESS');
    // A repeated auth is a no-op: no second set of rows.
    const again = await service.signed(merchant, 'POST', '/v1/mass/payout/auth', { requestId });
    expect(again.status).toBe(200);
    expect(await outboxOf(requestId)).toHaveLength(4);
    await releaseAll();
  });

  it('a relay round publishes, stamps what the broker confirmed, gives back the rest, and promotes the batch once all are confirmed', async () => {
    await service.db.query('update outbox set published_at = now() where published_at is null');
    const merchant = await service.createMerchant();
    await service.deposit(merchant, '10000');
    const requestId = await submitBatch(service, merchant, [ibanItem(11), ibanItem(12), ibanItem(13), ibanItem(14)]);
    const base = { db: service.db, actor: 'worker:test/relay' as const, log: () => {} };

    // The broker confirms the first message and not the second (a nack, or no confirm in time).
    const firstOnly = scriptedLink((i) => i === 0);
    expect(await relayRound({ ...base, link: firstOnly })).toEqual({ claimed: 2, published: 1, failed: 1, promoted: [] });
    expect(firstOnly.published.map((body) => JSON.parse(body))).toEqual([
      { batchId: requestId, seqFrom: 0, seqTo: 2 },
      { batchId: requestId, seqFrom: 3, seqTo: 3 },
    ]);
    expect(await outboxOf(requestId)).toEqual([
      { seq_from: 0, seq_to: 2, published: true, leased: false },
      { seq_from: 3, seq_to: 3, published: false, leased: false },
    ]);
    expect(await batchStatus(requestId)).toBe('IN_PROGRESS');

    // The next round sends only the unconfirmed row again; now every row is confirmed.
    const all = scriptedLink(() => true);
    expect(await relayRound({ ...base, link: all })).toEqual({ claimed: 1, published: 1, failed: 0, promoted: [requestId] });
    expect(all.published.map((body) => JSON.parse(body))).toEqual([{ batchId: requestId, seqFrom: 3, seqTo: 3 }]);
    expect(await batchStatus(requestId)).toBe('PUBLISHED_TO_QUEUE');
    // Nothing left: a further round takes nothing, and promoting again changes nothing.
    expect(await relayRound({ ...base, link: all })).toEqual({ claimed: 0, published: 0, failed: 0, promoted: [] });
    expect(await promoteBatches(service.db, [requestId], 'worker:test/relay')).toEqual([]);

    const events = await service.admin('GET', `/admin/v1/audit?requestId=${requestId}`);
    const batchEvents = events.json.events.filter((e: any) => e.action === 'batch.status').map((e: any) => `${e.before.status}→${e.after.status}`);
    expect(batchEvents).toEqual(['INIT→IN_PROGRESS', 'IN_PROGRESS→PUBLISHED_TO_QUEUE']);
    expect(events.json.events.find((e: any) => e.after?.status === 'PUBLISHED_TO_QUEUE').actor).toBe('worker:test/relay');
    expect((await service.admin('GET', '/admin/v1/audit/verify')).json).toEqual({ ok: true });
  });

  it('a broker that is unreachable mid-round gets nothing stamped: the rows are given back at once', async () => {
    const merchant = await service.createMerchant();
    await service.deposit(merchant, '10000');
    const requestId = await submitBatch(service, merchant, [ibanItem(21), ibanItem(22)]);
    const broken: RelayOptions['link'] = {
      generation: () => 1,
      publishConfirmed: async () => {
        throw new Error('not connected to the queue broker');
      },
    };
    await expect(relayRound({ db: service.db, link: broken, actor: 'worker:test/relay', log: () => {} })).rejects.toThrow('not connected');
    expect(await outboxOf(requestId)).toEqual([{ seq_from: 0, seq_to: 1, published: false, leased: false }]);
    await releaseAll();
  });

  it('a row under another relay\'s lease is skipped until the lease runs out', async () => {
    await service.db.query('update outbox set published_at = now() where published_at is null');
    const merchant = await service.createMerchant();
    await service.deposit(merchant, '10000');
    const requestId = await submitBatch(service, merchant, [ibanItem(31), ibanItem(32), ibanItem(33), ibanItem(34), ibanItem(35), ibanItem(36), ibanItem(37)]);

    // Two relays at once take disjoint rows (SKIP LOCKED; on PGlite they simply take turns).
    const [a, b] = await Promise.all([claimOutbox(service.db, 2, 60_000), claimOutbox(service.db, 2, 60_000)]);
    const taken = [...a, ...b].map((row) => row.seqFrom).sort((x, y) => x - y);
    expect(taken).toEqual([0, 3, 6]);
    expect(new Set(taken).size).toBe(taken.length);
    expect(await claimOutbox(service.db, 10, 60_000)).toEqual([]);

    // A relay that died holding a short lease: once it runs out, its rows are taken again.
    await service.db.query(`update outbox set relay_until = now() - interval '1 millisecond' where batch_id = $1 and seq_from = 0`, [requestId]);
    const retaken = await claimOutbox(service.db, 10, 60_000);
    expect(retaken.map((row) => [row.batchId, row.seqFrom, row.seqTo])).toEqual([[requestId, 0, 2]]);
    await releaseAll();
  });

  it('a batch whose rows were all stamped by a relay that died before promoting it is found and promoted', async () => {
    await service.db.query('update outbox set published_at = now() where published_at is null');
    const merchant = await service.createMerchant();
    await service.deposit(merchant, '10000');
    const requestId = await submitBatch(service, merchant, [ibanItem(41), ibanItem(42)]);
    expect(await batchesAwaitingPromotion(service.db, 100)).not.toContain(requestId);
    const rows = await claimOutbox(service.db, 10, 60_000);
    expect(await markPublished(service.db, rows.map((row) => row.id))).toBe(rows.length);
    // Stamping twice keeps the first stamp.
    expect(await markPublished(service.db, rows.map((row) => row.id))).toBe(0);
    expect(await batchesAwaitingPromotion(service.db, 100)).toContain(requestId);
    expect(await promoteBatches(service.db, [requestId], 'worker:test/relay')).toEqual([requestId]);
    expect(await batchStatus(requestId)).toBe('PUBLISHED_TO_QUEUE');
    expect(await batchesAwaitingPromotion(service.db, 100)).not.toContain(requestId);
  });
});

describe('chunk messages', () => {
  const batchId = '0b6f1b9e-3c4d-4e5f-8a9b-0c1d2e3f4a5b';

  it('round-trips a chunk', () => {
    expect(decodeChunkMessage(encodeChunkMessage({ batchId, seqFrom: 1000, seqTo: 1999 }))).toEqual({ batchId, seqFrom: 1000, seqTo: 1999 });
  });

  it('refuses what is not a chunk of ours (it is dead-lettered, never retried)', () => {
    const bodies = [
      'not json',
      '[]',
      'null',
      JSON.stringify({ batchId: 'not-a-uuid', seqFrom: 0, seqTo: 1 }),
      JSON.stringify({ batchId, seqFrom: 5, seqTo: 4 }),
      JSON.stringify({ batchId, seqFrom: -1, seqTo: 4 }),
      JSON.stringify({ batchId, seqFrom: 0.5, seqTo: 4 }),
      JSON.stringify({ batchId, seqFrom: '0', seqTo: 4 }),
      JSON.stringify({ batchId, seqFrom: 0, seqTo: 10_000_000 }),
      JSON.stringify({ batchId, seqFrom: 0, seqTo: 1, padding: 'x'.repeat(2000) }),
    ];
    for (const body of bodies) expect(decodeChunkMessage(Buffer.from(body)), body.slice(0, 60)).toBeUndefined();
  });
});

describe('start-up with QUEUE_URL', () => {
  it('a broker that cannot be reached stops serve at start with one line that does not repeat the URL', { timeout: 120_000 }, async () => {
    const dataDir = await mkdtemp(path.join(tmpdir(), 'masspayout-no-broker-'));
    const database = await installationDb();
    try {
      await seededDataDir(dataDir);
      // Nobody listens on a port the OS just handed out and took back.
      const brokerPort = await freePort();
      const cli = runCli(['serve'], {
        MASSPAYOUT_DATA_DIR: dataDir,
        ...database.env,
        HOST: '127.0.0.1',
        PORT: String(await freePort()),
        QUEUE_URL: `amqp://masspayout:sekret-password@127.0.0.1:${brokerPort}`,
      });
      expect(await cli.exited(90_000), cli.output()).toBe(1);
      expect(cli.output()).toContain('masspayout serve: 7059 The service could not start: cannot reach the queue broker (QUEUE_URL) after 6 attempts: connect ECONNREFUSED');
      expect(cli.output()).not.toContain('sekret-password');
      expect(cli.output()).not.toContain('listening on');
    } finally {
      await database.drop();
      await rm(dataDir, { recursive: true, force: true });
    }
  });
});

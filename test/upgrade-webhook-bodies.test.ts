import { afterAll, beforeAll, expect, it } from 'vitest';
import { migrate } from '../src/db/migrate.ts';
import type { Db } from '../src/db/port.ts';
import { bodyWithSequenceSql } from '../src/webhooks/payloads.ts';
import { freshDb } from './support/db.ts';

/**
 * An installation whose deliveries stored their whole body (up to 027), upgraded to bodies stored up
 * to their sequence number (028): every pending delivery must still send the very bytes it was
 * signed and sent with before, or a receiver would see one webhook-id with two bodies.
 */
let db: Db;
let drop: () => Promise<void>;

beforeAll(async () => {
  ({ db, drop } = await freshDb({ upTo: '027_items_fillfactor_30.sql' }));
});
afterAll(async () => {
  await drop?.();
});

it('a delivery stored whole before 028 is sent with the same bytes after it', async () => {
  const merchant = await db.query<{ id: bigint }>(`insert into merchants (name, api_key, secret_key_sealed) values ('Old', 'k', 's') returning id`);
  const endpoint = await db.query<{ id: bigint }>(
    `insert into webhook_endpoints (merchant_id, url, events, secret_sealed) values ($1, 'https://example.com/', '{mass_payout.completed}', 's') returning id`,
    [merchant.rows[0].id],
  );
  const bodies = [7, 1234].map((sequence) => [sequence, `{"type":"mass_payout.completed","timestamp":"2026-12-01T10:00:00.000Z","data":{"requestId":"r","itemCount":12,"sequence":${sequence}}}`] as const);
  for (const [sequence, body] of bodies) {
    await db.query(
      `insert into webhook_deliveries (message_id, endpoint_id, batch_id, event_type, sequence, payload) values ($1, $2, gen_random_uuid(), 'mass_payout.completed', $3, $4)`,
      [`msg_${sequence}`, endpoint.rows[0].id, sequence, body],
    );
  }

  expect(await migrate(db)).toContain('028_webhook_body_head.sql');

  const sent = await db.query<{ message_id: string; body: string }>(`select message_id, ${bodyWithSequenceSql('d')} as body from webhook_deliveries d order by sequence`);
  expect(sent.rows).toEqual(bodies.map(([sequence, body]) => ({ message_id: `msg_${sequence}`, body })));
});

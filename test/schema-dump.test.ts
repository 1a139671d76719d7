import { readFile } from 'node:fs/promises';
import { afterAll, expect, it } from 'vitest';
import { dumpSchema } from '../src/db/schema-dump.ts';
import { freshDb } from './support/db.ts';

/** src/db/schema.sql is what the migrations produce, so a reviewer reads the schema in one file. */
const { db, drop } = await freshDb();
afterAll(drop);

it('src/db/schema.sql is exactly what the migrations produce (fix: npm run db:schema)', async () => {
  const committed = await readFile(new URL('../src/db/schema.sql', import.meta.url), 'utf8');
  const dumped = await dumpSchema(db);
  expect(dumped).toContain('create table work_chunks (');
  expect(dumped).toBe(committed);
});

it('webhook payloads are stored with lz4 where the server has it, and with its default where not', async () => {
  const lz4 = await db.query(`create temp table lz4_probe (p text compression lz4)`).then(
    () => true,
    (error: { code?: string }) => (error.code === '0A000' ? false : Promise.reject(error)),
  );
  const column = await db.query<{ compression: string }>(
    `select attcompression::text as compression from pg_attribute where attrelid = 'webhook_deliveries'::regclass and attname = 'body_head'`,
  );
  expect(column.rows[0].compression).toBe(lz4 ? 'l' : '');
});

import Fastify from 'fastify';
import pg from 'pg';
import { parseAuthorization, signatureMatches } from '../src/signing/iyzws.ts';

/**
 * The floor of a signed read on this machine: a fastify server that does the least a signed read
 * can do — check the IYZWSv2 signature (one HMAC) and answer from ONE prepared statement — with none
 * of the service's own work (no replay key, no schema validation, no views, no logging). It reads
 * the service's own rows on the same database, so the reads figure can say engine / floor for the
 * same load generator, page and mix. Started by reads.ts as a process of its own (like serve):
 *   FLOOR_PORT, DATABASE_URL, FLOOR_API_KEY, FLOOR_SECRET_KEY, FLOOR_MERCHANT_ID, FLOOR_BATCH_ID.
 * It prints "floor listening" once it answers.
 */

const env = (name: string): string => {
  const value = process.env[name];
  if (value === undefined) throw new Error(`${name} is not set`);
  return value;
};

const apiKey = env('FLOOR_API_KEY');
const secretKey = env('FLOOR_SECRET_KEY');
const merchantId = env('FLOOR_MERCHANT_ID');
const batchId = env('FLOOR_BATCH_ID');
const pool = new pg.Pool({ connectionString: env('DATABASE_URL'), max: 10 });

/** The page as the engine reads it (the same index seek and JSON build), with the batch's item count for `total`. */
const pageStatement = {
  name: 'floor-page',
  text: `select b.item_count,
      (select coalesce(json_agg(json_build_array(i.id::text, i.seq, i.reference_code, i.item_external_id, i.recipient_type, i.recipient_info,
          i.recipient_name, i.description, i.status, i.error_codes, i.amount::text, i.commission::text, i.currency) order by i.seq), '[]'::json)
       from (select * from items i where i.batch_id = b.id and i.seq >= $2 order by i.seq limit $3) i) as items
    from batches b where b.id = $1::uuid`,
};

const balanceStatement = {
  name: 'floor-balance',
  text: `select coalesce(sum(balance) filter (where kind = 'available' and currency = 'TRY'), 0)::text as balance
    from accounts where kind = any('{available,reserved}'::text[]) and coalesce(merchant_id, 0) = $1 and coalesce(member_id, '') = ''`,
};

const app = Fastify({ logger: false });
app.addContentTypeParser('application/json', { parseAs: 'buffer' }, (_request, body, done) => done(null, body));

function signed(authorization: string | undefined, path: string, body: Buffer): boolean {
  const credentials = authorization === undefined ? undefined : parseAuthorization(authorization);
  return credentials !== undefined && credentials.apiKey === apiKey && signatureMatches(secretKey, credentials, path, body);
}

app.post('/v1/mass/payout/retrieve', async (request, reply) => {
  const raw = request.body as Buffer;
  if (!signed(request.headers.authorization, '/v1/mass/payout/retrieve', raw)) return reply.code(401).send({ status: 'failure' });
  const { page, size } = JSON.parse(raw.toString('utf8')) as { page: number; size: number };
  const { rows } = await pool.query<{ item_count: number; items: unknown[][] }>({ ...pageStatement, values: [batchId, page * size, size] });
  const items = rows[0].items.map((item) => ({ referenceCode: item[2], externalId: item[3], status: item[8], amount: item[10], currency: item[12] }));
  const paging = { page, size, total: rows[0].item_count };
  return { status: 'success', systemTime: Date.now(), massPayoutItems: { items, ...paging }, ...paging };
});

app.get('/v1/mass/payout/balance', async (request, reply) => {
  if (!signed(request.headers.authorization, '/v1/mass/payout/balance', Buffer.alloc(0))) return reply.code(401).send({ status: 'failure' });
  const { rows } = await pool.query<{ balance: string }>({ ...balanceStatement, values: [merchantId] });
  return { status: 'success', systemTime: Date.now(), balance: rows[0].balance };
});

await app.listen({ port: Number(env('FLOOR_PORT')), host: '127.0.0.1' });
console.log('floor listening');
process.once('SIGTERM', () => void app.close().then(() => pool.end()).then(() => process.exit(0)));

import { afterAll, beforeAll, expect, test } from 'vitest';
import { startTestService, type TestMerchant, type TestService } from './support/service.ts';
import { ibanItem } from './support/items.ts';

// Init writes items with COPY in its text format, where backslash, tab, newline and carriage return
// are escapes and `\N` is NULL: every one of them must come back exactly as sent.
let service: TestService;
let merchant: TestMerchant;

beforeAll(async () => {
  service = await startTestService();
  merchant = await service.createMerchant({ fixed: '1.50', rate: '0.01' });
});
afterAll(() => service?.close());

const awkward = ['tab\there', 'line\nbreak', 'carriage\rreturn', 'back\\slash', '\\N', '\\', 'quote " and , and {braces}', 'Ayşe Yılmaz 🎉', ' '];

test('text with COPY escapes, NULL markers and non-ASCII is stored exactly as sent, valid or not', async () => {
  const items = awkward.map((text, i) => ({ ...ibanItem(i + 1), itemExternalId: `ext ${text} ${i}`, recipientName: `name ${text}`, description: text }));
  // Invalid ones keep what could be read: a recipient type that is not one, and a missing name.
  items.push({ ...ibanItem(90), itemExternalId: 'bad\ttype', recipientType: 'IB\tAN\\N', description: null } as never);
  items.push({ ...ibanItem(91), itemExternalId: 'no name', recipientName: undefined, description: '\\N' } as never);
  const response = await service.signed(merchant, 'POST', '/v1/mass/payout/init', { externalId: 'copy-escapes', items });
  expect(response.status, response.text).toBe(200);
  const rows = await service.db.query<{ seq: number; item_external_id: string; recipient_type: string; recipient_name: string | null; description: string | null; status: string; error_codes: string[] }>(
    'select seq, item_external_id, recipient_type, recipient_name, description, status, error_codes from items where batch_id = $1 order by seq',
    [response.json.requestId],
  );
  expect(rows.rows).toHaveLength(items.length);
  awkward.forEach((text, i) => {
    expect(rows.rows[i]).toEqual({ seq: i, item_external_id: `ext ${text} ${i}`, recipient_type: 'IBAN', recipient_name: `name ${text}`, description: text, status: 'INIT', error_codes: [] });
  });
  expect(rows.rows[awkward.length]).toMatchObject({ item_external_id: 'bad\ttype', recipient_type: 'IB\tAN\\N', description: null, status: 'INVALID', error_codes: ['6103'] });
  expect(rows.rows[awkward.length + 1]).toMatchObject({ item_external_id: 'no name', recipient_name: null, description: '\\N', status: 'INVALID' });
  expect(rows.rows[awkward.length + 1].error_codes).toHaveLength(1);
});

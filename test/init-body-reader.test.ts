import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { scanJsonText } from '../src/api/input-guard.ts';
import { limits } from '../src/limits.ts';
import { FingerprintHasher, requestFingerprint } from '../src/payouts/fingerprint.ts';
import { InitBodyReader, type InitBodyOutcome } from '../src/wire/init-body-reader.ts';

/**
 * The streaming reader of init bodies against the definition it replaces: scanJsonText for the
 * nesting, then JSON.parse of the whole body. Every body is fed whole and cut into pieces of 1, 2,
 * 3 and 7 bytes, so that every member, item, string, escape and multi-byte character also straddles
 * a chunk boundary.
 */
function read(bytes: Buffer, pieceBytes: number): { outcome: InitBodyOutcome; items: unknown[]; before: unknown } {
  const reader = new InitBodyReader();
  const items: unknown[] = [];
  for (let at = 0; at < bytes.length; at += pieceBytes) items.push(...reader.push(bytes.subarray(at, at + pieceBytes)));
  return { outcome: reader.end(), items, before: reader.membersBeforeItems };
}

/** What reading `bytes` whole gives: the fault, or the body with `items` emptied and the items apart. */
function reference(bytes: Buffer): { fault?: string; body?: unknown; items: unknown[] } {
  if (bytes.length === 0) return { items: [] };
  if (scanJsonText(bytes).tooDeep) return { fault: 'NESTING_TOO_DEEP', items: [] };
  let parsed: unknown;
  try {
    parsed = JSON.parse(bytes.toString('utf8'));
  } catch {
    return { fault: 'MALFORMED_JSON', items: [] };
  }
  if (parsed && typeof parsed === 'object' && !Array.isArray(parsed) && Array.isArray((parsed as { items?: unknown }).items)) {
    const items = (parsed as { items: unknown[] }).items;
    return { body: { ...(parsed as object), items: [] }, items };
  }
  return { body: parsed, items: [] };
}

const item = (i: number) => ({ itemExternalId: `i-${i}`, recipientType: 'IBAN', recipientInfo: 'TR330006100519786457841326', recipientName: 'Ayşe Yılmaz', amount: { value: '10.50', currency: 'TRY' } });

const bodies: Array<string | Buffer> = [
  JSON.stringify({ externalId: 'a', purpose: 'SALARY', items: [item(1), item(2)] }),
  JSON.stringify({ items: [item(1), item(2)], externalId: 'after', conversationId: 'c' }),
  JSON.stringify({ locale: 'en', items: [], externalId: 'empty' }),
  JSON.stringify({ externalId: 'x', items: { a: 1 } }),
  JSON.stringify({ externalId: 'x', items: 5 }),
  JSON.stringify({ externalId: 'x' }),
  JSON.stringify({ externalId: 'x', items: [1, 'two', null, true, false, -0.5e3, [], {}, [[1]], { a: { b: [] } }] }),
  JSON.stringify({ externalId: 'esc', items: [{ a: 'q"uo\\te', b: '\u0000\ud800\n\t', c: 'ş ğ € 😀' }], d: '"}]' }),
  // Runs of backslashes, escaped quotes and quotes right after escapes, which the skip to the next quote must not misread.
  String.raw`{"items":[{"a":"\\","b":"\\\\","c":"\"","d":"x\\\"y","e":"\u0022\\u005c"},"\\\\\\\""],"f":"\"}"}`,
  String.raw`{"items":["\"]`,
  String.raw`{"items":["a\\"b"]}`,
  `  {\n\t"externalId" : "spaced" ,\r\n "items" : [ 1 , 2 ,{ "a" : [ ] } ] }  \n`,
  '{"a":1,"a":2,"items":[1],"a":3}',
  '{"__proto__":{"isAdmin":true},"items":[{"__proto__":1}]}',
  '{}',
  '[]',
  '[1,2,3]',
  '"text"',
  '123',
  '-1.5e+10',
  'null',
  'true',
  ' '.repeat(100),
  '',
  // Broken, in every place the reader tracks.
  '{', '}', '{"a":', '{"a" 1}', '[', 'nul', 'tru', '"unterminated', '{"a":1,}', '{"a":01}', '{"a":.5}', "{'a':1}", '{"a":NaN}', '{"a":undefined}',
  '\u0000', '{"a":"\u0000"}', '{"a":"\\x41"}', '\ufeff{}', '{"items":[1,]}', '{"items":[,1]}', '{"items":[1 2]}', '{"items":[1]]}', '{"items":[1]} x',
  '{"items":[1]}{}', '{"items":[{"a":1]}]}', '{"items":[{"a":1}', '{"items":[1,2', '{"a":1 "b":2}', '{"a"::1}', '{,"a":1}', '{"a":1}}', '{"a":[}', '{"a":1e}',
  '{"items":[tru]}', '{"items":["a"b]}', '{"items":[1}', '{"a":"x"y}',
  Buffer.from([0xff, 0xfe, 0x7b, 0x7d]),
  Buffer.from([0x7b, 0x22, 0x61, 0x22, 0x3a, 0x22, 0xc3, 0x28, 0x22, 0x7d]),
  Buffer.from([0xed, 0xa0, 0x80]),
  // Nesting: at the limit, past it, and past it while also broken (too deep wins, as scanJsonText first).
  `{"items":[${'['.repeat(limits.jsonDepthLevelsMax - 2)}${']'.repeat(limits.jsonDepthLevelsMax - 2)}]}`,
  `{"items":[${'['.repeat(limits.jsonDepthLevelsMax - 1)}${']'.repeat(limits.jsonDepthLevelsMax - 1)}]}`,
  `${'['.repeat(10_000)}${']'.repeat(10_000)}`,
  `{"a":${'{"a":'.repeat(5_000)}1${'}'.repeat(5_000)}}`,
  `{"a":1,,"b":${'['.repeat(40)}`,
  `{"a":"[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[["}`,
];

describe('InitBodyReader', () => {
  for (const [index, body] of bodies.entries()) {
    const bytes = Buffer.isBuffer(body) ? body : Buffer.from(body, 'utf8');
    it(`body ${index} (${bytes.toString('utf8').slice(0, 40)}) reads as JSON.parse reads it, in pieces of any size`, () => {
      const expected = reference(bytes);
      for (const pieceBytes of [bytes.length || 1, 1, 2, 3, 7]) {
        const { outcome, items } = read(bytes, pieceBytes);
        expect(outcome.fault, `pieces of ${pieceBytes}`).toBe(expected.fault);
        expect(outcome.refusal).toBeUndefined();
        if (expected.fault === undefined) {
          expect(outcome.body, `pieces of ${pieceBytes}`).toEqual(expected.body);
          expect(items, `pieces of ${pieceBytes}`).toEqual(expected.items);
        } else {
          // A broken or too-deep body hands over no item after the fault; none of these has one before it but the valid prefix.
          expect(items.length).toBeLessThanOrEqual(1);
        }
      }
    });
  }

  it('keeps `__proto__` as an own member, as JSON.parse does, never as a prototype', () => {
    const { outcome } = read(Buffer.from('{"__proto__":{"isAdmin":true},"items":[1]}'), 5);
    const body = outcome.body as Record<string, unknown>;
    expect(Object.getPrototypeOf(body)).toBe(Object.prototype);
    expect(Object.keys(body)).toEqual(['__proto__', 'items']);
    expect((body as { isAdmin?: unknown }).isAdmin).toBeUndefined();
  });

  it('says which members came before the items, for the legacy fingerprint', () => {
    expect(read(Buffer.from(JSON.stringify({ externalId: 'e', purpose: 'BONUS', items: [1] })), 4).before).toEqual({ externalId: 'e', purpose: 'BONUS' });
    expect(read(Buffer.from(JSON.stringify({ items: [1], externalId: 'e' })), 4).before).toEqual({});
  });

  it('refuses an item or a member over its size, and items given twice, without holding them', () => {
    const bigItem = JSON.stringify({ externalId: 'x', items: [{ description: 'd'.repeat(limits.initItemBytesMax) }] });
    expect(read(Buffer.from(bigItem), 4096).outcome.refusal).toMatch(/^body\/items\/0 is larger than/);
    const bigMember = JSON.stringify({ externalId: 'x', conversationId: 'c'.repeat(limits.initMemberBytesMax), items: [1] });
    expect(read(Buffer.from(bigMember), 4096).outcome.refusal).toMatch(/^body\/conversationId is larger than/);
    expect(read(Buffer.from('{"items":[1],"items":[2]}'), 3).outcome.refusal).toBe('body/items must appear once');
    // Just under the limits: taken.
    const fits = JSON.stringify({ externalId: 'x', items: [{ d: 'd'.repeat(limits.initItemBytesMax - 20) }] });
    const fine = read(Buffer.from(fits), 1000);
    expect(fine.outcome.refusal).toBeUndefined();
    expect(fine.items).toHaveLength(1);
  });

  it('a too-deep body still has its top-level strings read, wherever they stand', () => {
    const deep = `{"conversationId":"first","a":${'['.repeat(40)}${']'.repeat(40)},"locale":"en"}`;
    const { outcome } = read(Buffer.from(deep), 3);
    expect(outcome.fault).toBe('NESTING_TOO_DEEP');
    expect(outcome.body).toMatchObject({ conversationId: 'first', locale: 'en' });
  });
});

describe('the request fingerprint', () => {
  const items = [item(1), item(2), { odd: [1, 'x'] }];
  it('does not depend on where externalId and purpose stand, nor on whitespace or number spelling', () => {
    const whole = requestFingerprint({ externalId: 'e', purpose: 'SALARY', items });
    const streamed = new FingerprintHasher();
    for (const value of JSON.parse(JSON.stringify(items, null, 2).replace('"10.50"', '"10.50"'))) streamed.add(value);
    expect(streamed.finish('e', 'SALARY').value).toBe(whole.value);
    expect(requestFingerprint({ externalId: 'e', items }).value).not.toBe(whole.value);
    expect(requestFingerprint({ externalId: 'f', purpose: 'SALARY', items }).value).not.toBe(whole.value);
    expect(requestFingerprint({ externalId: 'e', purpose: 'SALARY', items: items.slice(1) }).value).not.toBe(whole.value);
  });

  it('gives the form batches were stored with before, when externalId and purpose came before the items', () => {
    const legacy = createHash('sha256').update(JSON.stringify(['e', 'SALARY', items])).digest('hex');
    expect(requestFingerprint({ externalId: 'e', purpose: 'SALARY', items }).legacy).toBe(legacy);
    const known = new FingerprintHasher({ externalId: 'e', purpose: 'SALARY' });
    for (const value of items) known.add(value);
    expect(known.finish('e', 'SALARY').legacy).toBe(legacy);
    // Purpose not yet seen when the items began, and then given after them: the old form is unknown.
    const unsure = new FingerprintHasher({ externalId: 'e', purpose: undefined });
    for (const value of items) unsure.add(value);
    expect(unsure.finish('e', 'SALARY').legacy).toBeUndefined();
    // More than one hash update's worth of items.
    const many = Array.from({ length: 2500 }, (_, i) => item(i));
    expect(requestFingerprint({ externalId: 'm', items: many }).legacy).toBe(createHash('sha256').update(JSON.stringify(['m', null, many])).digest('hex'));
  });
});

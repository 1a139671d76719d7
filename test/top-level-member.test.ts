import { describe, expect, it } from 'vitest';
import { topLevelStringMember } from '../src/api/top-level-member.ts';

/** The one-pass look-up of a large refused body's conversationId agrees with JSON.parse where it answers. */
const of = (text: string) => topLevelStringMember(Buffer.from(text, 'utf8'), 'conversationId');

describe('topLevelStringMember', () => {
  it.each([
    ['{"conversationId":"c-1"}', 'c-1'],
    [' \n{ "items" : [ {"conversationId":"nested"}, "]}", 1.5e3, [[]] ], "conversationId" : "c-2" , "x": null } \r\n', 'c-2'],
    ['{"conversationId":"first","a":{"b":"}"},"conversationId":"last"}', 'last'],
    ['{"conversationId":"Ay\\u015fe \\"q\\" şç"}', 'Ayşe "q" şç'],
    ['{"a":true,"b":false,"c":-0.5E+2,"conversationId":"c-3"}', 'c-3'],
  ])('%s → %s, as JSON.parse', (text, expected) => {
    expect(of(text)).toBe(expected);
    expect(JSON.parse(text).conversationId).toBe(expected);
  });

  it.each([
    ['no such member', '{"requestId":"x"}'],
    ['not a string', '{"conversationId":42}'],
    ['a later non-string replaces it', '{"conversationId":"c","conversationId":null}'],
    ['an empty object', '{}'],
    ['an array', '["conversationId","c"]'],
    ['cut short', '{"conversationId":"c","items":[1,2'],
    ['trailing bytes', '{"conversationId":"c"} x'],
    ['a bad scalar', '{"conversationId":"c","n":01}'],
    ['mismatched brackets', '{"conversationId":"c","a":[}]}'],
    ['a raw control byte in a string', '{"conversationId":"c\n"}'],
    ['a bad escape', '{"conversationId":"\\x"}'],
    ['a missing comma', '{"conversationId":"c" "a":1}'],
  ])('%s: nothing', (_case, text) => {
    expect(of(text)).toBeUndefined();
  });

  it('finds the id after megabytes of items', () => {
    const items = Array.from({ length: 10_000 }, (_, i) => ({ itemExternalId: `i-${i}`, recipientInfo: 'TR330006100519786457841326', amount: { value: '1.00', currency: 'TRY' }, description: 'x'.repeat(100) }));
    const text = Buffer.from(JSON.stringify({ externalId: 'big', items, conversationId: 'at-the-end' }));
    expect(text.length).toBeGreaterThan(2_000_000);
    expect(topLevelStringMember(text, 'conversationId')).toBe('at-the-end');
  });
});

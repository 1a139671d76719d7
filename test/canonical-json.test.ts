import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { canonicalJson, canonicalPrefixer, eventHash, eventHashAt, type HashedContent } from '../src/audit/canonical.ts';

/**
 * canonicalJson and eventHash are built for volume (cached key orders, the event's fixed top-level
 * order written out). Every stored audit hash depends on their exact bytes, so they are held here to
 * the plain definition: keys sorted by code unit at every depth, undefined members dropped.
 */
function reference(value: unknown): string {
  if (value === null || typeof value !== 'object') return JSON.stringify(value ?? null);
  if (Array.isArray(value)) return `[${value.map(reference).join(',')}]`;
  const entries = Object.entries(value as Record<string, unknown>)
    .filter(([, v]) => v !== undefined)
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${reference(v)}`).join(',')}}`;
}

function referenceHash(prevHash: string, event: HashedContent): string {
  const content = reference({ ...event, chainId: event.chainId.toString(), seq: event.seq.toString() });
  return createHash('sha256').update(prevHash).update(content).digest('hex');
}

const tricky: unknown[] = [
  null,
  undefined,
  true,
  0,
  -1.5e300,
  'plain',
  'quote " backslash \\ newline \n nul \u0000 emoji \ud83d\ude00',
  [],
  [undefined, null, 1, [2, [3]]],
  {},
  { a: undefined },
  { b: 1, a: 2, B: 3, '': 4, é: 5, '\uffff': 6, '\ud83d\ude00': 7, '10': 8, '9': 9 },
  // two key sets with the same NUL-joined signature must not share a cached order
  { 'a\u0000b': 1, c: 2 },
  { a: 1, 'b\u0000c': 2 },
  { c: 2, 'a\u0000b': 1 },
  { nested: { z: [{ y: 1, x: undefined, w: { v: null } }], a: 'x' }, date: new Date(0) },
];

describe('canonicalJson', () => {
  it('writes exactly what the plain definition writes, also on a second pass through its key-order cache', () => {
    for (let pass = 0; pass < 2; pass++) {
      for (const value of tricky) expect(canonicalJson(value), JSON.stringify(value)).toBe(reference(value));
    }
  });

  it('gives the same key order whatever order the keys were inserted in', () => {
    expect(canonicalJson({ b: 1, a: { d: 1, c: 2 } })).toBe(canonicalJson({ a: { c: 2, d: 1 }, b: 1 }));
  });
});

describe('eventHash', () => {
  const base: HashedContent = {
    chainId: 42n,
    seq: 7n,
    at: '2026-01-02T03:04:05.678Z',
    actor: 'worker:host:1:abc/0',
    action: 'ledger.transfer',
    entity: 'transfer:9',
    requestId: '3f0c3c2e-5d7b-4d53-9a3e-0b7f1f7a2b11',
    before: null,
    after: { kind: 'payout', debitAccountId: '3', creditAccountId: '5', amount: '12345', currency: 'TRY', itemId: '9' },
  };
  const prev = 'ab'.repeat(32);

  it('hashes the canonical event, for every shape an event can have', () => {
    const variants: HashedContent[] = [
      base,
      { ...base, requestId: null },
      { ...base, before: { status: 'QUEUED' }, after: { status: 'SUCCESS', rail: 'wallet', memberId: '7000001' } },
      { ...base, before: undefined, after: undefined },
      { ...base, after: { text: 'quote " and \\ and \u0000' }, actor: 'merchant:"odd"', entity: 'item:\n' },
    ];
    for (const event of variants) expect(eventHash(prev, event)).toBe(referenceHash(prev, event));
  });

  it('hashes the same from a prefix rendered before the seq is known (canonicalPrefixer, eventHashAt)', () => {
    const variants: HashedContent[] = [
      base,
      { ...base, requestId: null },
      { ...base, before: { status: 'QUEUED' }, after: { status: 'SUCCESS', rail: 'wallet' } },
      { ...base, after: { text: 'quote " and \\ and \u0000' }, actor: 'merchant:"odd"', entity: 'item:\n' },
      { ...base, seq: 12345678901234n },
    ];
    for (const { seq, ...rest } of variants) {
      const prefixOf = canonicalPrefixer(rest);
      const prefix = prefixOf(rest.action, rest.entity, canonicalJson(rest.before), canonicalJson(rest.after));
      expect(eventHashAt(prev, prefix, seq)).toBe(referenceHash(prev, { ...rest, seq }));
    }
  });

  it('changes when any field changes', () => {
    const hash = eventHash(prev, base);
    expect(eventHash(prev, { ...base, seq: 8n })).not.toBe(hash);
    expect(eventHash(prev, { ...base, after: { ...(base.after as object), amount: '12346' } })).not.toBe(hash);
    expect(eventHash('cd'.repeat(32), base)).not.toBe(hash);
  });
});

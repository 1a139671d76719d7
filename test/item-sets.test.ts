import { describe, expect, it } from 'vitest';
import { afterForItem, itemSetEvents, itemSetSpanSeqs, rangesContain, runsOf } from '../src/audit/item-sets.ts';
import { namedSeqs } from './support/item-stories.ts';

describe('set-level item events', () => {
  it('names a chunk’s items as ranges, in one event', () => {
    const events = itemSetEvents(runsOf([7, 3, 4, 5, 9, 10]), { status: 'PROCESSING' }, { status: 'QUEUED' });
    expect(events).toEqual([
      { action: 'items.status', entity: 'items:3-10', before: { status: 'PROCESSING' }, after: { status: 'QUEUED', items: { from: 3, to: 10, count: 6, seqs: '3-5,7,9-10' } } },
    ]);
    expect([2, 3, 5, 6, 7, 8, 10, 11].map((seq) => rangesContain('3-5,7,9-10', seq))).toEqual([false, true, true, false, true, false, true, false]);
  });

  it('cuts a whole batch at span windows, so an item’s events start at most one span before its seq', () => {
    const count = 2 * itemSetSpanSeqs + 5;
    const events = itemSetEvents([{ low: 0, high: 9 }, { low: 11, high: count - 1 }], { status: 'INIT' }, { status: 'PROCESSING' });
    expect(events.map((e) => (e.after as any).items)).toEqual([
      { from: 0, to: itemSetSpanSeqs - 1, count: itemSetSpanSeqs - 1, seqs: `0-9,11-${itemSetSpanSeqs - 1}` },
      { from: itemSetSpanSeqs, to: 2 * itemSetSpanSeqs - 1, count: itemSetSpanSeqs, seqs: `${itemSetSpanSeqs}-${2 * itemSetSpanSeqs - 1}` },
      { from: 2 * itemSetSpanSeqs, to: count - 1, count: 5, seqs: `${2 * itemSetSpanSeqs}-${count - 1}` },
    ]);
    const named = events.flatMap((e) => namedSeqs((e.after as any).items.seqs));
    expect(named).toHaveLength(count - 1);
    expect(new Set(named).has(10)).toBe(false);
    for (const e of events) expect((e.after as any).items.to - (e.after as any).items.from).toBeLessThan(itemSetSpanSeqs);
  });

  it('refuses a seq named twice, and shows an item its change without the others', () => {
    expect(() => runsOf([1, 2, 2])).toThrow(/named twice/);
    expect(afterForItem({ status: 'SUCCESS', rail: 'bank', items: { from: 1, to: 2, count: 2, seqs: '1-2' } })).toEqual({ status: 'SUCCESS', rail: 'bank' });
    expect(afterForItem({ status: 'SUCCESS' })).toEqual({ status: 'SUCCESS' });
    expect(afterForItem(null)).toBeNull();
  });
});

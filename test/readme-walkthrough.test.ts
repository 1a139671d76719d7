import { expect } from 'vitest';
import { walkthroughBlockTest } from './support/walkthrough.ts';

/**
 * The README walkthrough's first block, as printed: the payroll paid through the sandbox bank, from
 * a fresh data dir (test/support/walkthrough.ts runs it; the bank simulator's block has a file of its own).
 */
walkthroughBlockTest('runs the README walkthrough as printed, from a fresh data dir to a completed payroll', 0, ({ stdout, stderr, output }) => {
  for (const line of [
    'examples/payroll.csv:19 (P-2026-01-018): The IBAN is invalid',
    'examples/payroll.csv:20 (P-2026-01-019): recipientName is required for IBAN payouts',
    'examples/payroll.csv:21 (P-2026-01-020): The amount must be greater than zero with at most two fraction digits',
    'examples/payroll.csv:22 (P-2026-01-021): All items of a mass payout must share one currency',
  ]) {
    expect(stderr, output).toContain(line);
  }
  expect(stdout.match(/\tSUCCESS\t/g), output).toHaveLength(16);
  // auth after submit, and the batch's audit trail ending with the batch turning COMPLETED.
  expect(stdout, output).toMatch(/^batch [0-9a-f-]{36} is authorised: /m);
  expect(stdout, output).toMatch(/^\d+,[^,]+,worker:[^,]+,batch\.status,batch:[0-9a-f-]{36},.*COMPLETED/m);
});

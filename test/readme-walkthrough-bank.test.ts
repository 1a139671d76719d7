import { expect } from 'vitest';
import { walkthroughBlockTest } from './support/walkthrough.ts';

/**
 * The README walkthrough's second block, as printed: the same payroll paid through the bank
 * simulator as ISO 20022 files, on a scratch folder of its own (test/support/walkthrough.ts runs it).
 */
walkthroughBlockTest('runs the README walkthrough through the bank simulator as printed: the payroll paid as ISO 20022 files', 1, ({ stdout, output }) => {
  // The 14 valid IBAN payouts went out in pain.001 files the bank accepted, and its reports came back.
  const out = [...stdout.matchAll(/^OUT ACCEPTED\s+pain\.001\.MP\w+\.xml {2}(\d+) tx/gm)].map((m) => Number(m[1]));
  expect(out.reduce((a, b) => a + b, 0), output).toBe(14);
  expect(stdout, output).toMatch(/^IN {2}PROCESSED pain\.002\.BNK\w+\.xml/m);
  expect(stdout, output).toMatch(/^pain\.001\.MP\w+\.xml$/m);
});

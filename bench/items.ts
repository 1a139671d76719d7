import { parseMinor } from '../src/money.ts';

/**
 * The benchmark's batches: mixed recipients with correct check digits, computed per item (never a
 * few values repeated, so that no cache or index sees an unrealistically small key set), and a few
 * invalid items of each kind, as a real merchant's file would have.
 *
 * Of every 1,000 items: 700 IBAN, 100 MEMBER_ID, 100 PHONE, 95 IDENTITY_NUMBER, 5 invalid (a bad
 * IBAN checksum, a bad identity check digit, an amount of 0, an IBAN without recipientName, a phone
 * that is not E.164). In a batch that will be paid, 5 of the IBANs end in 99 (the bank rejects
 * them: the release path) and 5 wallet items name nobody registered (the wallet rejects them). The
 * bank rail's figure uses the same generator with IBANs only. One generator, so every figure's
 * items are made the same way.
 */

export interface BenchMember {
  memberId: string;
  phone: string;
  identityNumber: string;
}

export interface GeneratedBatch {
  items: Record<string, unknown>[];
  valid: number;
  invalid: number;
  /** Valid items the rails will reject (sandbox IBAN …99, unknown wallet recipient). */
  willFail: number;
  /** Σ amount (minor units) of the valid items that will be paid. */
  paidAmountMinor: bigint;
  /** The amounts of the items that will be paid, for the expected commission. */
  paidAmountsMinor: bigint[];
}

/** mod 97 of a digit string built from the BBAN and the country code moved to the end (ISO 13616). */
function mod97(digits: string): number {
  let rest = 0;
  for (let i = 0; i < digits.length; i++) rest = (rest * 10 + (digits.charCodeAt(i) - 48)) % 97;
  return rest;
}

/** A TR IBAN (26 chars) for a 16-digit account number; `breakChecksum` gives it wrong check digits. */
export function trIban(account: string, breakChecksum = false): string {
  const bban = `000610${account.padStart(16, '0')}`;
  // T = 29, R = 27; check digits = 98 − (bban ‖ "2927" ‖ "00") mod 97
  let check = 98 - mod97(`${bban}292700`);
  if (breakChecksum) check = check === 97 ? 2 : check + 1;
  return `TR${String(check).padStart(2, '0')}${bban}`;
}

/** An 11-digit Turkish identity number from 9 leading digits (first non-zero) plus both check digits. */
export function identityNumber(n: number, breakCheck = false): string {
  const base = String(100_000_000 + (n % 800_000_000));
  const d = [...base].map(Number);
  const tenth = (((d[0] + d[2] + d[4] + d[6] + d[8]) * 7 - (d[1] + d[3] + d[5] + d[7])) % 10 + 10) % 10;
  let eleventh = (d.reduce((sum, digit) => sum + digit, 0) + tenth) % 10;
  if (breakCheck) eleventh = (eleventh + 1) % 10;
  return `${base}${tenth}${eleventh}`;
}

export function phoneOf(n: number): string {
  return `+90555${String(n).padStart(7, '0')}`;
}

/** Wallet members for a settle run: member ids, phones and identity numbers of their own. */
export function benchMembers(count: number): BenchMember[] {
  return Array.from({ length: count }, (_, i) => ({
    memberId: String(7_000_000 + i),
    phone: phoneOf(5_000_000 + i),
    identityNumber: identityNumber(300_000_000 + i),
  }));
}

/** 1.00 .. 5,000.00 with every cent value in use; every third amount is a JSON number, as clients mix them. */
function amountOf(n: number): { value: string | number; minor: bigint } {
  const minor = 100 + ((n * 7919) % 499_901);
  const text = `${Math.floor(minor / 100)}.${String(minor % 100).padStart(2, '0')}`;
  return n % 3 === 0 ? { value: Number(text), minor: parseMinor(Number(text))! } : { value: text, minor: BigInt(minor) };
}

/** What a generated batch is for. */
export interface BatchShape {
  /** 'mixed': the mix above; 'iban': IBANs only (the bank rail's figure), none of them invalid. */
  recipients?: 'mixed' | 'iban';
  /** Wallet members the wallet items name (round robin); none: made-up recipients, which init does not look up. */
  members?: readonly BenchMember[];
  /** The batch will be paid: plant the items the rails reject (IBANs ending 99, unknown wallet recipients). */
  settled?: boolean;
}

/**
 * `count` items of the given shape. IBAN account numbers end in n mod 97 (00..96), or 99 for a
 * planted rejection: 97 and 98 answer late on the bank simulator, 98 on the sandbox bank, which
 * would measure their clocks, not the engine.
 */
export function generateBatch(count: number, shape: BatchShape = {}): GeneratedBatch {
  const members = shape.members ?? [];
  const ibanOnly = shape.recipients === 'iban';
  const items: Record<string, unknown>[] = new Array(count);
  let invalid = 0;
  let willFail = 0;
  let paidAmountMinor = 0n;
  const paidAmountsMinor: bigint[] = [];
  for (let n = 0; n < count; n++) {
    const slot = n % 1000;
    const amount = amountOf(n);
    const base = { itemExternalId: `bench-${n}`, amount: { value: amount.value, currency: 'TRY' } };
    const member = members.length > 0 ? members[n % members.length] : undefined;
    let item: Record<string, unknown>;
    let pays = true;
    if (slot < 700 || ibanOnly) {
      // slots 0..4 end 99 in a batch that will be paid: rejected by the bank
      const rejected = shape.settled === true && slot < 5;
      const account = `${String(n).padStart(11, '0')}${String(slot).padStart(3, '0')}${rejected ? '99' : String(n % 97).padStart(2, '0')}`;
      item = { ...base, recipientType: 'IBAN', recipientInfo: trIban(account), recipientName: `Recipient ${n}`, description: `salary ${n}` };
      if (rejected) pays = false;
    } else if (slot < 800) {
      const unknown = shape.settled === true && slot < 705;
      item = { ...base, recipientType: 'MEMBER_ID', recipientInfo: unknown ? String(9_000_000_000 + n) : (member?.memberId ?? String(1_000_000 + n)) };
      if (unknown) pays = false;
    } else if (slot < 900) {
      item = { ...base, recipientType: 'PHONE', recipientInfo: member?.phone ?? phoneOf(n) };
    } else if (slot < 995) {
      item = { ...base, recipientType: 'IDENTITY_NUMBER', recipientInfo: member?.identityNumber ?? identityNumber(n) };
    } else {
      invalid += 1;
      items[n] = invalidItem(n, slot, base);
      continue;
    }
    items[n] = item;
    if (pays) {
      paidAmountMinor += amount.minor;
      paidAmountsMinor.push(amount.minor);
    } else {
      willFail += 1;
    }
  }
  return { items, valid: count - invalid, invalid, willFail, paidAmountMinor, paidAmountsMinor };
}

function invalidItem(n: number, slot: number, base: Record<string, unknown>): Record<string, unknown> {
  switch (slot) {
    case 995:
      return { ...base, recipientType: 'IBAN', recipientInfo: trIban(String(n).padStart(16, '0'), true), recipientName: `Recipient ${n}` };
    case 996:
      return { ...base, recipientType: 'IDENTITY_NUMBER', recipientInfo: identityNumber(n, true) };
    case 997:
      return { ...base, amount: { value: '0', currency: 'TRY' }, recipientType: 'PHONE', recipientInfo: phoneOf(n) };
    case 998:
      return { ...base, recipientType: 'IBAN', recipientInfo: trIban(String(n).padStart(16, '0')) };
    default:
      return { ...base, recipientType: 'PHONE', recipientInfo: `0555${n}` };
  }
}

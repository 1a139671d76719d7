import { isValidIBAN } from 'ibantools';
import type { IsoStatus } from '../rails/iso20022/pain002.ts';
import type { ReadPain001 } from '../rails/iso20022/read-pain001.ts';
import { isoAmount } from '../rails/iso20022/amounts.ts';

/**
 * What the simulated bank does with a transaction, by the creditor IBAN's last two digits, like the
 * sandbox bank: 99 is rejected (AC04, account closed); 98 is pending first and settled later; 97 is
 * paid, then returned (AC06, account blocked) a few seconds later; anything else is paid and booked.
 */
export type Fate = { status: 'RJCT'; reason: string } | { status: 'PDNG' } | { status: 'ACSC'; returnReason?: string };

export function fateOf(iban: string): Fate {
  const tail = iban.slice(-2);
  if (tail === '99') return { status: 'RJCT', reason: 'AC04' };
  if (tail === '98') return { status: 'PDNG' };
  if (tail === '97') return { status: 'ACSC', returnReason: 'AC06' };
  return { status: 'ACSC' };
}

/** File-level checks, as a bank runs them before it looks at a single payment: the first failure, as an ISO reason code. */
export function fileRejection(file: ReadPain001, seenMsgIds: ReadonlySet<string>): { reason: string; detail: string } | undefined {
  if (seenMsgIds.has(file.msgId)) return { reason: 'DU01', detail: `message id ${file.msgId} was received before` };
  const all = file.blocks.flatMap((b) => b.transfers);
  if (file.declaredCount !== String(all.length)) return { reason: 'AM18', detail: `NbOfTxs ${file.declaredCount}, ${all.length} transactions` };
  const sum = all.reduce((s, t) => s + t.amount, 0n);
  if (file.declaredSum !== '' && file.declaredSum !== isoAmount(sum)) return { reason: 'AM10', detail: `CtrlSum ${file.declaredSum}, transactions sum to ${isoAmount(sum)}` };
  for (const block of file.blocks) {
    if (block.declaredCount !== undefined && block.declaredCount !== String(block.transfers.length)) return { reason: 'AM18', detail: `${block.pmtInfId}: NbOfTxs ${block.declaredCount}` };
    const blockSum = block.transfers.reduce((s, t) => s + t.amount, 0n);
    if (block.declaredSum !== undefined && block.declaredSum !== isoAmount(blockSum)) return { reason: 'AM10', detail: `${block.pmtInfId}: CtrlSum ${block.declaredSum}` };
  }
  const badIban = all.find((t) => !isValidIBAN(t.creditorIban));
  if (badIban) return { reason: 'AC01', detail: `${badIban.endToEndId}: IBAN ${badIban.creditorIban} fails its check digits` };
  const ids = new Set<string>();
  for (const t of all) {
    if (ids.has(t.endToEndId)) return { reason: 'AM05', detail: `EndToEndId ${t.endToEndId} twice in one file` };
    ids.add(t.endToEndId);
  }
  return undefined;
}

export type { IsoStatus };

import type { Currency } from '../../money.ts';
import { isoAmount } from './amounts.ts';
import { namespaceOf, type PainVersion } from './messages.ts';
import { buildDocument, type XmlNode } from './xml.ts';

export interface Debtor {
  name: string;
  iban: string;
  bic?: string;
}

export interface CreditTransfer {
  /** The item's referenceCode without hyphens: 32 characters, within the 35 allowed. */
  endToEndId: string;
  amount: bigint;
  currency: Currency;
  creditorName: string;
  creditorIban: string;
  /** Unstructured remittance information; cut to the 140 characters ISO 20022 allows. */
  remittance: string | null;
  /** YYYY-MM-DD. */
  executionDate: string;
}

export interface Pain001File {
  version: PainVersion;
  msgId: string;
  createdAt: Date;
  debtor: Debtor;
  transfers: readonly CreditTransfer[];
}

/** Max140Text: names and remittance lines longer than that are cut, never refused by the bank. */
const text140 = (value: string) => (value.length <= 140 ? value : [...value].slice(0, 140).join(''));

/** The sum of a list of amounts, the CtrlSum of a group or a payment block. */
export function controlSum(transfers: readonly { amount: bigint }[]): bigint {
  return transfers.reduce((sum, t) => sum + t.amount, 0n);
}

/**
 * One PmtInf per currency and requested execution date, in a stable order (currency, date), the
 * transactions in the order given: the same input always makes the same bytes, so a file the engine
 * recorded but did not write before a crash is written again exactly as it was recorded.
 */
export function paymentBlocks(transfers: readonly CreditTransfer[]): { currency: Currency; executionDate: string; transfers: CreditTransfer[] }[] {
  const blocks = new Map<string, { currency: Currency; executionDate: string; transfers: CreditTransfer[] }>();
  for (const transfer of transfers) {
    const key = `${transfer.currency} ${transfer.executionDate}`;
    const block = blocks.get(key) ?? { currency: transfer.currency, executionDate: transfer.executionDate, transfers: [] };
    block.transfers.push(transfer);
    blocks.set(key, block);
  }
  return [...blocks.entries()].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)).map(([, block]) => block);
}

/** ISO date-time without fractions, in UTC: what every bank's parser takes. */
function isoDateTime(at: Date): string {
  return at.toISOString().replace(/\.\d{3}Z$/, 'Z');
}

/** A CustomerCreditTransferInitiation, pain.001.001.09 (the default) or .001.001.03. */
export function buildPain001(file: Pain001File): string {
  if (file.transfers.length === 0) throw new Error('a pain.001 needs at least one transaction');
  const v09 = file.version === 'pain.001.001.09';
  const agent = file.debtor.bic ? { FinInstnId: { [v09 ? 'BICFI' : 'BIC']: file.debtor.bic } } : { FinInstnId: { Othr: { Id: 'NOTPROVIDED' } } };
  const blocks = paymentBlocks(file.transfers).map((block, index): XmlNode => ({
    PmtInfId: `${file.msgId}-${index + 1}`,
    PmtMtd: 'TRF',
    BtchBookg: 'true',
    NbOfTxs: String(block.transfers.length),
    CtrlSum: isoAmount(controlSum(block.transfers)),
    ReqdExctnDt: v09 ? { Dt: block.executionDate } : block.executionDate,
    Dbtr: { Nm: text140(file.debtor.name) },
    DbtrAcct: { Id: { IBAN: file.debtor.iban }, Ccy: block.currency },
    DbtrAgt: agent,
    ChrgBr: 'SLEV',
    CdtTrfTxInf: block.transfers.map((t) => ({
      PmtId: { EndToEndId: t.endToEndId },
      Amt: { InstdAmt: { '@_Ccy': t.currency, '#text': isoAmount(t.amount) } },
      Cdtr: { Nm: text140(t.creditorName) },
      CdtrAcct: { Id: { IBAN: t.creditorIban } },
      RmtInf: t.remittance ? { Ustrd: text140(t.remittance) } : undefined,
    })),
  }));
  return buildDocument(namespaceOf(file.version), {
    CstmrCdtTrfInitn: {
      GrpHdr: {
        MsgId: file.msgId,
        CreDtTm: isoDateTime(file.createdAt),
        NbOfTxs: String(file.transfers.length),
        CtrlSum: isoAmount(controlSum(file.transfers)),
        InitgPty: { Nm: text140(file.debtor.name) },
      },
      PmtInf: blocks,
    },
  });
}

import type { Currency } from '../../money.ts';
import { isCurrency } from '../../money.ts';
import { isoAmount, minorFromIso } from './amounts.ts';
import { namespaceOf, type NotificationVersion } from './messages.ts';
import { buildDocument, child, children, optionalChild, optionalText, text, textAt, XmlFormatError, type XmlNode } from './xml.ts';

/** One transaction of a booking: a debit paying one of our transfers, or a credit returning one. */
export interface BookedTransaction {
  endToEndId: string;
  amount: bigint;
  currency: Currency;
  direction: 'DBIT' | 'CRDT';
  /** BOOK; PDNG and INFO entries are read but move nothing. */
  booked: boolean;
  /** YYYY-MM-DD. */
  bookingDate?: string;
  /** The return reason (AC04, AC06, MD07, …) of a credit with return information. */
  returnReason?: string;
}

/** A BankToCustomerDebitCreditNotification, camt.054.001.08 or .001.02. */
export interface Notification {
  kind: 'camt.054';
  version: NotificationVersion;
  msgId: string;
  createdAt: string;
  transactions: BookedTransaction[];
}

function amountOf(node: XmlNode | undefined, where: string): { amount: bigint; currency: Currency } {
  const currency = node?.['@_Ccy'];
  if (!isCurrency(currency)) throw new XmlFormatError(`${where}: currency "${String(currency ?? '')}" is not one we pay in`);
  return { amount: minorFromIso(optionalText(node, '#text'), where), currency };
}

/** Sts is a code in .001.02 and a choice (`<Sts><Cd>`) from .001.05 on. */
function entryStatus(entry: XmlNode, where: string): string {
  const status = optionalText(entry, 'Sts') ?? textAt(entry, ['Sts', 'Cd']);
  if (status !== 'BOOK' && status !== 'PDNG' && status !== 'INFO') throw new XmlFormatError(`${where}: entry status "${status ?? ''}" is not BOOK, PDNG or INFO`);
  return status;
}

export function parseCamt054(version: NotificationVersion, document: XmlNode): Notification {
  const body = child(document, 'BkToCstmrDbtCdtNtfctn', 'camt.054');
  const header = child(body, 'GrpHdr', 'camt.054');
  const transactions: BookedTransaction[] = [];
  for (const notification of children(body, 'Ntfctn')) {
    for (const [n, entry] of children(notification, 'Ntry').entries()) {
      const where = `entry ${n + 1}`;
      const total = amountOf(optionalChild(entry, 'Amt'), where);
      const direction = optionalText(entry, 'CdtDbtInd');
      if (direction !== 'DBIT' && direction !== 'CRDT') throw new XmlFormatError(`${where}: CdtDbtInd "${direction ?? ''}" is not DBIT or CRDT`);
      const booked = entryStatus(entry, where) === 'BOOK';
      const bookingDate = textAt(entry, ['BookgDt', 'Dt']);
      const details = children(entry, 'NtryDtls').flatMap((d) => children(d, 'TxDtls'));
      let sum = 0n;
      for (const tx of details) {
        const endToEndId = textAt(tx, ['Refs', 'EndToEndId']);
        if (endToEndId === undefined) throw new XmlFormatError(`${where}: a transaction without Refs/EndToEndId`);
        // .001.08 puts the amount on TxDtls; .001.02 under AmtDtls/TxAmt.
        const amountNode = optionalChild(tx, 'Amt') ?? optionalChild(optionalChild(optionalChild(tx, 'AmtDtls'), 'TxAmt'), 'Amt');
        const { amount, currency } = amountNode ? amountOf(amountNode, `transaction ${endToEndId}`) : details.length === 1 ? total : amountOf(undefined, `transaction ${endToEndId}`);
        if (currency !== total.currency) throw new XmlFormatError(`transaction ${endToEndId}: ${currency} in an entry of ${total.currency}`);
        sum += amount;
        const rtrInf = optionalChild(tx, 'RtrInf');
        const returnReason = rtrInf ? (textAt(rtrInf, ['Rsn', 'Cd']) ?? textAt(rtrInf, ['Rsn', 'Prtry']) ?? 'NARR') : undefined;
        transactions.push({ endToEndId, amount, currency, direction, booked, bookingDate, returnReason });
      }
      // A batch booking's amount is the sum of its transactions: a file whose parts disagree was altered.
      if (details.length > 0 && sum !== total.amount) throw new XmlFormatError(`${where}: the entry's amount ${isoAmount(total.amount)} is not the sum of its transactions ${isoAmount(sum)}`);
    }
  }
  return { kind: 'camt.054', version, msgId: text(header, 'MsgId', 'GrpHdr'), createdAt: text(header, 'CreDtTm', 'GrpHdr'), transactions };
}

export interface NotificationInput {
  version: 'camt.054.001.08';
  msgId: string;
  createdAt: Date;
  accountIban: string;
  /** One entry per element: a debit batch booking, or a single returned credit. */
  entries: readonly { direction: 'DBIT' | 'CRDT'; bookingDate: string; transactions: readonly { endToEndId: string; amount: bigint; currency: Currency; returnReason?: string }[] }[];
}

/** Bookings on the debtor's account (the bank simulator's side of the codec). */
export function buildCamt054(input: NotificationInput): string {
  const at = input.createdAt.toISOString().replace(/\.\d{3}Z$/, 'Z');
  return buildDocument(namespaceOf(input.version), {
    BkToCstmrDbtCdtNtfctn: {
      GrpHdr: { MsgId: input.msgId, CreDtTm: at },
      Ntfctn: {
        Id: input.msgId,
        CreDtTm: at,
        Acct: { Id: { IBAN: input.accountIban } },
        Ntry: input.entries.map((entry) => {
          const total = entry.transactions.reduce((sum, t) => sum + t.amount, 0n);
          const returned = entry.direction === 'CRDT';
          return {
            Amt: { '@_Ccy': entry.transactions[0].currency, '#text': isoAmount(total) },
            CdtDbtInd: entry.direction,
            Sts: { Cd: 'BOOK' },
            BookgDt: { Dt: entry.bookingDate },
            ValDt: { Dt: entry.bookingDate },
            BkTxCd: { Domn: { Cd: 'PMNT', Fmly: { Cd: 'ICDT', SubFmlyCd: returned ? 'RRTN' : 'DMCT' } } },
            NtryDtls: {
              TxDtls: entry.transactions.map((t) => ({
                Refs: { EndToEndId: t.endToEndId },
                Amt: { '@_Ccy': t.currency, '#text': isoAmount(t.amount) },
                CdtDbtInd: entry.direction,
                RtrInf: t.returnReason ? { Rsn: { Cd: t.returnReason } } : undefined,
              })),
            },
          };
        }),
      },
    },
  });
}

import { isCurrency, type Currency } from '../../money.ts';
import { minorFromIso } from './amounts.ts';
import { painVersions, type PainVersion } from './messages.ts';
import { child, children, optionalText, parseDocument, text, textAt, XmlFormatError } from './xml.ts';

/** A pain.001 as a bank reads it (the bank simulator's side of the codec). */
export interface ReadPain001 {
  version: PainVersion;
  msgId: string;
  declaredCount: string;
  declaredSum: string;
  blocks: {
    pmtInfId: string;
    declaredCount?: string;
    declaredSum?: string;
    transfers: { endToEndId: string; amount: bigint; currency: Currency; creditorIban: string }[];
  }[];
}

export function readPain001(xml: string): ReadPain001 {
  const { namespace, root } = parseDocument(xml);
  const version = namespace.replace(/^urn:iso:std:iso:20022:tech:xsd:/, '');
  if (!(painVersions as readonly string[]).includes(version)) throw new XmlFormatError(`namespace ${namespace} is not a pain.001 we read`);
  const body = child(root, 'CstmrCdtTrfInitn', 'pain.001');
  const header = child(body, 'GrpHdr', 'pain.001');
  return {
    version: version as PainVersion,
    msgId: text(header, 'MsgId', 'GrpHdr'),
    declaredCount: text(header, 'NbOfTxs', 'GrpHdr'),
    declaredSum: optionalText(header, 'CtrlSum') ?? '',
    blocks: children(body, 'PmtInf').map((block) => ({
      pmtInfId: text(block, 'PmtInfId', 'PmtInf'),
      declaredCount: optionalText(block, 'NbOfTxs'),
      declaredSum: optionalText(block, 'CtrlSum'),
      transfers: children(block, 'CdtTrfTxInf').map((tx) => {
        const endToEndId = textAt(tx, ['PmtId', 'EndToEndId']) ?? '';
        const instructed = child(child(tx, 'Amt', endToEndId), 'InstdAmt', endToEndId);
        const currency = instructed['@_Ccy'];
        if (!isCurrency(currency)) throw new XmlFormatError(`${endToEndId}: currency ${String(currency)}`);
        return { endToEndId, amount: minorFromIso(optionalText(instructed, '#text'), endToEndId), currency, creditorIban: textAt(tx, ['CdtrAcct', 'Id', 'IBAN']) ?? '' };
      }),
    })),
  };
}

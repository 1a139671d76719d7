import { namespaceOf, type StatusReportVersion } from './messages.ts';
import { buildDocument, child, children, optionalText, text, textAt, XmlFormatError, type XmlNode } from './xml.ts';

/** Transaction and group statuses of ExternalPaymentTransactionStatus1Code / ExternalPaymentGroupStatus1Code. */
export const isoStatuses = ['RCVD', 'ACTC', 'ACCP', 'ACSP', 'ACSC', 'ACCC', 'ACWC', 'ACWP', 'ACFC', 'PART', 'PDNG', 'RJCT', 'BLCK'] as const;
export type IsoStatus = (typeof isoStatuses)[number];

export interface TransactionStatus {
  endToEndId: string;
  status: IsoStatus;
  /** The ISO reason code (AC04, …) of a rejection, when the bank gave one. */
  reason?: string;
}

/** A CustomerPaymentStatusReport, pain.002.001.10 or .001.03, as the bank sent it. */
export interface StatusReport {
  kind: 'pain.002';
  version: StatusReportVersion;
  msgId: string;
  createdAt: string;
  originalMsgId: string;
  originalTxCount?: number;
  groupStatus?: IsoStatus;
  groupReason?: string;
  transactions: TransactionStatus[];
}

function isoStatus(value: string | undefined, where: string): IsoStatus {
  if (!isoStatuses.includes(value as IsoStatus)) throw new XmlFormatError(`${where}: "${value ?? ''}" is not a payment status code`);
  return value as IsoStatus;
}

/** ExternalStatusReason1Code: four letters or digits. */
function reasonOf(node: XmlNode | undefined, where: string): string | undefined {
  const infos = children(node, 'StsRsnInf');
  const code = infos.map((info) => textAt(info, ['Rsn', 'Cd']) ?? textAt(info, ['Rsn', 'Prtry'])).find((c) => c !== undefined);
  if (code !== undefined && !/^[A-Z0-9]{1,35}$/.test(code)) throw new XmlFormatError(`${where}: "${code}" is not a reason code`);
  return code;
}

export function parsePain002(version: StatusReportVersion, document: XmlNode): StatusReport {
  const report = child(document, 'CstmrPmtStsRpt', 'pain.002');
  const header = child(report, 'GrpHdr', 'pain.002');
  const original = child(report, 'OrgnlGrpInfAndSts', 'pain.002');
  const count = optionalText(original, 'OrgnlNbOfTxs');
  if (count !== undefined && !/^\d{1,15}$/.test(count)) throw new XmlFormatError(`OrgnlNbOfTxs "${count}" is not a number`);
  const groupStatus = optionalText(original, 'GrpSts');
  const transactions = children(report, 'OrgnlPmtInfAndSts').flatMap((block) =>
    children(block, 'TxInfAndSts').map((tx) => {
      const endToEndId = text(tx, 'OrgnlEndToEndId', 'TxInfAndSts');
      return { endToEndId, status: isoStatus(optionalText(tx, 'TxSts'), `transaction ${endToEndId}`), reason: reasonOf(tx, `transaction ${endToEndId}`) };
    }),
  );
  return {
    kind: 'pain.002',
    version,
    msgId: text(header, 'MsgId', 'GrpHdr'),
    createdAt: text(header, 'CreDtTm', 'GrpHdr'),
    originalMsgId: text(original, 'OrgnlMsgId', 'OrgnlGrpInfAndSts'),
    originalTxCount: count === undefined ? undefined : Number(count),
    groupStatus: groupStatus === undefined ? undefined : isoStatus(groupStatus, 'GrpSts'),
    groupReason: reasonOf(original, 'OrgnlGrpInfAndSts'),
    transactions,
  };
}

export interface StatusReportInput {
  version: StatusReportVersion;
  msgId: string;
  createdAt: Date;
  originalMsgId: string;
  originalMsgName: string;
  originalTxCount: number;
  groupStatus: IsoStatus;
  groupReason?: string;
  /** Each with the PmtInfId of its payment block in the original pain.001. */
  transactions: readonly (TransactionStatus & { pmtInfId: string })[];
}

const reasonNode = (reason: string | undefined): XmlNode | undefined => (reason === undefined ? undefined : { Rsn: { Cd: reason } });

/** What a bank sends back for a pain.001 (the bank simulator's side of the codec). */
export function buildPain002(input: StatusReportInput): string {
  return buildDocument(namespaceOf(input.version), {
    CstmrPmtStsRpt: {
      GrpHdr: { MsgId: input.msgId, CreDtTm: input.createdAt.toISOString().replace(/\.\d{3}Z$/, 'Z') },
      OrgnlGrpInfAndSts: {
        OrgnlMsgId: input.originalMsgId,
        OrgnlMsgNmId: input.originalMsgName,
        OrgnlNbOfTxs: String(input.originalTxCount),
        GrpSts: input.groupStatus,
        StsRsnInf: reasonNode(input.groupReason),
      },
      OrgnlPmtInfAndSts: [...new Set(input.transactions.map((t) => t.pmtInfId))].map((pmtInfId) => ({
        OrgnlPmtInfId: pmtInfId,
        TxInfAndSts: input.transactions
          .filter((t) => t.pmtInfId === pmtInfId)
          .map((t) => ({ OrgnlEndToEndId: t.endToEndId, TxSts: t.status, StsRsnInf: reasonNode(t.reason) })),
      })),
    },
  });
}

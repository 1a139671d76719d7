import { describe, expect, it } from 'vitest';
import { buildCamt054 } from '../src/rails/iso20022/camt054.ts';
import { buildPain001, type CreditTransfer } from '../src/rails/iso20022/pain001.ts';
import { buildPain002 } from '../src/rails/iso20022/pain002.ts';
import { readIncomingMessage } from '../src/rails/iso20022/read-message.ts';
import { readPain001 } from '../src/rails/iso20022/read-pain001.ts';
import { XmlFormatError } from '../src/rails/iso20022/xml.ts';
import { trIban, validIbans } from './support/items.ts';
import { schemaErrors } from './support/iso20022-xsd.ts';

const transfer = (n: number, over: Partial<CreditTransfer> = {}): CreditTransfer => ({
  endToEndId: n.toString(16).padStart(32, '0'),
  amount: BigInt(n * 100 + 5),
  currency: 'TRY',
  creditorName: `Alıcı ${n} & Şirketi <Ltd>`,
  creditorIban: trIban(n),
  remittance: `maaş ${n}`,
  executionDate: '2026-12-01',
  ...over,
});
const debtor = { name: 'Masspayout Ödeme A.Ş.', iban: 'TR330006100519786457841326' };

describe('pain.001 (what the engine sends)', () => {
  it('is valid against the official pain.001.001.09 schema: several currencies, long texts, no remittance, with and without a BIC', () => {
    const transfers = [
      transfer(1),
      transfer(2, { currency: 'EUR', creditorIban: validIbans[1] }),
      transfer(3, { remittance: null, creditorName: 'x'.repeat(200) }),
      transfer(4, { remittance: 'ü'.repeat(256), executionDate: '2026-12-02' }),
    ];
    for (const bic of [undefined, 'TGBATRISXXX']) {
      const xml = buildPain001({ version: 'pain.001.001.09', msgId: 'MP20261201000000ABCDEF01', createdAt: new Date('2026-12-01T10:00:00.123Z'), debtor: { ...debtor, bic }, transfers });
      expect(schemaErrors('pain.001.001.09', xml)).toEqual([]);
      const read = readPain001(xml);
      // One payment block per currency and execution date, each with its own count and sum.
      expect(read.blocks.map((b) => [b.transfers[0].currency, b.declaredCount, b.declaredSum])).toEqual([['EUR', '1', '2.05'], ['TRY', '2', '4.10'], ['TRY', '1', '4.05']]);
      expect([read.declaredCount, read.declaredSum]).toEqual(['4', '10.20']);
    }
  });

  it('is the same bytes every time it is built from the same rows (a file written again after a crash is the recorded one)', () => {
    const file = { version: 'pain.001.001.09' as const, msgId: 'MP1', createdAt: new Date('2026-12-01T10:00:00Z'), debtor, transfers: [transfer(5), transfer(6)] };
    expect(buildPain001(file)).toBe(buildPain001({ ...file, transfers: [transfer(5), transfer(6)] }));
  });

  it('writes .001.001.03 by setting (checked against the German banks\' SEPA variant of it, which takes EUR only)', () => {
    const xml = buildPain001({ version: 'pain.001.001.03', msgId: 'MP3', createdAt: new Date(), debtor: { ...debtor, iban: validIbans[1], bic: 'COBADEFFXXX' }, transfers: [transfer(7, { currency: 'EUR', creditorIban: validIbans[1], creditorName: 'Max Mustermann' })] });
    expect(schemaErrors('pain.001.001.03', xml)).toEqual([]);
  });

  it('refuses to build an empty file', () => {
    expect(() => buildPain001({ version: 'pain.001.001.09', msgId: 'MP4', createdAt: new Date(), debtor, transfers: [] })).toThrow(/at least one/);
  });
});

describe('pain.002 and camt.054 (what the bank sends back)', () => {
  it('reads a pain.002.001.10 that is valid against the official schema: group and transaction statuses with reasons', () => {
    const xml = buildPain002({
      version: 'pain.002.001.10',
      msgId: 'BNK1',
      createdAt: new Date(),
      originalMsgId: 'MP1',
      originalMsgName: 'pain.001.001.09',
      originalTxCount: 2,
      groupStatus: 'PART',
      transactions: [
        { endToEndId: 'a'.repeat(32), pmtInfId: 'MP1-1', status: 'ACSC' },
        { endToEndId: 'b'.repeat(32), pmtInfId: 'MP1-2', status: 'RJCT', reason: 'AC04' },
      ],
    });
    expect(schemaErrors('pain.002.001.10', xml)).toEqual([]);
    expect(readIncomingMessage(xml)).toMatchObject({
      kind: 'pain.002',
      version: 'pain.002.001.10',
      msgId: 'BNK1',
      originalMsgId: 'MP1',
      originalTxCount: 2,
      groupStatus: 'PART',
      transactions: [
        { endToEndId: 'a'.repeat(32), status: 'ACSC', reason: undefined },
        { endToEndId: 'b'.repeat(32), status: 'RJCT', reason: 'AC04' },
      ],
    });
  });

  it('reads a pain.002.001.03 with a prefixed root, as some banks write it', () => {
    const xml = `<?xml version="1.0"?><n:Document xmlns:n="urn:iso:std:iso:20022:tech:xsd:pain.002.001.03"><n:CstmrPmtStsRpt><n:GrpHdr><n:MsgId>B3</n:MsgId><n:CreDtTm>2026-12-01T10:00:00</n:CreDtTm></n:GrpHdr>
      <n:OrgnlGrpInfAndSts><n:OrgnlMsgId>MP9</n:OrgnlMsgId><n:OrgnlMsgNmId>pain.001.001.03</n:OrgnlMsgNmId><n:GrpSts>RJCT</n:GrpSts><n:StsRsnInf><n:Rsn><n:Cd>FF01</n:Cd></n:Rsn></n:StsRsnInf></n:OrgnlGrpInfAndSts></n:CstmrPmtStsRpt></n:Document>`;
    expect(readIncomingMessage(xml)).toMatchObject({ kind: 'pain.002', version: 'pain.002.001.03', originalMsgId: 'MP9', groupStatus: 'RJCT', groupReason: 'FF01', transactions: [] });
  });

  it('reads camt.054.001.08 bookings (a batch debit, a returned credit) and .001.02 ones', () => {
    const xml = buildCamt054({
      version: 'camt.054.001.08',
      msgId: 'BNK2',
      createdAt: new Date(),
      accountIban: debtor.iban,
      entries: [
        { direction: 'DBIT', bookingDate: '2026-12-01', transactions: [{ endToEndId: 'a'.repeat(32), amount: 1000n, currency: 'TRY' }, { endToEndId: 'c'.repeat(32), amount: 250n, currency: 'TRY' }] },
        { direction: 'CRDT', bookingDate: '2026-12-03', transactions: [{ endToEndId: 'c'.repeat(32), amount: 250n, currency: 'TRY', returnReason: 'AC06' }] },
      ],
    });
    expect(readIncomingMessage(xml)).toMatchObject({
      kind: 'camt.054',
      transactions: [
        { endToEndId: 'a'.repeat(32), amount: 1000n, direction: 'DBIT', booked: true, returnReason: undefined },
        { endToEndId: 'c'.repeat(32), amount: 250n, direction: 'DBIT', booked: true },
        { endToEndId: 'c'.repeat(32), amount: 250n, direction: 'CRDT', booked: true, bookingDate: '2026-12-03', returnReason: 'AC06' },
      ],
    });
    const v02 = `<?xml version="1.0"?><Document xmlns="urn:iso:std:iso:20022:tech:xsd:camt.054.001.02"><BkToCstmrDbtCdtNtfctn><GrpHdr><MsgId>B4</MsgId><CreDtTm>2026-12-01T10:00:00</CreDtTm></GrpHdr>
      <Ntfctn><Id>N1</Id><Acct><Id><IBAN>${debtor.iban}</IBAN></Id></Acct><Ntry><Amt Ccy="TRY">12.50</Amt><CdtDbtInd>DBIT</CdtDbtInd><Sts>BOOK</Sts><BookgDt><Dt>2026-12-01</Dt></BookgDt>
      <NtryDtls><TxDtls><Refs><EndToEndId>${'d'.repeat(32)}</EndToEndId></Refs><AmtDtls><TxAmt><Amt Ccy="TRY">12.50</Amt></TxAmt></AmtDtls></TxDtls></NtryDtls></Ntry></Ntfctn></BkToCstmrDbtCdtNtfctn></Document>`;
    expect(readIncomingMessage(v02)).toMatchObject({ kind: 'camt.054', version: 'camt.054.001.02', transactions: [{ endToEndId: 'd'.repeat(32), amount: 1250n, booked: true }] });
  });

  it('refuses, as a format error, what it cannot read whole: truncated, another message, an unknown status, an entry whose parts disagree', () => {
    const good = buildPain002({ version: 'pain.002.001.10', msgId: 'B5', createdAt: new Date(), originalMsgId: 'MP1', originalMsgName: 'pain.001.001.09', originalTxCount: 1, groupStatus: 'ACCP', transactions: [{ endToEndId: 'a'.repeat(32), pmtInfId: 'MP1-1', status: 'ACSC' }] });
    const refused = (xml: string) => {
      try {
        readIncomingMessage(xml);
        return 'read';
      } catch (error) {
        return error instanceof XmlFormatError ? error.message : `not a format error: ${String(error)}`;
      }
    };
    expect(refused(good.slice(0, good.length - 40))).toMatch(/not well-formed/);
    expect(refused(good.replace('pain.002.001.10', 'pain.008.001.02'))).toMatch(/is not a pain.002/);
    expect(refused(good.replace('<TxSts>ACSC</TxSts>', '<TxSts>PAID</TxSts>'))).toMatch(/not a payment status code/);
    const camt = buildCamt054({ version: 'camt.054.001.08', msgId: 'B6', createdAt: new Date(), accountIban: debtor.iban, entries: [{ direction: 'DBIT', bookingDate: '2026-12-01', transactions: [{ endToEndId: 'a'.repeat(32), amount: 1000n, currency: 'TRY' }, { endToEndId: 'b'.repeat(32), amount: 1n, currency: 'TRY' }] }] });
    expect(refused(camt.replace('<Amt Ccy="TRY">10.01</Amt>', '<Amt Ccy="TRY">10.02</Amt>'))).toMatch(/not the sum of its transactions/);
    expect(refused(camt.replace('<Amt Ccy="TRY">0.01</Amt>', '<Amt Ccy="TRY">0.001</Amt>'))).toMatch(/is not an amount/);
  });
});

describe('the XML reader (one pass, checked as it parses)', () => {
  const report = buildPain002({
    version: 'pain.002.001.10',
    msgId: 'B7',
    createdAt: new Date('2026-12-01T10:00:00Z'),
    originalMsgId: 'MP7',
    originalMsgName: 'pain.001.001.09',
    originalTxCount: 2,
    groupStatus: 'PART',
    transactions: [
      { endToEndId: 'a'.repeat(32), pmtInfId: 'MP7-1', status: 'ACSC' },
      { endToEndId: 'b'.repeat(32), pmtInfId: 'MP7-1', status: 'RJCT', reason: 'AC04' },
    ],
  });
  const formatError = (xml: string) => {
    try {
      readIncomingMessage(xml);
      return undefined;
    } catch (error) {
      if (!(error instanceof XmlFormatError)) throw error;
      return error.message;
    }
  };

  it('refuses the report cut short at every byte before its end tag, and reads it whole', () => {
    const end = report.indexOf('</Document>') + '</Document>'.length;
    const accepted = [];
    for (let n = 0; n < end; n++) if (formatError(report.slice(0, n)) === undefined) accepted.push(n);
    expect(accepted).toEqual([]);
    expect(formatError(report)).toBeUndefined();
    expect(readIncomingMessage(report)).toMatchObject({ transactions: [{ status: 'ACSC' }, { status: 'RJCT', reason: 'AC04' }] });
  });

  it('refuses what is not well-formed, even where a lenient parser reads something', () => {
    const cases: [string, string, RegExp][] = [
      ['mismatched end tag', report.replace('</TxSts>', '</TxStatus>'), /<\/TxStatus> closes <TxSts>/],
      ['crossed elements', report.replace('<TxSts>ACSC</TxSts>', '<TxSts><Cd>ACSC</TxSts></Cd>'), /closes <Cd>/],
      ['a second root', `${report}<Document/>`, /a second root element/],
      ['text after the root', `${report}trailing`, /text after the root element/],
      ['a DOCTYPE', report.replace('?>', '?><!DOCTYPE Document [<!ENTITY x "y">]>'), /DOCTYPE/],
      ['an unknown entity', report.replace('<MsgId>B7', '<MsgId>B7&x;'), /&x; is not an entity/],
      ['a bare ampersand', report.replace('<MsgId>B7', '<MsgId>B7 & co'), /starts no entity reference/],
      ['an unquoted attribute', report.replace('xmlns="', 'xmlns=x "'), /is not quoted/],
      ['an attribute twice', report.replace('<Document ', '<Document a="1" a="2" '), /attribute a twice/],
    ];
    for (const [what, xml, message] of cases) expect(formatError(xml), what).toMatch(message);
  });

  it('decodes entities and CDATA, keeps comments out, and reads a prefixed document by its prefix', () => {
    const xml = report
      .replace('<MsgId>B7</MsgId>', '<MsgId><![CDATA[B]]>&#55;<!-- a note --></MsgId>')
      .replace('<OrgnlMsgId>MP7</OrgnlMsgId>', '<OrgnlMsgId>MP&#x37;</OrgnlMsgId>');
    expect(readIncomingMessage(xml)).toMatchObject({ msgId: 'B7', originalMsgId: 'MP7' });
    const prefixed = report.replace('<Document xmlns=', '<p:Document xmlns:p=').replace('</Document>', '</p:Document>').replace(/<(\/?)(?!p:|\?)([A-Za-z])/g, '<$1p:$2');
    expect(readIncomingMessage(prefixed)).toEqual(readIncomingMessage(report));
    // Declared for another prefix than the root's: no namespace of its own.
    expect(formatError(prefixed.replace('xmlns:p=', 'xmlns:q='))).toMatch(/has no namespace/);
  });
});

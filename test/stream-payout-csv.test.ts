import { describe, expect, it } from 'vitest';
import { readPayoutCsv } from '../src/wire/read-payout-csv.ts';
import { streamPayoutCsv } from '../src/wire/stream-payout-csv.ts';
import { payoutCsvHeader as header } from './support/cli.ts';

/**
 * The streamed reader against the one that reads a file whole: the same rows, line numbers and
 * refusals for the files people write, whatever the chunks the file arrives in (a CRLF, a BOM, a
 * multi-byte character or a bad byte cut in two at a chunk's edge).
 */
const utf8 = (text: string) => Buffer.from(text, 'utf8');
const ibanLine = (id: string, rest = 'Ali Veli,10,TRY,') => `${id},IBAN,TR330006100519786457841326,${rest}`;

const files: Record<string, Buffer> = {
  'BOM, CRLF, quotes, Turkish text, blank lines': Buffer.concat([
    Buffer.from([0xef, 0xbb, 0xbf]),
    utf8(
      [
        header,
        ibanLine('S-1', '"Öztürk, Şükrü",1500.50,TRY,"Şubat maaşı, ""ikramiye"" dahil"'),
        '',
        '   ',
        ',,,,,,',
        ibanLine('S-4', '"Ayşe\r\nYılmaz",99.99,TRY,çok satırlı ad'),
        ibanLine('S-5', 'Gökhan Ağaoğlu,12.345,TRY,üç ondalık'),
        '',
      ].join('\r\n'),
    ),
  ]),
  'columns in another order, one left out, one extra': utf8('amount,currency,itemExternalId,recipientType,recipientInfo,extra\n1,TRY,A-1,MEMBER_ID,1001,x\n2.5,TRY,A-2,MEMBER_ID,1002,y'),
  'broken lines': utf8([header, ibanLine('B-1'), ibanLine('B-2', 'Yılmaz, Ahmet,10,TRY,comma'), ibanLine('B-3', '"Can "Cano" Er",10,TRY,bad quotes'), ibanLine('B-4')].join('\n')),
  'a quote never closed': utf8([header, ibanLine('Q-1'), ibanLine('Q-2', '"Ali Veli,10,TRY,')].join('\n') + '\n'),
  'a broken first line': utf8(['a,"b', header, ibanLine('F-1')].join('\n')),
  'a wrong header': utf8('id,type,iban,name,amount,currency\nx,IBAN,TR1,A,1,TRY\n'),
  'a header named twice': utf8(`${header},amount\n`),
  'semicolons': utf8(header.replaceAll(',', ';') + '\n'),
  'only a header': utf8(header + '\r\n\r\n'),
  'empty': utf8(''),
  'only blank lines': utf8('\n\n  \n'),
  'latin5 bytes': Buffer.concat([utf8(`${header}\n${ibanLine('L-1', '')}`), Buffer.from([0xde, 0xfd, 0xf0]), utf8(',1,TRY,\n')]),
  'a bad byte after a bad header': Buffer.concat([utf8('id,type\n1,2\n3,4\n'), Buffer.from([0xff]), utf8('\n')]),
  'a character cut off at the end': Buffer.concat([utf8(`${header}\n${ibanLine('C-1')}\n`), Buffer.from([0xc5])]),
  'a U+FFFD of its own before a bad byte': Buffer.concat([utf8(`${header}\n${ibanLine('R-1', 'A\uFFFDB,1,TRY,')}\n${ibanLine('R-2')}\n`), Buffer.from([0xff])]),
  'CR alone inside a field, CRLF at the end': utf8(`${header}\r\n${ibanLine('M-1', '"a\rb",1,TRY,')}\r\n${ibanLine('M-2')}\r\n`),
};

async function streamed(bytes: Buffer, chunkBytes: number) {
  const open = async function* () {
    for (let at = 0; at < bytes.length; at += chunkBytes) yield bytes.subarray(at, at + chunkBytes);
  };
  const reading = streamPayoutCsv(open);
  const rows = [];
  for await (const run of reading.runs) rows.push(...run);
  const result = reading.result();
  return result.ok ? { ok: true, rows: (expect(result.rows).toBe(rows.length), rows) } : { ok: false, problems: result.problems };
}

describe('streamPayoutCsv', () => {
  for (const [name, bytes] of Object.entries(files)) {
    it(`reads ${name} as readPayoutCsv does, in chunks of any size`, async () => {
      const whole = readPayoutCsv(bytes);
      for (const chunkBytes of [1, 2, 3, 5, 64, bytes.length || 1]) expect(await streamed(bytes, chunkBytes), `chunks of ${chunkBytes}`).toEqual(whole);
    });
  }

  it('reads 20,000 lines in runs, with the line of every row', async () => {
    const lines = [header];
    for (let i = 0; i < 20_000; i++) lines.push(i % 3 === 0 ? `R-${i},MEMBER_ID,${1000 + i},"Ad\nSoyad",1.00,TRY,` : `R-${i},MEMBER_ID,${1000 + i},Ad,1.00,TRY,`);
    const bytes = utf8(lines.join('\r\n'));
    const whole = readPayoutCsv(bytes);
    expect(whole.ok && whole.rows.length).toBe(20_000);
    const runs: number[] = [];
    const reading = streamPayoutCsv(async function* () {
      for (let at = 0; at < bytes.length; at += 4096) yield bytes.subarray(at, at + 4096);
    });
    const rows = [];
    for await (const run of reading.runs) {
      runs.push(run.length);
      rows.push(...run);
    }
    expect({ ok: true, rows }).toEqual(whole);
    expect(Math.max(...runs)).toBeLessThanOrEqual(1000);
    expect(reading.result()).toEqual({ ok: true, rows: 20_000 });
  });
});

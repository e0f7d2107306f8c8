import { describe, expect, it } from 'vitest';
import { BOM, buildCsv, csvField } from './csv';

describe('the records CSV', () => {
  it('starts with a UTF-8 byte order mark and Chinese headers, rows in CRLF', () => {
    const csv = buildCsv(['时间', '人员'], [['2020-06-01 08:00', '陈建国']]);
    expect(csv.startsWith(BOM)).toBe(true);
    expect(csv).toBe(`${BOM}时间,人员\r\n2020-06-01 08:00,陈建国\r\n`);
    expect(Array.from(new TextEncoder().encode(csv).slice(0, 3))).toEqual([0xef, 0xbb, 0xbf]);
  });

  it('quotes commas, quotes and line breaks', () => {
    expect(csvField('a,b')).toBe('"a,b"');
    expect(csvField('说"好"')).toBe('"说""好"""');
    expect(csvField('一\n二')).toBe('"一\n二"');
  });

  it('defuses text that Excel would run as a formula, not numbers', () => {
    expect(csvField('=HYPERLINK("x")')).toBe(`"'=HYPERLINK(""x"")"`);
    expect(csvField(-3)).toBe('-3');
    expect(csvField(null)).toBe('');
    expect(csvField(true)).toBe('true');
  });
});

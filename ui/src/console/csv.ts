// The records export: a CSV that Excel in a Chinese office opens as it is — UTF-8 with a byte
// order mark (without it Excel reads GBK and the Chinese is garbled), CRLF line ends, and every
// field that holds a comma, quote or line break quoted. A field that starts like a formula is
// prefixed with an apostrophe, so a note typed in the field cannot run in the office's Excel.

export const BOM = '\uFEFF';

export function csvField(value: string | number | boolean | null | undefined): string {
  if (value == null) return '';
  let s = String(value);
  if (/^[=+\-@\t\r]/.test(s) && typeof value === 'string') s = `'${s}`;
  return /[",\r\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
}

export function buildCsv(headers: string[], rows: (string | number | boolean | null | undefined)[][]): string {
  const lines = [headers, ...rows].map((r) => r.map(csvField).join(','));
  return BOM + lines.join('\r\n') + '\r\n';
}

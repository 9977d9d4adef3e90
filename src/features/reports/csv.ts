// A report's rows as CSV (RFC 4180) for Excel: UTF-8 with a byte order mark (without it Excel
// reads Chinese as the local code page), CRLF line ends, fields quoted when they hold a comma,
// quote or line break. A text cell starting with = + - @ (or a tab or carriage return) would be
// run as a formula by a spreadsheet (CSV injection): it gets a leading apostrophe, so it shows
// as the text it is. Numbers are written as numbers (a negative one is not text to neutralise).
import type { Cell, Row } from './report.js';

const BOM = '\uFEFF';
const FORMULA_START = /^[=+\-@\t\r]/;

export function csvCell(value: Cell): string {
  if (value === null) return '';
  if (typeof value === 'number') return String(value);
  const text = FORMULA_START.test(value) ? `'${value}` : value;
  return /[",\r\n]/.test(text) ? `"${text.replace(/"/g, '""')}"` : text;
}

export function toCsv(keys: readonly string[], rows: readonly Row[]): string {
  const lines = [keys.map(csvCell), ...rows.map((r) => keys.map((k) => csvCell(r[k] ?? null)))];
  return `${BOM}${lines.map((cells) => cells.join(',')).join('\r\n')}\r\n`;
}

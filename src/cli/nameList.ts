import { parseCsv } from '../solve/csv.js';

/**
 * The names of a `--exclude`-like flag: one CSV row, so a name that holds a comma is quoted as in
 * a CSV header (`'"price, usd",id'`); each name trimmed (as header names are) and kept once.
 * A string is the problem: an empty name, or a quote that nothing closes.
 */
export function parseNameList(raw: string): readonly string[] | string {
  let row: string[];
  try {
    row = parseCsv(raw).rows[0] ?? [''];
  } catch {
    return `a quote (") that nothing closes in "${raw}": quote a name that holds a comma as a CSV header does ('"price, usd",id')`;
  }
  const names = row.map((n) => n.trim());
  if (names.some((n) => n === '')) return `got "${raw}" (an empty name)`;
  return [...new Set(names)];
}

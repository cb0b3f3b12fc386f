/**
 * `CsvRowJoiner` (a CSV file's lines joined into rows, in `csvSource`) against the joiner it
 * replaced, kept here as the reference: that one read the lines after a given-up first line again
 * one by one (time quadratic in the lines of a row left open); this one keeps each line's quote
 * state. The same rows, in the same order, on fuzzed lines.
 */
import { describe, expect, it } from 'vitest';

import { CsvRowJoiner } from '../../connectors/file/csv.js';
import { continuedQuote, openQuote, parseCsv, QUOTE_BROKEN } from '../../src/internal.js';
import type { RawRecord } from '../../src/index.js';
import { Rng } from '../helpers/random.js';

/**
 * The joiner before (connectors/file/csv.ts at 9b77996), less its oversize-line branch's prefix,
 * with the rule added since: a line that breaks the row gives up its first line.
 */
class ReferenceJoiner {
  private pending: RawRecord[] = [];
  private pendingBytes = 0;

  constructor(private readonly maxBytes: number) {}

  push(line: RawRecord, out: RawRecord[]): void {
    if (line.bytes !== undefined) {
      if (this.pending.length === 0) out.push(line);
      else {
        out.push({
          value: textOf(this.pending[0]!.value).slice(0, 256),
          bytes: this.pendingBytes + line.bytes,
          position: line.position,
        });
        this.pending = [];
        this.pendingBytes = 0;
      }
      return;
    }
    this.pending.push(line);
    const text = textOf(line.value);
    // a line that breaks the row (continuedQuote): the first line given up, the rest read again
    if (this.pending.length > 1 && continuedQuote(text) === QUOTE_BROKEN) {
      for (const again of this.giveUpFirst(out)) this.push(again, out);
      return;
    }
    if (!openQuote(text, this.pending.length > 1)) return this.emit(out);
    if (this.pending.length === 1) this.pendingBytes = 0;
    this.pendingBytes += byteLength(line.value) + 1;
    if (this.pendingBytes > this.maxBytes) for (const again of this.giveUpFirst(out)) this.push(again, out);
  }

  end(out: RawRecord[]): void {
    while (this.pending.length > 0) for (const line of this.giveUpFirst(out)) this.push(line, out);
  }

  private emit(out: RawRecord[]): void {
    const lines = this.pending;
    this.pending = [];
    this.pendingBytes = 0;
    const position = lines[lines.length - 1]!.position;
    if (lines.length === 1 && typeof lines[0]!.value === 'string') {
      const text = lines[0]!.value;
      const value = text.endsWith('\r') ? text.slice(0, -1) : text;
      if (value.trim() !== '') out.push(value === text ? lines[0]! : { value, position });
      return;
    }
    if (lines.every((l) => typeof l.value === 'string')) {
      let value = lines.map((l) => l.value as string).join('\n');
      if (value.endsWith('\r')) value = value.slice(0, -1);
      out.push({ value, position });
      return;
    }
    const parts: Buffer[] = [];
    lines.forEach((l, k) => {
      if (k > 0) parts.push(Buffer.from('\n'));
      parts.push(Buffer.from(l.value));
    });
    out.push({ value: Buffer.concat(parts), position });
  }

  private giveUpFirst(out: RawRecord[]): RawRecord[] {
    const [first, ...rest] = this.pending;
    this.pending = [first!];
    this.emit(out);
    return rest;
  }
}

function textOf(value: string | Uint8Array): string {
  return typeof value === 'string' ? value : Buffer.from(value).toString('utf8');
}

function byteLength(value: string | Uint8Array): number {
  return typeof value === 'string' ? Buffer.byteLength(value) : value.length;
}

const PIECES = ['a', 'b1', '"', '"', ',', ',"', '""', ' ', 'é', '\u{1f600}', '"x"', 'x"y'];

/** Lines of quotes, commas and text; some blank, some with a `\r`, some as bytes, some oversize. */
function fuzzLines(rand: () => number, count: number): RawRecord[] {
  const lines: RawRecord[] = [];
  for (let i = 1; i <= count; i++) {
    const position = { source: 'f.csv', offset: String(i) };
    const kind = rand();
    if (kind < 0.03) {
      lines.push({ value: 'x'.repeat(8), bytes: 5000, position });
      continue;
    }
    let text = '';
    if (kind > 0.08) {
      const pieces = Math.floor(rand() * 8);
      for (let k = 0; k < pieces; k++) text += PIECES[Math.floor(rand() * PIECES.length)];
    }
    if (rand() < 0.1) text += '\r';
    lines.push({ value: rand() < 0.05 ? Buffer.from(text + '\u00ff') : text, position });
  }
  return lines;
}

function join(
  joiner: ReferenceJoiner | CsvRowJoiner,
  lines: readonly RawRecord[],
  batch: number,
): RawRecord[] {
  const out: RawRecord[] = [];
  lines.forEach((line, i) => {
    joiner.push(line, out);
    if (i % batch === batch - 1)
      out.push({ value: '-- batch end --', position: { source: 'f.csv', offset: 'end' } });
  });
  joiner.end(out);
  return out;
}

describe('CsvRowJoiner', () => {
  it('joins fuzzed lines into the reference joiner’s rows', () => {
    let rows = 0;
    let openRows = 0;
    for (let seed = 1; seed <= 300; seed++) {
      const rng = new Rng(seed);
      const rand = () => rng.next();
      const lines = fuzzLines(rand, 1 + Math.floor(rand() * 120));
      const maxBytes = 4 + Math.floor(rand() * 80);
      const batch = 1 + Math.floor(rand() * 40);
      const expected = join(new ReferenceJoiner(maxBytes), lines, batch);
      const actual = join(new CsvRowJoiner(maxBytes), lines, batch);
      expect(actual, `seed ${seed}`).toEqual(expected);
      rows += expected.length;
      openRows += expected.filter((r) => typeof r.value === 'string' && r.value.includes('\n')).length;
    }
    // the fuzz makes rows of several lines, and gives up rows (a line's record alone)
    expect(rows).toBeGreaterThan(5000);
    expect(openRows).toBeGreaterThan(100);
  });

  it('gives up the first line of a row that the next line’s quote would close into a stray quote', () => {
    const texts = ['2,"unclosed,3', '3,"b",4', '5,c,6', '1,"a', 'b', 'c"d"', '7,"x', 'y",8', '9,"p', 'q"r'];
    const lines = texts.map((value, i) => ({ value, position: { source: 'f.csv', offset: String(i + 1) } }));
    const rows = join(new CsvRowJoiner(1 << 20), lines, 1000).filter((r) => r.position.offset !== 'end');
    expect(rows.map((r) => [r.value, r.position.offset])).toEqual([
      ['2,"unclosed,3', '1'],
      ['3,"b",4', '2'],
      ['5,c,6', '3'],
      ['1,"a', '4'],
      ['b', '5'],
      ['c"d"', '6'],
      // a quoted field of two lines, closed where its field ends: one row, as before
      ['7,"x\ny",8', '8'],
      // closed and followed by text, no quote: one row, as before (its decoder keeps `q` + `r`)
      ['9,"p\nq"r', '10'],
    ]);
    // fit's reading (parseCsv with recovery) makes the same rows and gives up the same lines
    const parsed = parseCsv(`h1,h2,h3\n${texts.join('\n')}\n`, true);
    expect(parsed.rows.slice(1)).toEqual([
      ['3', 'b', '4'],
      ['5', 'c', '6'],
      ['b'],
      ['c"d"'],
      ['7', 'x\ny', '8'],
      ['9', 'p\nqr'],
    ]);
    expect(parsed.unterminated.map((u) => u.line)).toEqual([2, 5]);
    expect([...parsed.strayQuotes]).toEqual([4]);
    // without recovery (a row's own text, the header) nothing changes: the joined row, stray quote and all
    expect(parseCsv('2,"unclosed,3\n3,"b",4').rows).toEqual([['2', 'unclosed,3\n3,b"', '4']]);
  });

  it('gives up each line of a file of rows left open, in order, in one pass', () => {
    // each line closes the quote before it and opens another: one row open to the end of the file
    const count = 64_000;
    const lines = Array.from({ length: count }, (_, i) => ({
      value: 'a"b,"c',
      position: { source: 'f.csv', offset: String(i + 1) },
    }));
    const out = join(new CsvRowJoiner(1 << 20), lines, 1024).filter((r) => r.position.offset !== 'end');
    expect(out.length).toBe(count);
    expect(out.every((r, i) => r.value === 'a"b,"c' && r.position.offset === String(i + 1))).toBe(true);
  });
});

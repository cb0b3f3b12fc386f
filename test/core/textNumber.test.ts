import { describe, expect, it } from 'vitest';

import { textNumber } from '../../src/core/textNumber.js';
import { looksNumeric } from '../../src/features/numericStrings.js';
import { readCsvDesign } from '../../src/solve/csv.js';
import { CsvRowDecoder } from '../../src/stream/csvRows.js';

/**
 * Numbers in text cells (CSV): decimal only, as every CSV writer means them, and every spelling of
 * an infinite value read alike, so that `fit` and `replay` refuse them alike.
 */
describe('textNumber', () => {
  it('reads decimal numbers as Number does', () => {
    for (const s of ['0', '-0', '42', '+42', '-1.5', '.5', '5.', '1e3', '1E-3', '-2.5e+10', '007', '1e400'])
      expect(Object.is(textNumber(s), Number(s)), s).toBe(true);
  });

  it("leaves Number's hexadecimal, octal and binary forms as text, and the empty string", () => {
    for (const s of ['0x10', '0X1f', '0b11', '0B1', '0o7', '0O17', '', '1_000', '1,5', '$12', 'NaN'])
      expect(textNumber(s), s).toBeNaN();
  });

  it('reads inf and infinity in any case and with a sign as ±Infinity', () => {
    for (const s of ['inf', 'Inf', 'INF', '+inf', 'infinity', 'Infinity', '+Infinity', 'INFINITY'])
      expect(textNumber(s), s).toBe(Infinity);
    for (const s of ['-inf', '-Inf', '-Infinity', '-INFINITY']) expect(textNumber(s), s).toBe(-Infinity);
    for (const s of ['infin', 'info', '-in', 'inf1', '++inf']) expect(textNumber(s), s).toBeNaN();
  });

  it('counts only decimal strings as numbers sent as strings', () => {
    expect(looksNumeric('42')).toBe(true);
    expect(looksNumeric('0x10')).toBe(false);
  });
});

const csv = [
  'y,a,c',
  '1,1,0x10',
  '0,2,0b11',
  '1,3,0x10',
  '0,inf,x',
  '1,-Inf,x',
  '0,INFINITY,x',
  '1,4,5',
  '0,5,6',
].join('\n');

describe('CSV cells: fit and replay alike', () => {
  it('fit: 0x10 is a level of its column; every spelling of infinity is a rejected row', () => {
    const rejected: Array<{ line: number; reason: string }> = [];
    const d = readCsvDesign(csv, {
      target: 'y',
      family: 'binomial',
      onReject: (r) => rejected.push({ line: r.line, reason: r.reason }),
    });
    expect(rejected.map((r) => r.line)).toEqual([5, 6, 7]);
    for (const r of rejected) expect(r.reason).toMatch(/^column "a": ".*" is not a finite number/);
    expect(d.y).toHaveLength(5);
    expect(d.names).toContain('c=0x10');
    expect(d.names).toContain('c=0b11');
  });

  it('replay: the same rows rejected, the same text kept', () => {
    const decoder = new CsvRowDecoder(['y', 'a', 'c'], 'y', 'the test');
    const rows = csv.split('\n').slice(1);
    const out = rows.map((row) => decoder.decodeEvent(row, 'binomial'));
    expect(out.map((r) => r.ok)).toEqual([true, true, true, false, false, false, true, true]);
    const first = out[0]!;
    expect(first.ok && first.event.features.c).toBe('0x10');
    // an infinite label: named by its column, as a text label is
    const label = decoder.decodeEvent('1e400,1,x', 'gaussian');
    expect(!label.ok && label.reason).toMatch(
      /^column "y": "1e400" is not a finite number; the label column holds numbers/,
    );
    for (const r of out.slice(3, 6))
      expect(!r.ok && r.reason).toMatch(/^feature "a" is not a finite number \(-?Infinity\)/);
  });
});

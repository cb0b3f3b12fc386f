/**
 * The path plot's legend and top axis fit their room: 90 features named in capitals
 * (CUSTOMER_WALLET_MOMENTUM_INDEX_035) ran 26 characters of capitals (about 200 px) into the next
 * legend column and off the picture's right edge, the grey-lines note was cut off at the edge, and
 * the top axis title "non-zero" was drawn over the last count ("88non-zero").
 */
import { describe, expect, it } from 'vitest';

import { textWidth } from '../../src/plot/svg.js';
import { plotPathSvg } from '../../src/solve/plotSvg.js';

const p = 90;
const names = Array.from(
  { length: p },
  (_, j) => `CUSTOMER_WALLET_MOMENTUM_INDEX_${String(j).padStart(3, '0')}`,
);
// 97 λ: the top axis counts every 12th, the last one at the right edge, where all 90 are in
const fits = Array.from({ length: 97 }, (_, k) => ({
  lambda: Math.exp(-k / 10),
  coefficients: Float64Array.from({ length: p }, (_, j) => (k > j ? ((j % 7) - 3 || 1) * 0.01 * (k - j) : 0)),
}));
const svg = plotPathSvg(fits, names);
const width = Number(/<svg [^>]*width="(\d+)"/.exec(svg)![1]);

const unescape = (s: string) =>
  s
    .replace(/&lt;/g, '<')
    .replace(/&gt;/g, '>')
    .replace(/&quot;/g, '"')
    .replace(/&#39;/g, "'")
    .replace(/&amp;/g, '&');

describe('path plot legend and top axis', () => {
  it('every legend name ends before the next column starts (capitals are at least 0.6 em wide)', () => {
    const entries = [
      ...svg.matchAll(
        /<g class="legend-entry"><title>[^<]*<\/title><line x1="([\d.]+)"[^>]*\/><text x="([\d.]+)"[^>]*>([^<]*)<\/text>/g,
      ),
    ];
    expect(entries).toHaveLength(80);
    const columns = [...new Set(entries.map((m) => Number(m[1])))].sort((a, b) => a - b);
    expect(columns.length).toBeGreaterThan(1);
    const columnWidth = columns[1]! - columns[0]!;
    for (const m of entries) {
      const text = unescape(m[3]!);
      // a lower bound of its drawn width at 12 px: 0.6 em per capital, 0.5 em per other character
      let least = 0;
      for (const c of text) least += (/[A-Z]/.test(c) ? 0.6 : 0.5) * 12;
      expect(Number(m[2]) + least).toBeLessThanOrEqual(Number(m[1]) + columnWidth);
    }
  });

  it('the grey-lines note and "non-zero" fit the picture, clear of the counts', () => {
    const note = /<text x="([\d.]+)"[^>]*fill="#777">([^<]*more in grey[^<]*)<\/text>/.exec(svg)!;
    expect(Number(note[1]) + textWidth(unescape(note[2]!))).toBeLessThanOrEqual(width);
    const counts = [
      ...svg.matchAll(/<text x="([\d.]+)" y="52" text-anchor="middle" fill="#555">(\d+)<\/text>/g),
    ];
    const last = counts[counts.length - 1]!;
    expect(last[2]).toBe('90');
    const title = /<text x="([\d.]+)" y="52" fill="#555">non-zero<\/text>/.exec(svg)!;
    expect(Number(title[1])).toBeGreaterThan(Number(last[1]) + textWidth(last[2]!) / 2);
  });
});

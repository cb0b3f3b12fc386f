/**
 * The frame's y-axis title sits clear of its tick labels, however wide they are (report.html's
 * counts run to six digits: "-200,000" overlapped the title at its old fixed place).
 */
import { describe, expect, it } from 'vitest';

import { clipMiddle, drawFrame, labelWidth } from '../../src/plot/svg.js';

function frame(lo: number, hi: number) {
  const out: string[] = [];
  drawFrame(
    out,
    { left: 80, top: 20, width: 560, height: 280 },
    { lo: 0, hi: 1, label: 'x' },
    { lo, hi, label: 'y' },
  );
  const svg = out.join('\n');
  const title = Number(/translate\(([\d.]+) [\d.]+\) rotate\(-90\)[^>]*class="y-label"/.exec(svg)![1]);
  const labels = [
    ...svg.matchAll(/<text x="74" y="[\d.]+" text-anchor="end" dominant-baseline="middle">([^<]*)<\/text>/g),
  ].map((m) => m[1]!);
  return { title, labels };
}

describe('drawFrame', () => {
  it.each([
    [0, 1],
    [-250_000, 250_000],
    [0, 900_000],
  ])(
    'puts the y title (13 px high, centred on its x) left of the widest tick label: y from %d to %d',
    (lo, hi) => {
      const { title, labels } = frame(lo, hi);
      expect(labels.length).toBeGreaterThan(2);
      const widest = Math.max(...labels.map(labelWidth));
      // tick labels end at x = 74 (right-aligned); the title's glyphs reach about 7 px right of its x
      expect(title + 7).toBeLessThan(74 - widest);
      expect(title).toBeGreaterThanOrEqual(10);
    },
  );

  it('keeps the title where it was for short labels', () => {
    expect(frame(0, 1).title).toBe(28);
  });
});

describe('clipMiddle', () => {
  it('keeps names that share a long prefix apart, within the length', () => {
    const names = Array.from({ length: 20 }, (_, i) => `feature_with_a_really_long_description_${i}`);
    const shown = names.map((n) => clipMiddle(n, 30));
    expect(new Set(shown).size).toBe(20);
    for (const s of shown) expect([...s].length).toBe(30);
    expect(shown[7]).toBe('feature_with_a_reall…ription_7');
    expect(clipMiddle('short', 30)).toBe('short');
    expect(clipMiddle('abcdef', 2)).toBe('a…');
  });
});

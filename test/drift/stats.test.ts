import { readFileSync } from 'node:fs';

import { describe, expect, it } from 'vitest';

import { CountMinSketch, gStatistic } from '../../src/drift/index.js';
import { chiSquare1UpperQuantile, normalUpperQuantile } from '../../src/drift/stats.js';
import { Mulberry32 } from '../../bench/drift/streams.js';

/** Written by scripts/fixtures/drift/stats_reference.py (SciPy). */
const ref = JSON.parse(
  readFileSync(new URL('../fixtures/drift/stats_reference.json', import.meta.url), 'utf8'),
) as {
  normalUpper: Array<[number, number]>;
  chiSquare1Upper: Array<[number, number]>;
  gStatistic: Array<[number, number, number, number, number]>;
};

describe('test statistics and quantiles against SciPy', () => {
  it.each(ref.normalUpper)('normal upper quantile at %s', (p, z) => {
    expect(Math.abs(normalUpperQuantile(p) - z)).toBeLessThanOrEqual(1.5e-9 * Math.max(1, Math.abs(z)));
  });
  it.each(ref.chiSquare1Upper)('χ²(1) upper quantile at %s', (p, q) => {
    expect(Math.abs(chiSquare1UpperQuantile(p) - q)).toBeLessThanOrEqual(5e-9 * q);
  });
  it.each(ref.gStatistic)('G statistic of %s/%s vs %s/%s', (a, nA, b, nB, g) => {
    expect(gStatistic(a, nA, b, nB)).toBeCloseTo(g, 9);
  });
});

describe('CountMinSketch', () => {
  it('never underestimates, and overestimates by at most e·N/width for nearly all keys', () => {
    const cms = new CountMinSketch(256, 4);
    const truth = new Map<number, number>();
    const rng = new Mulberry32(3);
    for (let i = 0; i < 20_000; i++) {
      // a skewed key distribution over 5000 keys
      const key = Math.floor(5000 * rng.next() ** 3);
      cms.add(key);
      truth.set(key, (truth.get(key) ?? 0) + 1);
    }
    let within = 0;
    for (const [key, c] of truth) {
      const e = cms.estimate(key);
      expect(e).toBeGreaterThanOrEqual(c);
      if (e - c <= (Math.E * 20_000) / 256) within++;
    }
    // the bound holds with probability 1 − e^−4 ≈ 98% per key
    expect(within / truth.size).toBeGreaterThan(0.95);
    expect(cms.total).toBe(20_000);
  });

  it('is exact for a few keys, and scales, merges and clears', () => {
    const a = new CountMinSketch(1024, 4);
    const b = new CountMinSketch(1024, 4);
    a.add(7, 10);
    b.add(7, 5);
    b.add(9, 3);
    a.merge(b);
    expect([a.estimate(7), a.estimate(9), a.estimate(11)]).toEqual([15, 3, 0]);
    a.scale(0.5);
    expect(a.estimate(7)).toBe(7.5);
    a.clear();
    expect(a.estimate(7)).toBe(0);
  });
});

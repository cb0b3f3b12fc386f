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

  it('a key counts in the counters of the written-out hash, whatever the width; addEstimate is add then estimate', () => {
    // the hash of each row, modulo the width (a power-of-two width is masked instead)
    const counter = (key: number, row: number, width: number) => {
      const seed = (Math.imul(row + 1, 0x9e3779b1) ^ 0x85ebca6b) >>> 0;
      let h = (key ^ seed) >>> 0;
      h = Math.imul(h ^ (h >>> 16), 0x85ebca6b);
      h = Math.imul(h ^ (h >>> 13), 0xc2b2ae35);
      h ^= h >>> 16;
      return row * width + ((h >>> 0) % width);
    };
    const rng = new Mulberry32(5);
    for (const width of [16, 1000, 4096, 1 << 16]) {
      for (let k = 0; k < 200; k++) {
        const key = k < 100 ? k : k < 110 ? 2 ** 31 - k : Math.floor(rng.next() * 2 ** 31);
        // every depth's rows, and counts above 1 (a released feature's count goes to the sketch)
        const depth = 1 + (k % 7);
        const cms = new CountMinSketch(width, depth);
        cms.add(key, 1 + (k % 3));
        const rows = Array.from({ length: depth }, (_, r) => r);
        const want = rows.map((r) => counter(key, r, width)).sort((x, y) => x - y);
        const state = cms.state();
        const got = state.at ?? rows.map((r) => state.counts.indexOf(1 + (k % 3), r * width));
        expect([width, key, [...got]]).toEqual([width, key, want]);
      }
      const a = new CountMinSketch(width, 3);
      const b = new CountMinSketch(width, 3);
      for (let i = 0; i < 5000; i++) {
        const key = Math.floor(3000 * rng.next() ** 2);
        a.add(key);
        expect(b.addEstimate(key)).toBe(a.estimate(key));
      }
      expect(b.state()).toEqual(a.state());
    }
  });
});

import { describe, expect, it } from 'vitest';

import { columnStats, oneRowColumns, SparseDesign } from '../../src/solve/design.js';
import { prepareProblem } from '../../src/solve/problem.js';
import { singletonTwins } from '../../src/solve/singletons.js';

// The one-row columns are listed by the column statistics' pass (once per design) and the twin
// search reads that list: it must be every one-row column, with its row and value, and the twins
// must be those a search over the design's entries finds.

function random(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (s * 1664525 + 1013904223) >>> 0;
    return s / 2 ** 32;
  };
}

/** Columns of 0 to 3 entries (most of one), a few stored zeros, unequal values. */
function randomDesign(seed: number, n: number, p: number): SparseDesign {
  const u = random(seed);
  const r: number[] = [];
  const c: number[] = [];
  const v: number[] = [];
  for (let j = 0; j < p; j++) {
    const a = u();
    const count = a < 0.15 ? 0 : a < 0.75 ? 1 : a < 0.9 ? 2 : 3;
    const rows = new Set<number>();
    while (rows.size < count) rows.add(Math.floor(u() * n));
    for (const i of rows) {
      r.push(i);
      c.push(j);
      const b = u();
      v.push(b < 0.05 ? 0 : b < 0.6 ? 1 : Math.round((b - 0.5) * 80) / 10);
    }
  }
  return SparseDesign.fromTriplets(n, p, r, c, v);
}

/** The one-row columns from the design's entries, by brute force. */
function scan(x: SparseDesign): { cols: number[]; rows: number[]; values: number[] } {
  const out = { cols: [] as number[], rows: [] as number[], values: [] as number[] };
  for (let j = 0; j < x.cols; j++) {
    if (x.colStart[j + 1]! - x.colStart[j]! !== 1) continue;
    out.cols.push(j);
    out.rows.push(x.rowIndex[x.colStart[j]!]!);
    out.values.push(x.values[x.colStart[j]!]!);
  }
  return out;
}

describe('one-row columns listed by the column statistics', () => {
  it('are every one-row column with its row and value, from the statistics or from a pass of their own', () => {
    for (let seed = 1; seed <= 20; seed++) {
      const x = randomDesign(seed, 30, 200);
      const fresh = randomDesign(seed, 30, 200);
      const w = new Float64Array(30).fill(1 / 30);
      if (seed % 2 === 0) w[3] = 0;
      columnStats(x, w);
      const want = scan(x);
      expect(want.cols.length).toBeGreaterThan(50);
      for (const got of [oneRowColumns(x), oneRowColumns(fresh)]) {
        expect(Array.from(got.cols)).toEqual(want.cols);
        expect(Array.from(got.rows)).toEqual(want.rows);
        expect(Array.from(got.values)).toEqual(want.values);
      }
    }
  });

  it('give the twins a search over the design entries finds (unequal costs, pf 0 and ∞, zero weights)', () => {
    let twins = 0;
    for (let seed = 1; seed <= 20; seed++) {
      const n = 30;
      const x = randomDesign(seed + 100, n, 200);
      const u = random(seed + 7);
      const penaltyFactors = Array.from({ length: 200 }, () => {
        const a = u();
        return a < 0.03 ? 0 : a < 0.06 ? Infinity : a < 0.5 ? 1 : 0.5 + a;
      });
      const weights = Array.from({ length: n }, (_, i) => (i % 11 === 5 ? 0 : 1 + (i % 3)));
      const y = Array.from({ length: n }, (_, i) => i % 2);
      for (const standardize of [true, false]) {
        const problem = prepareProblem(x, y, {
          family: 'binomial',
          penaltyFactors,
          weights,
          standardize,
          kktTolerance: 1e-2,
        });
        // each row's cheapest singleton (lowest column among equals); none where one has pf 0
        const { pf, scale, excluded, w } = problem;
        const rep = new Int32Array(n).fill(-1);
        const cost = new Float64Array(n).fill(Infinity);
        const blocked = new Uint8Array(n);
        const singles: number[] = [];
        for (let j = 0; j < x.cols; j++) {
          const k = x.colStart[j]!;
          if (excluded[j] || x.colStart[j + 1]! - k !== 1) continue;
          singles.push(j);
          const i = x.rowIndex[k]!;
          const v = x.values[k]!;
          if (v === 0 || !(w[i]! > 0)) continue;
          if (pf[j] === 0) blocked[i] = 1;
          else if ((pf[j]! * scale[j]!) / Math.abs(v) < cost[i]!) {
            cost[i] = (pf[j]! * scale[j]!) / Math.abs(v);
            rep[i] = j;
          }
        }
        const want = new Int32Array(x.cols).fill(-1);
        for (const j of singles) {
          const i = x.rowIndex[x.colStart[j]!]!;
          if (!blocked[i] && rep[i]! >= 0 && rep[i] !== j) want[j] = rep[i]!;
        }
        const got = singletonTwins(problem);
        expect(got).not.toBeNull();
        expect(Array.from(got!.twinOf)).toEqual(Array.from(want));
        for (let j = 0; j < x.cols; j++)
          expect(got!.problem.excluded[j]).toBe(excluded[j] || want[j]! >= 0 ? 1 : 0);
        for (const r of want) if (r >= 0) twins++;
      }
    }
    expect(twins).toBeGreaterThan(200);
  });
});

/**
 * `coefficientChanges`: a refit coefficient's move since the previous refit in standard errors,
 * checked against the closed forms of one column and an intercept (least squares' and logistic
 * regression's Wald standard errors), and its refusals.
 */
import { describe, expect, it } from 'vitest';

import { CHANGE_COLUMNS_MAX, CHANGE_ROWS_MAX, coefficientChanges } from '../../src/refit/changes.js';
import { DenseDesign, SparseDesign } from '../../src/solve/design.js';
import { Rng } from '../helpers/random.js';

/** Uniforms of a seeded stream (test/helpers/random.ts). */
function rng(seed: number): () => number {
  const r = new Rng(seed);
  return () => r.next();
}

function oneColumn(n: number, seed: number): number[] {
  const u = rng(seed);
  return Array.from({ length: n }, () => Math.round((u() * 4 - 1) * 1000) / 1000);
}

describe('coefficientChanges', () => {
  it('least squares, one column: |Δβ| / √(2 σ² / Σ(x − x̄)²), σ² the residual variance on n − 2', () => {
    const xs = oneColumn(500, 1);
    const u = rng(2);
    const ys = xs.map((x) => 1 + 0.5 * x + (u() - 0.5));
    const [b0, b1, before] = [0.9, 0.45, 0.3];
    const got = coefficientChanges(
      DenseDesign.fromRows(xs.map((x) => [x])),
      Float64Array.from(ys),
      undefined,
      'gaussian',
      b0,
      [b1],
      [before],
    )!;
    const mean = xs.reduce((s, x) => s + x, 0) / xs.length;
    const sxx = xs.reduce((s, x) => s + (x - mean) ** 2, 0);
    const rss = xs.reduce((s, x, i) => s + (ys[i]! - b0 - b1 * x) ** 2, 0);
    const se = Math.sqrt(rss / (xs.length - 2) / sxx);
    expect([...got.cols]).toEqual([0]);
    expect(got.z![0]).toBeCloseTo(Math.abs(b1 - before) / (Math.SQRT2 * se), 10);
    expect(got.strength[0]).toBeCloseTo(Math.abs(b1) / se, 10);
    // a first refit: how far from 0 only
    const first = coefficientChanges(
      DenseDesign.fromRows(xs.map((x) => [x])),
      Float64Array.from(ys),
      undefined,
      'gaussian',
      b0,
      [b1],
      null,
    )!;
    expect(first.z).toBeUndefined();
    expect(first.strength[0]).toBeCloseTo(Math.abs(b1) / se, 10);
  });

  it('logistic regression, one column, weighted rows: the inverse of the 2 × 2 information at the fit', () => {
    const xs = oneColumn(400, 3);
    const u = rng(4);
    const ys = xs.map((x) => (u() < 1 / (1 + Math.exp(-(0.3 + x))) ? 1 : 0));
    const weights = Float64Array.from(xs, (_, i) => 0.5 + (i % 3));
    const [b0, b1, before] = [0.25, 0.9, -0.2];
    const got = coefficientChanges(
      SparseDesign.fromRows(
        xs.length,
        1,
        xs.map((_, i) => i).concat(xs.length),
        new Array<number>(xs.length).fill(0),
        xs,
      ),
      Float64Array.from(ys),
      weights,
      'binomial',
      b0,
      [b1],
      [before],
    )!;
    const total = weights.reduce((s, w) => s + w, 0);
    let [s0, s1, s2] = [0, 0, 0];
    xs.forEach((x, i) => {
      const p = 1 / (1 + Math.exp(-(b0 + b1 * x)));
      const w = ((weights[i]! * xs.length) / total) * p * (1 - p);
      s0 += w;
      s1 += w * x;
      s2 += w * x * x;
    });
    const variance = s0 / (s0 * s2 - s1 * s1);
    expect(got.z![0]).toBeCloseTo(Math.abs(b1 - before) / Math.sqrt(2 * variance), 10);
  });

  it('a column that left counts with its standard error in this window; collinear columns share theirs', () => {
    const u = rng(5);
    const a = oneColumn(1000, 6);
    // b is a with a little noise: alone, either looks precise; together, neither does
    const rows = a.map((x) => [x, x + (u() - 0.5) * 0.02, u() * 2 - 1]);
    const ys = Float64Array.from(rows, ([x, , c]) => x! + 0.5 * c! + (u() - 0.5) * 0.5);
    const x = DenseDesign.fromRows(rows);
    const alone = coefficientChanges(x, ys, undefined, 'gaussian', 0, [1, 0, 0.5], [0, 0, 0.5])!;
    const both = coefficientChanges(x, ys, undefined, 'gaussian', 0, [1, 0, 0.5], [0, 1, 0.5])!;
    expect([...alone.cols]).toEqual([0, 2]);
    expect([...both.cols]).toEqual([0, 1, 2]);
    // a moved by 1 either way; with b in the comparison its standard error is ~50× larger
    expect(alone.z![0]).toBeGreaterThan(50);
    expect(both.z![0]).toBeLessThan(alone.z![0]! / 20);
    expect(both.z![2]).toBe(0);
  });

  it('leaves out a column the others and the intercept determine, and measures the rest', () => {
    const u = rng(8);
    const xs = oneColumn(300, 9);
    // [x, x, 1 − x·0 …]: columns 0 and 1 are equal; column 2 is the indicator that sums with column 3 to 1
    const rows = xs.map((v, i) => [v, v, i % 2, 1 - (i % 2)]);
    const y = Float64Array.from(xs, (v, i) => v + 0.3 * (i % 2) + (u() - 0.5));
    const got = coefficientChanges(
      DenseDesign.fromRows(rows),
      y,
      undefined,
      'gaussian',
      0,
      [1, 0, 0.3, 0],
      [0, 1, 0, 0.3],
    )!;
    expect([...got.cols]).toEqual([0, 2]);
    expect(got.z!.every((z) => Number.isFinite(z) && z > 0)).toBe(true);
  });

  it('sums the information over an even sample of a long window, scaled to the window', () => {
    const n = 3 * CHANGE_ROWS_MAX + 17;
    const xs = oneColumn(n, 10);
    const u = rng(11);
    const ys = xs.map((x) => 0.5 * x + (u() - 0.5));
    const got = coefficientChanges(
      DenseDesign.fromRows(xs.map((x) => [x])),
      Float64Array.from(ys),
      undefined,
      'gaussian',
      0,
      [0.5],
      [0.45],
    )!;
    const mean = xs.reduce((a, x) => a + x, 0) / n;
    const sxx = xs.reduce((a, x) => a + (x - mean) ** 2, 0);
    const rss = xs.reduce((a, x, i) => a + (ys[i]! - 0.5 * x) ** 2, 0);
    const exact = 0.05 / (Math.SQRT2 * Math.sqrt(rss / (n - 2) / sxx));
    expect(Math.abs(got.z![0]! / exact - 1)).toBeLessThan(0.05);
  });

  it('a rare column of a long window, absent from the rows sampled, is measured from its own information over every row', () => {
    // 3 popular ids and one seen in 2 rows, neither of them on the sample's stride (3)
    const n = 2 * CHANGE_ROWS_MAX + 1;
    const stride = Math.ceil(n / CHANGE_ROWS_MAX);
    const rare = [1, 2 + stride];
    const draw = rng(21);
    const starts = [0];
    const cols: number[] = [];
    for (let i = 0; i < n; i++) {
      for (let j = 0; j < 3; j++) if (draw() < 0.3) cols.push(j);
      if (rare.includes(i)) cols.push(3);
      starts.push(cols.length);
    }
    const x = SparseDesign.fromRows(n, 4, starts, cols, new Array<number>(cols.length).fill(1));
    const u = rng(22);
    const y = Float64Array.from({ length: n }, () => (u() < 0.4 ? 1 : 0));
    const after = [0.4, -0.3, 0.2, 1.5];
    const b0 = -0.5;
    const got = coefficientChanges(x, y, undefined, 'binomial', b0, after, null, false)!;
    expect([...got.cols]).toEqual([0, 1, 2, 3]);
    let [i00, i03, i33] = [0, 0, 0];
    for (let i = 0; i < n; i++) {
      let eta = b0;
      for (let e = starts[i]!; e < starts[i + 1]!; e++) eta += after[cols[e]!]!;
      const p = 1 / (1 + Math.exp(-eta));
      const w = p * (1 - p);
      i00 += w;
      if (rare.includes(i)) {
        i03 += w;
        i33 += w;
      }
    }
    // about 1.5 · √0.4: far from 3 standard errors, as two rows allow
    expect(got.strength[3]).toBeCloseTo(1.5 * Math.sqrt(i33 - (i03 * i03) / i00), 10);
    expect(got.strength[3]).toBeLessThan(1.5);
  });

  it('is null with nothing to measure, or no residual', () => {
    const xs = oneColumn(100, 7);
    const y = Float64Array.from(xs, (x) => x);
    const x = DenseDesign.fromRows(xs.map((v) => [v, v]));
    expect(coefficientChanges(x, y, undefined, 'gaussian', 0, [0, 0], [0, 0])).toBeNull();
    expect(coefficientChanges(x, y, undefined, 'gaussian', 0, [0, 0], null)).toBeNull();
    // a gaussian fit through every row: no residual to measure against (not "infinitely sure")
    const line = DenseDesign.fromRows([0, 1, 2, 3, 4, 5, 6, 7].map((v) => [v]));
    const exact = Float64Array.from([0, 1, 2, 3, 4, 5, 6, 7], (v) => 1 + 2 * v);
    expect(coefficientChanges(line, exact, undefined, 'gaussian', 1, [2], [1])).toBeNull();
  });

  it(`beyond ${CHANGE_COLUMNS_MAX} columns: the largest effects measured whole, the rest from their own information less the intercept's share`, () => {
    // binary ids, about 4 per row (seeded), logistic
    const n = 3000;
    const k = CHANGE_COLUMNS_MAX + 6;
    const draw = rng(13);
    const starts = [0];
    const cols: number[] = [];
    for (let i = 0; i < n; i++) {
      for (let j = 0; j < k; j++) if (draw() < 0.03) cols.push(j);
      starts.push(cols.length);
    }
    const x = SparseDesign.fromRows(n, k, starts, cols, new Array<number>(cols.length).fill(1));
    const u = rng(12);
    const y = Float64Array.from({ length: n }, () => (u() < 0.4 ? 1 : 0));
    // the last 6 columns have the smallest coefficients: they are the ones not measured whole
    const after = Array.from({ length: k }, (_, j) =>
      j < CHANGE_COLUMNS_MAX ? 0.5 + j / 1000 : 0.01 * (j + 1 - CHANGE_COLUMNS_MAX),
    );
    const before = after.map((b) => b / 2);
    const b0 = -0.4;
    const got = coefficientChanges(x, y, undefined, 'binomial', b0, after, before, false)!;
    expect(got.cols.length).toBe(k);
    for (let a = 0; a < k; a++) {
      expect(got.cols[a]).toBe(a);
      expect(Number.isNaN(got.z![a]!)).toBe(a >= CHANGE_COLUMNS_MAX);
    }
    // the closed form of a column not measured whole: η over every column, I_jj − I_0j² / I_00
    for (let j = CHANGE_COLUMNS_MAX; j < k; j++) {
      let [i00, i0j, ijj] = [0, 0, 0];
      for (let i = 0; i < n; i++) {
        let eta = b0;
        let xij = 0;
        for (let e = starts[i]!; e < starts[i + 1]!; e++) {
          eta += after[cols[e]!]!;
          if (cols[e] === j) xij = 1;
        }
        const p = 1 / (1 + Math.exp(-eta));
        const w = p * (1 - p);
        i00 += w;
        i0j += w * xij;
        ijj += w * xij;
      }
      expect(got.strength[j]).toBeCloseTo(after[j]! * Math.sqrt(ijj - (i0j * i0j) / i00), 9);
    }
  });
});

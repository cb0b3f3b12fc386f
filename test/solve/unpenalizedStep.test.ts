/** The least-squares solve behind the exact step on the unpenalized features, and the gap's guard for them. */
import { describe, expect, it } from 'vitest';

import { gapHolds } from '../../src/solve/gaussianNaive.js';
import type { CdState } from '../../src/solve/state.js';
import { leastSquares } from '../../src/solve/unpenalizedStep.js';
import { Rng } from '../helpers/random.js';

/** Column-major n × k from a function of (row, column). */
function matrix(n: number, k: number, at: (i: number, c: number) => number): Float64Array {
  const a = new Float64Array(n * k);
  for (let c = 0; c < k; c++) for (let i = 0; i < n; i++) a[c * n + i] = at(i, c);
  return a;
}

/** a·x, a column-major n × k. */
function times(a: Float64Array, n: number, k: number, x: ArrayLike<number>): Float64Array {
  const out = new Float64Array(n);
  for (let c = 0; c < k; c++) for (let i = 0; i < n; i++) out[i] += a[c * n + i]! * x[c]!;
  return out;
}

describe('leastSquares (Householder QR with column pivoting)', () => {
  it('recovers the coefficients of a consistent system', () => {
    const rng = new Rng(3);
    const [n, k] = [50, 6];
    const a = matrix(n, k, () => rng.normal());
    const truth = [1.5, -2, 0, 3e-3, 7, -0.25];
    const b = times(a, n, k, truth);
    const out = new Float64Array(k);
    expect(leastSquares(a.slice(), b, n, k, out)).toBe(true);
    for (let c = 0; c < k; c++) expect(out[c]).toBeCloseTo(truth[c]!, 12);
  });

  it('meets the normal equations of an inconsistent one: the residual is orthogonal to every column', () => {
    const rng = new Rng(4);
    const [n, k] = [80, 5];
    // columns of very different sizes and a shared part (nearly collinear)
    const shared = Array.from({ length: n }, () => rng.normal());
    const a = matrix(n, k, (i, c) => 10 ** (c - 2) * (shared[i]! + 1e-3 * rng.normal()) + (c === 0 ? 1 : 0));
    const b = Float64Array.from({ length: n }, () => rng.normal());
    const out = new Float64Array(k);
    expect(leastSquares(a.slice(), b.slice(), n, k, out)).toBe(true);
    const fitted = times(a, n, k, out);
    for (let c = 0; c < k; c++) {
      let dot = 0;
      let size = 0;
      for (let i = 0; i < n; i++) {
        dot += a[c * n + i]! * (b[i]! - fitted[i]!);
        size += Math.abs(a[c * n + i]! * b[i]!);
      }
      expect(Math.abs(dot)).toBeLessThan(1e-9 * size);
    }
  });

  it('gives the residual from its reflections: b − a·δ, orthogonal to columns 1e-8 from collinear', () => {
    const rng = new Rng(6);
    const [n, k] = [60, 4];
    const shared = Array.from({ length: n }, () => rng.normal());
    // columns near 3e5 that differ in their 9th digit: a·δ is ~1e7 where b is ~1, so b − a·δ
    // computed from δ is orthogonal to them to 6.5e-9 only, the residual from the reflections to 1e-16
    const a = matrix(n, k, (i, c) => (c === 0 ? 1 : 3e5 * (1 + 0.01 * shared[i]! + 1e-8 * rng.normal())));
    const b = Float64Array.from({ length: n }, () => rng.normal());
    const out = new Float64Array(k);
    const residual = new Float64Array(n);
    expect(leastSquares(a.slice(), b.slice(), n, k, out, residual)).toBe(true);
    for (let c = 0; c < k; c++) {
      let dot = 0;
      let size = 0;
      for (let i = 0; i < n; i++) {
        dot += a[c * n + i]! * residual[i]!;
        size += Math.abs(a[c * n + i]! * b[i]!);
      }
      expect(Math.abs(dot), `column ${c}`).toBeLessThan(1e-13 * size);
    }
    // and the same residual as b − a·δ to that one's rounding (|a|·|δ|·ε)
    const fitted = times(a, n, k, out);
    let worst = 0;
    let scale = 0;
    for (let i = 0; i < n; i++) {
      worst = Math.max(worst, Math.abs(b[i]! - fitted[i]! - residual[i]!));
      for (let c = 0; c < k; c++) scale = Math.max(scale, Math.abs(a[c * n + i]! * out[c]!));
    }
    expect(worst).toBeLessThan(1e3 * Number.EPSILON * scale);
  });

  it('leaves a column that repeats another at 0, and still fits', () => {
    const rng = new Rng(5);
    const [n, k] = [30, 3];
    const base = Array.from({ length: n }, () => rng.normal());
    const other = Array.from({ length: n }, () => rng.normal());
    const a = matrix(n, k, (i, c) => (c === 2 ? other[i]! : base[i]!));
    const b = Float64Array.from({ length: n }, (_, i) => 2 * base[i]! - other[i]!);
    const out = new Float64Array(k);
    expect(leastSquares(a.slice(), b.slice(), n, k, out)).toBe(true);
    expect(out[0] === 0 || out[1] === 0).toBe(true);
    expect(out[0]! + out[1]!).toBeCloseTo(2, 12);
    expect(out[2]).toBeCloseTo(-1, 12);
  });

  it('refuses a matrix of zeros', () => {
    const out = new Float64Array(2);
    expect(leastSquares(new Float64Array(20), new Float64Array(10).fill(1), 10, 2, out)).toBe(false);
  });
});

describe('gapHolds: a duality gap with unpenalized features bounds only within their Σ |β_j g_j|', () => {
  // (the gap takes Σ w r·x̃β as Σ β_j g_j: on a 90 × 149 fuzz case with nearly collinear unpenalized
  // columns the gap came out at −2.8e-3 and a fit 1.3 % above the optimum was certified)
  const state = (pf: number[], beta: number[], grad: number[]) =>
    ({
      p: pf.length,
      beta: Float64Array.from(beta),
      grad: Float64Array.from(grad),
      problem: { pf: Float64Array.from(pf), excluded: new Uint8Array(pf.length) },
    }) as unknown as CdState;

  it('holds without unpenalized features, whatever the gap', () => {
    expect(gapHolds(state([1, 2], [5, 0], [1, 3]), -1, 1e-10)).toBe(true);
  });

  it('fails when the unpenalized coefficients times their gradients exceed what the target leaves', () => {
    expect(gapHolds(state([0, 1], [1e6, 0.3], [1e-17, 0.2]), 5e-11, 1e-10)).toBe(true);
    expect(gapHolds(state([0, 1], [1e6, 0.3], [1e-15, 0.2]), 5e-11, 1e-10)).toBe(false);
  });

  it('fails on a gap below −target (a gap is ≥ 0: its terms did not cancel as they should)', () => {
    expect(gapHolds(state([0, 1], [1, 0.3], [0, 0.2]), -2.8e-3, 1e-10)).toBe(false);
    expect(gapHolds(state([0, 1], [1, 0.3], [0, 0.2]), -1e-11, 1e-10)).toBe(true);
  });
});

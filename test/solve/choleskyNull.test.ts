/**
 * `choleskyPivotFailure` and `choleskyNullVector`: on a matrix whose last column is an exact
 * combination of the ones before it, the failing row and a vector A sends to 0.
 */
import { describe, expect, it } from 'vitest';

import { choleskyFactor, choleskyNullVector, choleskyPivotFailure } from '../../src/solve/cholesky.js';

/** Gram matrix (row-major) of the columns of `cols` (each an array of rows). */
function gram(cols: number[][]): Float64Array {
  const m = cols.length;
  const a = new Float64Array(m * m);
  for (let i = 0; i < m; i++)
    for (let j = 0; j < m; j++) a[i * m + j] = cols[i]!.reduce((s, v, r) => s + v * cols[j]![r]!, 0);
  return a;
}

describe('Cholesky on a singular matrix', () => {
  // column 3 = 2·column 0 − column 2, column 4 independent
  const c0 = [1, 2, 0, 1, 3, 1];
  const c1 = [0, 1, 1, 2, 0, 1];
  const c2 = [1, 0, 2, 1, 1, 0];
  const c3 = c0.map((v, r) => 2 * v - c2[r]!);
  const c4 = [2, 1, 0, 0, 1, 5];

  it('names the row whose pivot failed and gives a null vector of the block up to it', () => {
    const a = gram([c0, c1, c2, c3, c4]);
    const original = Float64Array.from(a);
    const m = 5;
    expect(choleskyPivotFailure(a, m)).toBe(3);
    const v = new Float64Array(m);
    choleskyNullVector(a, 3, v, m);
    expect(v[3]).toBe(-1);
    // column 3 = 2·c0 + 0·c1 − c2
    expect(v[0]).toBeCloseTo(2, 12);
    expect(v[1]).toBeCloseTo(0, 12);
    expect(v[2]).toBeCloseTo(-1, 12);
    for (let i = 0; i < m; i++) {
      let s = 0;
      for (let k = 0; k < 4; k++) s += original[i * m + k]! * v[k]!;
      expect(Math.abs(s)).toBeLessThan(1e-12);
    }
  });

  it('succeeds (−1, and choleskyFactor true) on a positive definite matrix', () => {
    const a = gram([c0, c1, c2, c4]);
    expect(choleskyPivotFailure(Float64Array.from(a), 4)).toBe(-1);
    expect(choleskyFactor(Float64Array.from(a), 4)).toBe(true);
  });
});

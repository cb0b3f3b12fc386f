/**
 * Columns whose values are too large or too small for double arithmetic (squares past 1.8e308 or
 * below 2.2e-308) are left out as constant columns are, and listed with them
 * (`prepareProblem(...).constantColumns`, which `fit` names in its warnings): a column of 1e160
 * gave NaN coefficients with `converged: true`. Judged by the values: a tiny weight does not make
 * a column of ordinary values "too small". Columns at the edge of the range still fit (KKT).
 */
import { describe, expect, it } from 'vitest';

import { checkKkt, DenseDesign, prepareProblem, solveAt } from '../../src/index.js';
import { sparseFromRows } from '../helpers/designs.js';

const y = [1, 2, 3, 4, 0];
const sparse = sparseFromRows;

const rows = (a: number, b = a) => [
  [a, 0],
  [0, 1],
  [2 * b, 1],
  [b, 1],
  [3 * b, 0],
];

describe('column scales', () => {
  it.each([1e160, 1e200, 1e300, 1e-160, 1e-200, 5e-324])(
    'a column of values about %d in size: left out as a constant column, listed, the rest fitted',
    (size) => {
      const data = size > 1 ? rows(size, 1) : rows(size);
      for (const x of [DenseDesign.fromRows(data), sparse(data)])
        for (const standardize of [true, false, 'auto'] as const)
          for (const family of ['gaussian', 'binomial'] as const) {
            const target = family === 'binomial' ? y.map((v) => v % 2) : y;
            const options = { lambda: 0.01, standardize, family };
            const fit = solveAt(x, target, options);
            expect(fit.converged).toBe(true);
            expect(fit.coefficients[0]).toBe(0);
            expect(Number.isFinite(fit.intercept) && Number.isFinite(fit.coefficients[1]!)).toBe(true);
            expect(prepareProblem(x, target, options).constantColumns).toEqual([0]);
            // the fit without the column
            const without = solveAt(DenseDesign.fromRows(data.map((r) => [0, r[1]!])), target, options);
            expect(fit.coefficients[1]).toBeCloseTo(without.coefficients[1]!, 12);
          }
    },
  );

  it('a column of tiny values whose mean is 0 is found too; a tiny weight does not make ordinary values tiny', () => {
    const symmetric = DenseDesign.fromRows([
      [1e-170, 1],
      [-1e-170, 0],
      [2e-170, 1],
      [-2e-170, 0],
      [0, 1],
    ]);
    expect(prepareProblem(symmetric, y, {}).constantColumns).toEqual([0]);
    // column 1 is 1 in row 0 only, whose weight is 1e-300: its weighted sd is 1e-151
    const data = Array.from({ length: 50 }, (_, i) => [Math.sin(i), i === 0 ? 1 : 0]);
    const target = data.map((r, i) => r[0]! * 2 + (i % 3));
    const weights = data.map((_, i) => (i === 0 ? 1e-300 : 1));
    const x = DenseDesign.fromRows(data);
    expect(prepareProblem(x, target, { weights }).constantColumns).toEqual([]);
    const fit = solveAt(x, target, { lambda: 0.01, weights });
    expect(fit.converged).toBe(true);
    expect(checkKkt(x, target, fit, 0.01, { weights }).maxViolation).toBeLessThan(1e-8);
  });

  it('columns of 1e150 or 1e-140 fit to KKT', () => {
    for (const [a, b] of [
      [1e150, 1],
      [1e-140, 1e-140],
    ]) {
      const x = DenseDesign.fromRows(rows(a!, b!));
      // (on the raw scale a column of 1e150 has gradients at the rounding level of 1e134, which no
      // KKT check at λ = 0.01 can resolve: checked standardized)
      const fit = solveAt(x, y, { lambda: 0.01 });
      expect(fit.converged).toBe(true);
      expect(checkKkt(x, y, fit, 0.01).maxViolation).toBeLessThan(1e-8);
    }
  });
});

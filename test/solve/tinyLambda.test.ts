import { describe, expect, it } from 'vitest';

import { DenseDesign } from '../../src/solve/design.js';
import { solveAt } from '../../src/solve/solve.js';
import { Rng } from '../helpers/random.js';

/**
 * A gaussian λ whose L1 thresholds are below the gradients' rounding level: the duality gap's dual
 * point is scaled by |Xᵀr| / λ, which rounding alone makes ≫ 1, so the gap stays at about r²/2
 * whatever the point. The fit is certified by its KKT conditions beyond rounding level instead,
 * and is then the least-squares fit (to rounding), in both of the gaussian solvers' modes.
 */
describe('solveAt, gaussian, λ below the rounding level of the gradients', () => {
  const n = 200;
  const rng = new Rng(51);
  // a constant column (left out by standardization), two that matter, one that does not
  const rows: number[][] = [];
  const y = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    const x = [1, rng.normal(), rng.normal(), rng.normal()];
    rows.push(x);
    y[i] = 3 + 2 * x[1]! - x[2]! + 0.1 * rng.normal();
  }
  const design = DenseDesign.fromRows(rows);

  /** Least squares on columns 1..3 with an intercept, by the normal equations (4 × 4, pivoted). */
  function leastSquares(): number[] {
    const a = Array.from({ length: 4 }, () => new Array<number>(5).fill(0));
    for (let i = 0; i < n; i++) {
      const z = [1, rows[i]![1]!, rows[i]![2]!, rows[i]![3]!];
      for (let r = 0; r < 4; r++) {
        for (let c = 0; c < 4; c++) a[r]![c]! += z[r]! * z[c]!;
        a[r]![4]! += z[r]! * y[i]!;
      }
    }
    for (let k = 0; k < 4; k++) {
      let piv = k;
      for (let r = k + 1; r < 4; r++) if (Math.abs(a[r]![k]!) > Math.abs(a[piv]![k]!)) piv = r;
      [a[k], a[piv]] = [a[piv]!, a[k]!];
      for (let r = 0; r < 4; r++) {
        if (r === k) continue;
        const f = a[r]![k]! / a[k]![k]!;
        for (let c = k; c < 5; c++) a[r]![c]! -= f * a[k]![c]!;
      }
    }
    return a.map((row, k) => row[4]! / row[k]!);
  }
  const ols = leastSquares();

  for (const mode of ['covariance', 'naive'] as const) {
    for (const lambda of [5e-19, 1e-17]) {
      it(`${mode} updates, λ = ${lambda}: converged, at the least-squares fit`, () => {
        const fit = solveAt(design, y, { family: 'gaussian', lambda, mode });
        expect(fit.reason).toBeUndefined();
        expect(fit.converged).toBe(true);
        expect(fit.coefficients[0]).toBe(0);
        for (let j = 1; j < 4; j++) expect(fit.coefficients[j]).toBeCloseTo(ols[j]!, 10);
        expect(fit.intercept).toBeCloseTo(ols[0]!, 10);
      });
    }
    it(`${mode} updates, an ordinary λ still certifies by the duality gap`, () => {
      const fit = solveAt(design, y, { family: 'gaussian', lambda: 1e-3, mode });
      expect(fit.converged).toBe(true);
      expect(fit.dualGap).toBeLessThanOrEqual(1e-10 * 5);
    });
  }
});

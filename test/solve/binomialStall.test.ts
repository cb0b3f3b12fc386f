/**
 * A binomial fit on columns far larger than 1 without standardization: the gradients of such a
 * column carry a rounding error of its size, far above the fixed floor of the KKT check (1e-12 of
 * sd(y)). Its fit stalled there and said "did NOT converge" at the optimum (values near 1e8 in a
 * CSV with `fit --no-standardize`); the check now allows each column its own rounding level.
 */
import { describe, expect, it } from 'vitest';

import { DenseDesign, solveAt } from '../../src/index.js';
import { Rng } from '../helpers/random.js';

/** The same fit with column j divided by `sizes[j]` and its penalty factor too: the same problem. */
function rescaledFit(rows: number[][], y: number[], lambda: number, sizes: number[]) {
  const scaled = rows.map((r) => r.map((v, j) => v / sizes[j]!));
  const fit = solveAt(DenseDesign.fromRows(scaled), y, {
    family: 'binomial',
    lambda,
    standardize: false,
    penaltyFactors: sizes.map((s) => 1 / s),
  });
  return { ...fit, coefficients: Array.from(fit.coefficients, (b, j) => b / sizes[j]!) };
}

describe('a binomial fit on columns of very different sizes, unstandardized', () => {
  const rng = new Rng(3);
  const rows = Array.from({ length: 2000 }, () => [rng.normal() * 1e8, rng.normal() * 1e-8, rng.normal()]);
  const y = rows.map((r) => {
    const eta = 0.5 * (r[0]! / 1e8) - 0.7 * (r[1]! / 1e-8) + 0.3 * r[2]!;
    return rng.next() < 1 / (1 + Math.exp(-eta)) ? 1 : 0;
  });
  const sizes = [1e8, 1e-8, 1];

  for (const lambda of [1e-3, 1e-4, 0]) {
    it(`converges at λ = ${lambda}, to the fit of the same problem on rescaled columns`, () => {
      const fit = solveAt(DenseDesign.fromRows(rows), y, { family: 'binomial', lambda, standardize: false });
      expect(fit.converged, fit.reason).toBe(true);
      const reference = rescaledFit(rows, y, lambda, sizes);
      expect(reference.converged).toBe(true);
      expect(fit.intercept).toBeCloseTo(reference.intercept, 9);
      for (let j = 0; j < 3; j++) {
        const b = reference.coefficients[j]!;
        if (b === 0) expect(fit.coefficients[j]).toBe(0);
        else expect(Math.abs(fit.coefficients[j]! / b - 1)).toBeLessThan(1e-8);
      }
    });
  }

  it('a column of 1e50 (its gradients round at 1e34): converged, as on its rescaled copy', () => {
    const r = new Rng(5);
    const big = Array.from({ length: 200 }, () => [r.normal() * 1e50, r.normal()]);
    const yBig = big.map((row) => (row[0]! / 1e50 + r.normal() > 0 ? 1 : 0));
    const fit = solveAt(DenseDesign.fromRows(big), yBig, {
      family: 'binomial',
      lambda: 0.01,
      standardize: false,
    });
    expect(fit.converged, fit.reason).toBe(true);
    const reference = rescaledFit(big, yBig, 0.01, [1e50, 1]);
    for (let j = 0; j < 2; j++) {
      const b = reference.coefficients[j]!;
      expect(b).not.toBe(0);
      expect(Math.abs(fit.coefficients[j]! / b - 1)).toBeLessThan(1e-8);
    }
  });
});

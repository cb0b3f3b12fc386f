/**
 * Columns far from 0 beside their spread (epoch milliseconds, years, prices of an instrument):
 * shifting a column by a constant changes only the intercept, so the coefficients must be those
 * of the centred column. Covariance updates summed products of x_j ≈ m_j: at a mean of 1e6 sds
 * the coefficient was 8e-5 off, at 1e8 sds 3 % (NaN in `fit`), all with converged: true.
 */
import { describe, expect, it } from 'vitest';

import { DenseDesign, solveAt } from '../../src/index.js';
import { Rng } from '../helpers/random.js';

const rng = new Rng(12);
const n = 500;
const z = Array.from({ length: n }, () => rng.normal());
const u = Array.from({ length: n }, () => rng.normal());
const y = z.map((v, i) => 2 * v - 0.7 * u[i]! + 0.5 * rng.normal());

describe('columns with large means', () => {
  it.each([1e4, 1e6, 1e8, 1.7e12])('a mean of %d sds: the coefficients of the centred column', (offset) => {
    const centred = DenseDesign.fromRows(z.map((v, i) => [v, u[i]!]));
    // the spread of the shifted column is what its doubles keep of z: ~offset·2^-52 absolute
    const shifted = DenseDesign.fromRows(z.map((v, i) => [offset + v, u[i]!]));
    const zKept = z.map((v) => offset + v - offset);
    const kept = DenseDesign.fromRows(zKept.map((v, i) => [v, u[i]!]));
    for (const mode of ['auto', 'covariance', 'naive'] as const) {
      const expected = solveAt(kept, y, { lambda: 0.01, mode });
      const fit = solveAt(shifted, y, { lambda: 0.01, mode });
      expect(fit.converged).toBe(true);
      for (let j = 0; j < 2; j++)
        expect(
          Math.abs(fit.coefficients[j]! - expected.coefficients[j]!),
          `${mode}, column ${j}`,
        ).toBeLessThan(1e-7 * Math.abs(expected.coefficients[j]!));
      // and the intercept moves by −β_1·offset
      const reference = solveAt(centred, y, { lambda: 0.01, mode });
      expect(Math.abs(fit.intercept + fit.coefficients[0]! * offset - expected.intercept)).toBeLessThan(
        1e-6 * Math.max(1, Math.abs(fit.coefficients[0]! * offset)),
      );
      expect(Math.abs(reference.coefficients[0]! - expected.coefficients[0]!)).toBeLessThan(
        offset >= 1e12 ? 1e-3 : 1e-6,
      );
    }
  });
});

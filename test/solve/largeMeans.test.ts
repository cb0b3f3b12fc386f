/**
 * Columns far from 0 beside their spread (epoch milliseconds, years, the price of an
 * instrument): shifting a column by a constant changes only the intercept, so the coefficients must
 * be those of the centred column. The solver centred implicitly, from sums of x_ij ≈ m_j: at a
 * mean of 1e6 sds the coefficient was 1e-4 off, at 1e8 sds 3 % (NaN in `fit`), all with
 * converged: true. Dense designs and sparse columns stored in every row are now shifted first.
 */
import { describe, expect, it } from 'vitest';

import { DenseDesign, solveAt, type Design } from '../../src/index.js';
import { sparseFromRows } from '../helpers/designs.js';
import { Rng } from '../helpers/random.js';

const rng = new Rng(12);
const n = 500;
const z = Array.from({ length: n }, () => rng.normal());
// a second column stored in about 1 row of 5 (sparse)
const u = Array.from({ length: n }, () => (rng.next() < 0.2 ? rng.normal() : 0));
const y = z.map((v, i) => 2 * v - 0.7 * u[i]! + 0.5 * rng.normal());

function design(offset: number, sparse: boolean): Design {
  const rows = z.map((v, i) => [offset + v, u[i]!]);
  if (!sparse) return DenseDesign.fromRows(rows);
  return sparseFromRows(rows);
}

describe('columns with large means', () => {
  it.each([
    [1e4, false],
    [1e6, false],
    [1e8, false],
    [1.7e12, false],
    [1e6, true],
    [1e8, true],
    [1.7e12, true],
  ])('a mean of %d sds (sparse %s): the coefficients of the centred column', (offset, sparse) => {
    const shifted = design(offset, sparse);
    // the centred column as the shifted one's doubles keep it: z rounded to ~offset·2^-52
    const kept = DenseDesign.fromRows(z.map((v, i) => [offset + v - offset, u[i]!]));
    for (const family of ['gaussian', 'binomial'] as const) {
      const target = family === 'binomial' ? y.map((v) => (v > 0 ? 1 : 0)) : y;
      for (const mode of family === 'gaussian'
        ? (['auto', 'covariance', 'naive'] as const)
        : (['auto'] as const)) {
        const what = `${family}, ${mode}`;
        const expected = solveAt(kept, target, { lambda: 0.01, mode, family });
        const fit = solveAt(shifted, target, { lambda: 0.01, mode, family });
        expect(fit.converged, what).toBe(true);
        for (let j = 0; j < 2; j++)
          expect(
            Math.abs(fit.coefficients[j]! - expected.coefficients[j]!),
            `${what}, column ${j}`,
          ).toBeLessThan(1e-7 * Math.abs(expected.coefficients[j]!));
        // the intercept moves by −β_0·offset
        expect(
          Math.abs(fit.intercept + fit.coefficients[0]! * offset - expected.intercept),
          what,
        ).toBeLessThan(1e-6 * Math.max(1, Math.abs(fit.coefficients[0]! * offset)));
        // warm-started from its own fit: the same fit
        const again = solveAt(shifted, target, { lambda: 0.01, mode, family, start: fit });
        // (a start whose intercept is not moved to the shifted design is far off: binomial refuses it)
        expect(again.startRefused, `${what}, from its fit`).toBeUndefined();
        expect(Math.abs(again.coefficients[0]! - fit.coefficients[0]!), `${what}, from its fit`).toBeLessThan(
          1e-9 * Math.abs(fit.coefficients[0]!),
        );
        expect(Math.abs(again.intercept - fit.intercept), `${what}, from its fit`).toBeLessThan(
          1e-9 * Math.max(1, Math.abs(fit.intercept)),
        );
      }
    }
  });
});

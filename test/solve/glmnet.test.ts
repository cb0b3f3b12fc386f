import { describe, expect, it } from 'vitest';

import { DenseDesign, SparseDesign, type Design } from '../../src/solve/design.js';
import { checkKkt } from '../../src/solve/kkt.js';
import { objectiveValue } from '../../src/solve/objective.js';
import { solvePath } from '../../src/solve/path.js';
import { solveAt } from '../../src/solve/solve.js';
import { glmnetFixture } from '../helpers/glmnetFixture.js';

/**
 * Accuracy against glmnet (R, thresh = 1e-14) on public data sets shipped in scikit-learn, made by
 * scripts/fixtures/solve/make_fixtures.py. Objectives are compared through one independent
 * function (`objectiveValue`, from the raw design and original-scale coefficients).
 */

const fixture = glmnetFixture();

function toSparse(x: DenseDesign): SparseDesign {
  const r: number[] = [];
  const c: number[] = [];
  const v: number[] = [];
  for (let j = 0; j < x.cols; j++)
    for (let i = 0; i < x.rows; i++) {
      const val = x.get(i, j);
      if (val !== 0) {
        r.push(i);
        c.push(j);
        v.push(val);
      }
    }
  return SparseDesign.fromTriplets(x.rows, x.cols, r, c, v);
}

describe.each(fixture.cases)('$name', (cs) => {
  const data = fixture.datasets[cs.dataset]!;
  const dense = DenseDesign.fromRows(data.x);
  const designs: Array<[string, Design]> = [
    ['dense', dense],
    ['sparse', toSparse(dense)],
  ];
  const opts = {
    family: cs.family,
    l1Ratio: cs.l1Ratio,
    standardize: cs.standardize,
    ...(cs.weights ? { weights: cs.weights } : {}),
    ...(cs.penaltyFactors ? { penaltyFactors: cs.penaltyFactors } : {}),
  };
  const lambdas = cs.fits.map((f) => f.lambda);

  it.each(designs)('%s design: λ_max, objective, support, coefficients and KKT match glmnet', (_kind, x) => {
    const path = solvePath(x, data.y, { ...opts, lambdas });
    expect(path.lambdaMax).toBeCloseTo(cs.lambdaMax, 6);
    expect(Math.abs(path.lambdaMax - cs.lambdaMax) / cs.lambdaMax).toBeLessThan(1e-8);
    expect(path.fits).toHaveLength(cs.fits.length);
    cs.fits.forEach((ref, k) => {
      const fit = path.fits[k]!;
      expect(fit.converged).toBe(true);
      expect(fit.lambda).toBe(ref.lambda);
      const mine = objectiveValue(x, data.y, fit, ref.lambda, opts).objective;
      const theirs = objectiveValue(x, data.y, ref, ref.lambda, opts).objective;
      expect(Math.abs(mine - theirs) / theirs).toBeLessThan(1e-7);
      // the solver's own objective agrees with the independent computation
      expect(Math.abs(fit.objective - mine) / mine).toBeLessThan(1e-12);
      const maxRef = Math.max(...ref.coefficients.map(Math.abs));
      ref.coefficients.forEach((c, j) => {
        const ours = fit.coefficients[j]!;
        expect(ours !== 0, `support of feature ${data.names[j]} at λ=${ref.lambda}`).toBe(c !== 0);
        if (Math.abs(c) > 1e-6 * maxRef) {
          expect(Math.abs(ours - c) / Math.abs(c), `${data.names[j]} at λ=${ref.lambda}`).toBeLessThan(1e-5);
        }
      });
      expect(Math.abs(fit.intercept - ref.intercept)).toBeLessThan(
        1e-5 * Math.max(1, Math.abs(ref.intercept)),
      );
      const kkt = checkKkt(x, data.y, fit, ref.lambda, opts);
      expect(kkt.maxViolation).toBeLessThan(1e-6);
      expect(kkt.interceptResidual).toBeLessThan(1e-9);
    });
  });

  it('a cold single-λ solve reaches the same optimum as the path', () => {
    const ref = cs.fits[cs.fits.length - 1]!;
    const fit = solveAt(dense, data.y, { ...opts, lambda: ref.lambda });
    expect(fit.converged).toBe(true);
    const mine = objectiveValue(dense, data.y, fit, ref.lambda, opts).objective;
    const theirs = objectiveValue(dense, data.y, ref, ref.lambda, opts).objective;
    expect(Math.abs(mine - theirs) / theirs).toBeLessThan(1e-7);
  });
});

/**
 * The binomial Newton finish on an active set whose Hessian is singular: every one-hot level of a
 * four-level field active (standardize "auto" leaves 0/1 columns unscaled), where the solution is
 * not unique: shifting the four level coefficients by the same amount, within the signs they
 * have, changes neither the fit nor the penalty (two positive, two negative). The finish moves
 * along that direction to the nearest zero of a level (a sparser optimum) and goes on without it;
 * it used to give up, and coordinate descent took 10–12 sweeps at every such λ (272 on this path,
 * 13 now).
 */
import { describe, expect, it } from 'vitest';

import { seededRandom } from '../../src/solve/cv.js';
import { DenseDesign } from '../../src/solve/design.js';
import { checkKkt } from '../../src/solve/kkt.js';
import { solvePath } from '../../src/solve/path.js';

function oneHotData() {
  const rand = seededRandom(7);
  const effects = [0.6, 0.1, -0.2, -0.7];
  const rows: number[][] = [];
  const y: number[] = [];
  for (let i = 0; i < 2000; i++) {
    const level = Math.floor(rand() * 4);
    const z = [rand() - 0.5, rand() - 0.5, rand() - 0.5];
    const eta = effects[level]! + z[0]! - 0.5 * z[1]!;
    y.push(rand() < 1 / (1 + Math.exp(-eta)) ? 1 : 0);
    rows.push([...z, ...[0, 1, 2, 3].map((k) => (k === level ? 1 : 0))]);
  }
  return { x: DenseDesign.fromRows(rows), y };
}

describe('Newton finish with collinear active columns', () => {
  const { x, y } = oneHotData();
  const options = {
    family: 'binomial',
    standardize: 'auto',
    nLambda: 30,
    lambdaMinRatio: 1e-3,
    earlyStop: false,
  } as const;

  it('converges at every λ in a few sweeps, to the optimum coordinate descent alone reaches, with fewer non-zeros', () => {
    const path = solvePath(x, y, options);
    const last = path.fits.at(-1)!;
    // the case: coordinate descent alone leaves all four levels active, two of each sign; the
    // same objective with one level at 0
    const sweepsOnly = solvePath(x, y, {
      ...options,
      activeSetSolve: false,
      lambdas: path.fits.map((f) => f.lambda),
    });
    const spread = Array.from(sweepsOnly.fits.at(-1)!.coefficients.slice(3));
    expect(spread.filter((c) => c > 0)).toHaveLength(2);
    expect(spread.filter((c) => c < 0)).toHaveLength(2);
    expect(Array.from(last.coefficients.slice(3)).filter((c) => c !== 0)).toHaveLength(3);
    expect(path.converged).toBe(true);
    expect(path.passes).toBeLessThan(30);
    path.fits.forEach((fit, k) => {
      const reference = sweepsOnly.fits[k]!;
      expect(fit.lambda).toBe(reference.lambda);
      expect((fit.objective - reference.objective) / Math.abs(reference.objective)).toBeLessThan(1e-13);
      expect(checkKkt(x, y, fit, fit.lambda, options).maxViolation).toBeLessThan(1e-9);
    });
  });
});

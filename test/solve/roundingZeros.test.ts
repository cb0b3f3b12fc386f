import { describe, expect, it } from 'vitest';

import { DenseDesign } from '../../src/solve/design.js';
import { checkKkt } from '../../src/solve/kkt.js';
import { objectiveValue } from '../../src/solve/objective.js';
import { solvePath } from '../../src/solve/path.js';
import { solveAt } from '../../src/solve/solve.js';
import { Rng } from '../helpers/random.js';

// A design with an exact copy of a column (a2 = a) and a near-multiple (a3 = 3a to 4 decimals):
// at the lasso optimum a2 and a3 sit on their KKT threshold, and the sweeps used to leave them at
// 1e-16 .. 2e-14 instead of 0 (binomial λ = 0.01: a2 = 1.7e-15, a3 = 4.4e-15, counted non-zero: 4, not 2).
function collinear(family: 'gaussian' | 'binomial'): { x: DenseDesign; y: number[] } {
  const rng = new Rng(777);
  const u = (): number => rng.next();
  const g = (): number => rng.normal();
  const rows: number[][] = [];
  const y: number[] = [];
  for (let i = 0; i < 300; i++) {
    const a = +g().toFixed(4);
    const b = +g().toFixed(4);
    const e = +g().toFixed(4);
    const eta = 2 * a - b;
    y.push(family === 'gaussian' ? eta + 0.5 * g() : u() < 1 / (1 + Math.exp(-eta)) ? 1 : 0);
    rows.push([a, b, a, +(a + b).toFixed(4), +(3 * a).toFixed(4), e, +(a - e).toFixed(4)]);
  }
  return { x: DenseDesign.fromRows(rows), y };
}

/** Coefficients that are neither 0 nor of a size a model could mean. */
const roundingLevel = (c: ArrayLike<number>): number[] =>
  Array.from(c).filter((v) => v !== 0 && Math.abs(v) < 1e-12);

describe('coefficients left at rounding level are returned as exact zeros', () => {
  for (const family of ['binomial', 'gaussian'] as const) {
    it(`${family}: along a path, with the KKT conditions and the objective kept`, () => {
      const { x, y } = collinear(family);
      const path = solvePath(x, y, { family });
      let checked = 0;
      for (const fit of path.fits) {
        expect(roundingLevel(fit.coefficients), `λ = ${fit.lambda}`).toEqual([]);
        expect(fit.nonzero).toBe(Array.from(fit.coefficients).filter((v) => v !== 0).length);
        const kkt = checkKkt(x, y, fit, fit.lambda, { family });
        expect(kkt.maxViolation, `λ = ${fit.lambda}`).toBeLessThan(1e-7);
        checked++;
      }
      expect(checked).toBeGreaterThan(10);
    });
  }

  it('binomial at one λ: 2 non-zero (a, b), the objective as a fit from scratch says', () => {
    const { x, y } = collinear('binomial');
    const fit = solveAt(x, y, { family: 'binomial', lambda: 0.01 });
    expect(roundingLevel(fit.coefficients)).toEqual([]);
    expect(fit.nonzero).toBe(2);
    const parts = objectiveValue(x, y, fit, 0.01, { family: 'binomial' });
    expect(Math.abs(parts.objective - fit.objective)).toBeLessThan(1e-12 * parts.objective);
  });
});

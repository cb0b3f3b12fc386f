import { describe, expect, it, vi } from 'vitest';

import * as cholesky from '../../src/solve/cholesky.js';
import { DenseDesign } from '../../src/solve/design.js';
import { checkKkt } from '../../src/solve/kkt.js';
import { solvePath } from '../../src/solve/path.js';
import { Rng } from '../helpers/random.js';

// Count the factor deletions the covariance-mode active-set solve makes (the real function runs).
vi.mock('../../src/solve/cholesky.js', async (importOriginal) => {
  const original = await importOriginal<typeof import('../../src/solve/cholesky.js')>();
  return { ...original, choleskyDelete: vi.fn(original.choleskyDelete) };
});

/** Correlated columns (x_j = 0.8 z + 0.6 e_j): features enter and leave along the path. */
function correlated(seed: number): { x: DenseDesign; y: number[] } {
  const rng = new Rng(seed);
  const n = 300;
  const p = 40;
  const z = Float64Array.from({ length: n }, () => rng.normal());
  const values = new Float64Array(n * p);
  for (let j = 0; j < p; j++)
    for (let i = 0; i < n; i++) values[j * n + i] = 0.8 * z[i]! + 0.6 * rng.normal();
  const y = Array.from(
    { length: n },
    (_, i) =>
      values[i]! + values[n + i]! - 1.5 * values[2 * n + i]! + 0.5 * values[7 * n + i]! + rng.normal(),
  );
  return { x: new DenseDesign(n, p, values), y };
}

describe('covariance mode: the reused factor of the exact active-set solve', () => {
  it.each([1, 0.5])(
    'l1Ratio %s: features that leave are deleted from the factor, and every solution is the optimum',
    (l1Ratio) => {
      const deletions = vi.mocked(cholesky.choleskyDelete);
      deletions.mockClear();
      let seen = 0;
      for (const seed of [1, 2, 3, 4, 5, 6]) {
        const { x, y } = correlated(seed);
        const options = { family: 'gaussian', nLambda: 100, earlyStop: false, l1Ratio } as const;
        const exact = solvePath(x, y, options);
        const plain = solvePath(x, y, { ...options, activeSetSolve: false });
        expect(exact.converged && plain.converged).toBe(true);
        exact.fits.forEach((f, k) => {
          const g = plain.fits[k]!;
          expect(Math.abs(f.objective - g.objective) / g.objective).toBeLessThan(1e-12);
          expect(f.nonzero).toBe(g.nonzero);
          expect(checkKkt(x, y, f, f.lambda, { l1Ratio }).maxViolation).toBeLessThan(1e-8);
        });
        seen = deletions.mock.calls.length;
      }
      // the paths above did exercise deletions (several per l1Ratio)
      expect(seen).toBeGreaterThanOrEqual(3);
    },
  );
});

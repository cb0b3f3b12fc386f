/**
 * The default λ_min / λ_max of a path's grid is glmnet's: 1e-4, or 1e-2 when there are fewer rows
 * than columns (`lambda.min.ratio = ifelse(nobs < nvars, 0.01, 1e-04)`); n = p took 1e-2.
 */
import { describe, expect, it } from 'vitest';

import { DenseDesign, solvePath } from '../../src/index.js';
import { Rng } from '../helpers/random.js';

function ratioOf(n: number, p: number): number {
  const rng = new Rng(n * 100 + p);
  const x = DenseDesign.fromRows(
    Array.from({ length: n }, () => Array.from({ length: p }, () => rng.normal())),
  );
  const y = Array.from({ length: n }, () => rng.normal());
  const path = solvePath(x, y, { nLambda: 5, earlyStop: false });
  return path.fits[path.fits.length - 1]!.lambda / path.lambdaMax;
}

describe('the default lambdaMinRatio', () => {
  it.each([
    [8, 6, 1e-4],
    [6, 6, 1e-4],
    [5, 6, 1e-2],
  ])('n = %i, p = %i: %d', (n, p, ratio) => {
    expect(ratioOf(n, p)).toBeCloseTo(ratio, 12);
  });
});

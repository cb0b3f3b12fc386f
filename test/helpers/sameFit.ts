import { expect } from 'vitest';

import type { LambdaFit } from '../../src/solve/solve.js';

/** Expects two fits to be one: the same steps, counts, intercept, objective and coefficients, bit for bit. */
export function expectSameFit(fit: LambdaFit, other: LambdaFit): void {
  expect(fit.coefficients).toHaveLength(other.coefficients.length);
  expect(fit.intercept).toBe(other.intercept);
  expect(fit.objective).toBe(other.objective);
  expect(fit.passes).toBe(other.passes);
  expect(fit.kktChecks).toBe(other.kktChecks);
  expect(fit.columnVisits).toBe(other.columnVisits);
  expect(fit.outerIterations).toBe(other.outerIterations);
  let differ = 0;
  for (let j = 0; j < fit.coefficients.length; j++)
    if (!Object.is(fit.coefficients[j], other.coefficients[j])) differ++;
  expect(differ).toBe(0);
}

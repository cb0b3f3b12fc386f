/**
 * The separation warning's advice fits how λ was chosen: "leave out --lambda" only when the user
 * gave one; after cross-validation chose it, a larger --lambda or λ_1se.
 */
import { describe, expect, it } from 'vitest';

import { DenseDesign, prepareProblem } from '../../src/index.js';
import { solveAtProblem } from '../../src/solve/solve.js';
import { fitWarnings } from '../../src/solve/wellPosed.js';

describe('the separation warning', () => {
  const x = DenseDesign.fromRows([[1], [2], [3], [4]]);
  const problem = prepareProblem(x, [0, 0, 1, 1], { family: 'binomial' });
  const fit = solveAtProblem(problem, 0);

  it('after a λ the user gave: a larger one, or cross-validation', () => {
    const [warning] = fitWarnings(problem, fit, true);
    expect(warning).toMatch(
      /the classes are separated at λ = 0, .*; give a larger λ > 0 \(or leave out --lambda to choose it by cross-validation\)\.$/,
    );
  });

  it('after cross-validation chose λ_1se: a larger --lambda only', () => {
    const [warning] = fitWarnings(problem, fit, false, '1se');
    expect(warning).toMatch(/; cross-validation chose this λ \(λ_1se\): give a larger one with --lambda\.$/);
  });

  it('after cross-validation chose it: a larger --lambda, or --select 1se', () => {
    const [warning] = fitWarnings(problem, fit, false);
    expect(warning).toMatch(
      /; cross-validation chose this λ: give a larger one with --lambda, or take --select 1se \(the larger λ_1se\)\.$/,
    );
  });
});

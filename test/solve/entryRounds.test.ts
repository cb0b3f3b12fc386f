import { describe, expect, it } from 'vitest';

import { BinomialSolver } from '../../src/solve/binomial.js';
import { checkKkt } from '../../src/solve/kkt.js';
import { NewtonFinish } from '../../src/solve/newtonFinish.js';
import { objectiveValue } from '../../src/solve/objective.js';
import { prepareProblem, type Problem } from '../../src/solve/problem.js';
import { solveAt, toStandardized, type Coefficients } from '../../src/solve/solve.js';
import { CdState } from '../../src/solve/state.js';
import { refitCase } from '../helpers/refitCase.js';

// The refit case at test size (test/solve/refit.test.ts): 2,000 events × 20,000 hashed columns,
// window b 10 % after window a. From a warm start every full sweep of a loosely solved quadratic
// model lets a few more features violate, and each round cost a KKT check of every column; such
// models now stop adding after `entryRounds` rounds (the next Newton step's exact gradient
// certifies or goes on), to the same optimum.
const lambda = 0.002;
const kktTolerance = 1e-4;
const { cols, a, b, opts, onlineStart } = refitCase(lambda, kktTolerance);

/** A binomial solve from `start` with the given `entryRounds`, read back on the original scale. */
function solveFrom(problem: Problem, start: Coefficients, entryRounds: number) {
  const st = new CdState(problem);
  const solver = new BinomialSolver(st, new NewtonFinish(st));
  solver.entryRounds = entryRounds;
  const s = toStandardized(problem, start);
  st.setPoint(s.b0, s.beta);
  const outcome = solver.solve(lambda, kktTolerance);
  const coefficients = new Float64Array(cols);
  let intercept = st.b0;
  for (let j = 0; j < cols; j++) {
    if (st.beta[j] === 0) continue;
    coefficients[j] = st.beta[j]! / problem.scale[j]!;
    intercept -= coefficients[j]! * problem.mean[j]!;
  }
  return { outcome, model: { intercept, coefficients }, capped: st.roundsCapped, visits: st.columnVisits };
}

describe('loosely solved binomial quadratic models do not complete their working set', () => {
  it('warm, noisy and online starts reach the cold fit’s optimum with fewer checks of every column', () => {
    const problem = prepareProblem(b.x, b.y, opts);
    const cold = solveAt(b.x, b.y, opts);
    const coldObjective = objectiveValue(b.x, b.y, cold, lambda, { family: 'binomial' }).objective;
    const prev = solveAt(a.x, a.y, opts);
    const noisy = Float64Array.from(prev.coefficients);
    for (let j = 0; j < cols; j += 3)
      if (b.x.colStart[j + 1]! > b.x.colStart[j]!) noisy[j]! += ((j % 7) - 3) * 3e-4;
    const starts: Record<string, Coefficients> = {
      warm: prev,
      noisy: { intercept: prev.intercept, coefficients: noisy },
      online: onlineStart(),
    };
    let capped = 0;
    let checks = 0;
    let checksUncapped = 0;
    for (const [name, start] of Object.entries(starts)) {
      const fit = solveFrom(problem, start, 2);
      const complete = solveFrom(problem, start, Infinity);
      expect(complete.capped, name).toBe(0);
      for (const f of [fit, complete]) {
        expect(f.outcome.converged, name).toBe(true);
        // certified from scratch, at the cold fit's objective (KKT 1e-4: within 1e-8 of it)
        const kkt = checkKkt(b.x, b.y, f.model, lambda, { family: 'binomial' });
        expect(kkt.maxViolation, name).toBeLessThan(kktTolerance);
        const objective = objectiveValue(b.x, b.y, f.model, lambda, { family: 'binomial' }).objective;
        expect(Math.abs(objective - coldObjective) / coldObjective, name).toBeLessThan(1e-8);
      }
      capped += fit.capped;
      checks += fit.outcome.kktChecks;
      checksUncapped += complete.outcome.kktChecks;
    }
    // the cap ran, and it saved checks of every column
    expect(capped).toBeGreaterThan(0);
    expect(checks).toBeLessThan(checksUncapped);
  });
});

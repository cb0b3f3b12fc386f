import { describe, expect, it } from 'vitest';

import { Engine } from '../../src/solve/engine.js';
import { checkKkt } from '../../src/solve/kkt.js';
import { objectiveValue } from '../../src/solve/objective.js';
import { prepareProblem, type Problem } from '../../src/solve/problem.js';
import { interceptSteps, rareMoves, rareStart } from '../../src/solve/rareMoves.js';
import { mergeTwins, singletonTwins } from '../../src/solve/singletons.js';
import {
  type Coefficients,
  type LambdaFit,
  nullDeviance,
  readFit,
  solveAt,
  solveAtProblem,
  toStandardized,
} from '../../src/solve/solve.js';
import { refitCase } from '../helpers/refitCase.js';
import { expectSameFit } from '../helpers/sameFit.js';

// A warm fit from a previous refit's fit (`rareMoves: true`) tests its start with the objective
// that `rareStart` computes in its pass over the start's η, and sets the engine's point once, to
// the moved start (bench/results/warm-s33.md). It must take the steps it took when the point was
// first set to the start itself, for the engine's objective, then to the moved start.
const kktTolerance = 1e-2;

/** The fit as `solveAtProblem` made it before: the start set and tested in the engine, then moved. */
function startSetFirst(full: Problem, lambda: number, prev: Coefficients): LambdaFit {
  const twins = singletonTwins(full)!;
  const problem = twins.problem;
  const engine = new Engine(problem, null);
  const start = mergeTwins(twins.x, prev, twins.twinOf);
  const s = toStandardized(problem, start);
  engine.setPoint(s.b0, s.beta);
  const at = engine.objective(lambda);
  expect(at.loss + at.penalty).toBeLessThan(nullDeviance(full) / 2);
  const moved = rareMoves(problem, start, lambda);
  expect(moved).not.toBe(start);
  const m = toStandardized(problem, moved);
  engine.setPoint(m.b0, m.beta);
  engine.tailSweeps = true;
  try {
    return readFit(engine, lambda, engine.solve(lambda), nullDeviance(full));
  } finally {
    engine.release();
  }
}

describe('a warm fit that tests its start by the rare moves’ objective', () => {
  for (const lambda of [0.005, 0.002]) {
    it(`takes the steps of a fit whose engine was set to the start first (λ = ${lambda})`, () => {
      const { a, b, opts } = refitCase(lambda, kktTolerance);
      const prev = solveAt(a.x, a.y, opts);
      const full = prepareProblem(b.x, b.y, opts);
      const before = startSetFirst(full, lambda, prev);
      const fit = solveAtProblem(full, lambda, prev, true, true);
      expect(fit.startRefused).toBeUndefined();
      expectSameFit(fit, before);
      expect(fit.converged).toBe(true);
      expect(checkKkt(b.x, b.y, fit, lambda, { family: 'binomial' }).maxViolation).toBeLessThanOrEqual(
        kktTolerance,
      );
    });
  }

  it("gives the start's objective, and leaves a start above the limit unmoved", () => {
    const lambda = 0.005;
    const { a, b, opts } = refitCase(lambda, kktTolerance);
    const prev = solveAt(a.x, a.y, opts);
    const problem = prepareProblem(b.x, b.y, opts);
    const want = objectiveValue(b.x, b.y, prev, lambda, { family: 'binomial' }).objective;
    const got = rareStart(problem, prev, lambda)!;
    expect(got.moved).not.toBe(prev);
    expect(Math.abs(got.objective - want)).toBeLessThan(1e-12 * want);
    const refused = rareStart(problem, prev, lambda, want * (1 - 1e-9))!;
    expect(refused.moved).toBe(prev);
    expect(refused.objective).toBe(got.objective);
    // a start that is not finite, or of the wrong length, is `toStandardized`'s to report
    const bad = Float64Array.from(prev.coefficients);
    bad[7] = NaN;
    expect(rareStart(problem, { intercept: prev.intercept, coefficients: bad }, lambda)).toBeNull();
    expect(rareStart(problem, { intercept: 0, coefficients: new Float64Array(3) }, lambda)).toBeNull();
    expect(() =>
      solveAt(b.x, b.y, { ...opts, start: { intercept: 0, coefficients: bad }, rareMoves: true }),
    ).toThrow(/not finite/);
  });
});

describe("the intercept's steps of the rare moves", () => {
  const n = 500;
  const y = new Float64Array(n);
  const w = new Float64Array(n).fill(1 / n);
  const eta0 = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    eta0[i] = Math.sin(i) * 2;
    y[i] = Math.cos(3 * i) > 0.2 ? 1 : 0;
  }
  const rowsAt = (b: number) => {
    const eta = eta0.map((e) => e + b);
    const prob = eta.map((e) => 1 / (1 + Math.exp(-e)));
    return { y, w, eta, prob, gap: prob.map((q, i) => q - y[i]!) };
  };
  const slope = (r: { prob: Float64Array }) => r.prob.reduce((s, q, i) => s + w[i]! * (q - y[i]!), 0);

  it('reach the stop from far, and take no step within it', () => {
    const stop = 1e-7;
    const far = rowsAt(0.4);
    const b = interceptSteps(far, 0.4, stop);
    expect(Math.abs(slope(far))).toBeLessThanOrEqual(stop);
    // at the intercept found, moved off by less than the stop: no step, no row touched
    const near = rowsAt(b + 0.1 * stop);
    expect(Math.abs(slope(near))).toBeGreaterThan(0);
    expect(Math.abs(slope(near))).toBeLessThanOrEqual(stop);
    const eta = Float64Array.from(near.eta);
    expect(interceptSteps(near, b + 0.1 * stop, stop)).toBe(b + 0.1 * stop);
    expect(near.eta).toEqual(eta);
    // without a stop the same point takes its steps
    expect(interceptSteps(rowsAt(b + 0.1 * stop), b + 0.1 * stop, 0)).not.toBe(b + 0.1 * stop);
  });
});

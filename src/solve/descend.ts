import type { Engine } from './engine.js';
import type { LambdaOutcome } from './outcome.js';
import type { Problem } from './problem.js';

/**
 * A single small λ from a cold start is solved through a short internal path from λ_max
 * (glmnet's practice): each step's solution is the next one's warm start, and sequential strong
 * rules keep the working set near the final support instead of every feature that violates its
 * KKT condition at zero. The steps are solved loosely (only as warm starts); the requested λ at
 * the problem's accuracy.
 */

/** The log-odds of a rate, clamped away from 0 and 1 (the binomial null model's intercept). */
export function logit(m: number): number {
  const c = Math.min(Math.max(m, 1e-12), 1 - 1e-12);
  return Math.log(c / (1 - c));
}

/** The internal path is used when λ is below this fraction of λ_max… */
const DESCEND_BELOW = 0.5;
/** …in steps of about this factor of λ. */
const DESCEND_RATIO = 0.85;
/** Binomial KKT tolerance of the intermediate steps (at most the problem's own is used). */
const DESCEND_KKT = 0.3;

/** Intercept-only starting point, with unpenalized features fitted when there are any. */
export function nullStart(problem: Problem, engine: Engine): void {
  const b0 = problem.family === 'gaussian' ? problem.yMean : logit(problem.yMean);
  engine.setPoint(b0, new Float64Array(problem.x.cols));
  let unpenalized = false;
  for (let j = 0; j < problem.x.cols; j++) {
    if (problem.pf[j] === 0 && !problem.excluded[j]) {
      engine.addToSet(j);
      unpenalized = true;
    }
  }
  // Solving at a λ large enough to zero every penalized feature fits the intercept and the
  // unpenalized features, and leaves the gradient of every feature in engine.grad.
  engine.solve(unpenalized ? 1e300 : Number.MAX_VALUE);
}

/**
 * λ_max: the smallest λ at which every penalized β_j is 0 (docs/conventions.md), from the gradient at the
 * null model. For α < 0.001 a path starts at it computed with α = 0.001 (as glmnet), else it would be
 * infinite at α = 0 and far above every λ of interest near it; `exact` computes it with α itself.
 */
export function lambdaMaxOf(problem: Problem, engine: Engine, exact = false): number {
  let lmax = 0;
  const a = exact ? problem.alpha : Math.max(problem.alpha, 1e-3);
  for (let j = 0; j < problem.x.cols; j++) {
    if (problem.excluded[j] || problem.pf[j] === 0) continue;
    const v = Math.abs(engine.grad[j]!) / (a * problem.pf[j]!);
    if (v > lmax) lmax = v;
  }
  // a hair above, so that rounding cannot let a feature enter at λ_max itself
  return lmax * (1 + 1e-12);
}

/**
 * Solves at `lambda` from the null model, through the internal path when λ is far below λ_max.
 * The counts of the outcome include every step's.
 */
export function descendTo(problem: Problem, engine: Engine, lambda: number): LambdaOutcome {
  nullStart(problem, engine);
  const lambdaMax = lambdaMaxOf(problem, engine);
  let prev = lambdaMax;
  let passes = 0;
  let kktChecks = 0;
  let outer = 0;
  const total = (o: LambdaOutcome): LambdaOutcome => ({
    ...o,
    passes: o.passes + passes,
    kktChecks: o.kktChecks + kktChecks,
    outerIterations: o.outerIterations + outer,
  });
  // binomial only: gaussian fits have their own finishes (covariance mode) and no looser target
  if (problem.family === 'binomial' && lambda > 0 && lambdaMax > 0 && lambda < DESCEND_BELOW * lambdaMax) {
    const steps = Math.ceil(Math.log(lambda / lambdaMax) / Math.log(DESCEND_RATIO));
    const loose = Math.max(problem.kktTolerance, DESCEND_KKT);
    for (let k = 1; k < steps; k++) {
      const lk = lambdaMax * (lambda / lambdaMax) ** (k / steps);
      engine.addStrongSet(lk, prev);
      // the sweep budget (maxPasses) is shared by the whole descent
      const o = engine.solve(lk, loose, problem.maxPasses - passes);
      if (!o.converged) return total({ ...o, reason: o.reason ?? 'no convergence' });
      passes += o.passes;
      kktChecks += o.kktChecks;
      outer += o.outerIterations;
      prev = lk;
    }
  }
  engine.addStrongSet(lambda, Math.max(prev, lambda));
  return total(engine.solve(lambda, undefined, problem.maxPasses - passes));
}

import { DataError } from '../core/errors.js';
import type { Design } from './design.js';
import { usesCovariance } from './covariance.js';
import { Engine } from './engine.js';
import { lambdaMaxOf, nullStart } from './descend.js';
import { checkOptions } from './options.js';
import { problemOf, type Problem, type SolverOptions } from './problem.js';
import { checkLambda, nullDeviance, readFit, type LambdaFit } from './solve.js';

export { lambdaMaxOf } from './descend.js';

export interface PathOptions extends SolverOptions {
  /** Explicit λ values (sorted decreasing here); default: a log grid from λ_max. */
  readonly lambdas?: ArrayLike<number>;
  /** Number of λ values in the default grid (default 100). */
  readonly nLambda?: number;
  /** λ_min / λ_max of the default grid (default 1e-4, or 1e-2 when n < p: glmnet's rule). */
  readonly lambdaMinRatio?: number;
  /**
   * Stop the path early, as glmnet does, when the fraction of deviance explained exceeds 0.999
   * or improves by less than 1e-5 between consecutive λ, relative to itself for gaussian, absolute
   * for binomial (default true; never with `lambdas`).
   */
  readonly earlyStop?: boolean;
  /**
   * Gaussian, naive updates: start each λ from the linear extrapolation of the last two solutions
   * (exact while the active set and signs hold, where the lasso path is linear in λ) instead of
   * the last solution (default true; false for tests and comparisons).
   */
  readonly predictStart?: boolean;
  /** Called after each λ's fit with the λ done so far, the grid's size and the fit (progress reports). */
  readonly onLambda?: (done: number, total: number, fit: LambdaFit) => void;
}

export interface PathResult {
  readonly lambdaMax: number;
  readonly fits: readonly LambdaFit[];
  /** Column indices that are constant (coefficient fixed at 0). */
  readonly constantColumns: readonly number[];
  readonly nullDeviance: number;
  /** True when every λ converged. */
  readonly converged: boolean;
  /** Total coordinate sweeps over the path. */
  readonly passes: number;
  /**
   * Why the path ended before the last λ of its grid (glmnet's rule, `earlyStop`): the share of
   * deviance explained passed 0.999 (`explained`) or grew by less than 1e-5 (`flat`: of itself for
   * gaussian, absolute for binomial).
   */
  readonly stoppedEarly?: { readonly reason: 'explained' | 'flat'; readonly gridSize: number };
}

/** The default grid: nLambda values from λ_max down to λ_max·ratio, evenly spaced in log λ. */
export function lambdaGrid(lambdaMax: number, nLambda: number, ratio: number): Float64Array {
  const out = new Float64Array(nLambda);
  if (nLambda === 1) {
    out[0] = lambdaMax;
    return out;
  }
  const step = Math.log(ratio) / (nLambda - 1);
  for (let k = 0; k < nLambda; k++) out[k] = lambdaMax * Math.exp(step * k);
  out[0] = lambdaMax;
  return out;
}

/**
 * The regularization path: warm starts down a decreasing λ sequence, with sequential strong
 * rules and a KKT check over all features at every λ (glmnet's algorithm).
 */
export function solvePath(x: Design, y: ArrayLike<number>, options: PathOptions = {}): PathResult {
  checkOptions('solvePath', options);
  const problem = problemOf(x, y, options);
  return solvePathProblem(problem, options);
}

export function solvePathProblem(problem: Problem, options: PathOptions = {}): PathResult {
  const engine = new Engine(problem);
  try {
    return pathOn(problem, engine, options);
  } finally {
    engine.release();
  }
}

/** `solvePathProblem` on its engine (every fit read out of it). */
function pathOn(problem: Problem, engine: Engine, options: PathOptions): PathResult {
  const nullDev = nullDeviance(problem);
  if (problem.family === 'binomial' && nullDev === 0) {
    throw new DataError('the binomial target has a single class: it needs both 0 and 1 values');
  }
  nullStart(problem, engine);
  const lambdaMax = lambdaMaxOf(problem, engine);
  let lambdas: Float64Array;
  const explicit = options.lambdas !== undefined;
  if (options.lambdas !== undefined) {
    lambdas = Float64Array.from(options.lambdas);
    if (lambdas.length === 0) throw new DataError('the λ sequence is empty');
    for (const l of lambdas) checkLambda(l);
    lambdas.sort().reverse();
  } else {
    if (!(lambdaMax > 0)) {
      throw new DataError(
        problem.yVar === 0
          ? 'the target is constant: there is nothing to fit (check the target column)'
          : problem.x.cols === 0
            ? 'there are no features (no column besides the target, or events without features): no λ to choose; the intercept-only model is a fit at any λ (--lambda 0)'
            : 'no feature can enter the model (every feature is constant, unpenalized, or left out by an infinite penalty factor)',
      );
    }
    const nLambda = options.nLambda ?? 100;
    if (!Number.isInteger(nLambda) || nLambda < 1)
      throw new DataError(`nLambda must be a whole number >= 1, got ${nLambda}`);
    const ratio = options.lambdaMinRatio ?? (problem.x.rows < problem.x.cols ? 1e-2 : 1e-4);
    if (!(ratio > 0 && ratio < 1)) throw new DataError(`lambdaMinRatio must be in (0, 1), got ${ratio}`);
    lambdas = lambdaGrid(lambdaMax, nLambda, ratio);
  }
  const earlyStop = !explicit && (options.earlyStop ?? true);
  const fits: LambdaFit[] = [];
  let prev = lambdaMax;
  let passes = 0;
  let converged = true;
  // the solutions at the last two λ, for the predicted start (gaussian, naive updates)
  const predict = problem.family === 'gaussian' && !usesCovariance(problem) && (options.predictStart ?? true);
  let last = predict ? new Float64Array(problem.x.cols) : null;
  let before = predict ? new Float64Array(problem.x.cols) : null;
  let lastB0 = 0;
  let stoppedEarly: PathResult['stoppedEarly'];
  for (let k = 0; k < lambdas.length; k++) {
    const lambda = lambdas[k]!;
    engine.addStrongSet(lambda, Math.max(prev, lambda));
    if (last && before) {
      [last, before] = [before, last];
      last.set(engine.beta);
      const beforeB0 = lastB0;
      lastB0 = engine.b0;
      if (k >= 2 && fits[k - 1]!.converged && fits[k - 2]!.converged)
        engine.predictStart(before, beforeB0, (lambda - prev) / (prev - lambdas[k - 2]!));
    }
    const outcome = engine.solve(lambda);
    const fit = readFit(engine, lambda, outcome, nullDev);
    fits.push(fit);
    options.onLambda?.(k + 1, lambdas.length, fit);
    passes += fit.passes;
    if (!fit.converged) converged = false;
    prev = lambda;
    if (earlyStop && k >= 4) {
      const gain = fit.devianceRatio - fits[k - 1]!.devianceRatio;
      // glmnet's fdev: relative to the ratio for gaussian, absolute for binomial (glmnetpp's
      // elnet_path gaussian_base.hpp and binomial_base.hpp)
      const flat = problem.family === 'binomial' ? gain < 1e-5 : gain < 1e-5 * fit.devianceRatio;
      const reason = fit.devianceRatio > 0.999 ? 'explained' : flat ? 'flat' : undefined;
      if (reason !== undefined) {
        if (k < lambdas.length - 1) stoppedEarly = { reason, gridSize: lambdas.length };
        break;
      }
    }
  }
  return {
    lambdaMax,
    fits,
    constantColumns: problem.constantColumns,
    nullDeviance: nullDev,
    converged,
    passes,
    ...(stoppedEarly ? { stoppedEarly } : {}),
  };
}

import { DataError } from '../core/errors.js';
import type { Design } from './design.js';
import { solvePathProblem, type PathOptions, type PathResult } from './path.js';
import { checkOptions } from './options.js';
import { problemOf } from './problem.js';

export interface CrossValidationOptions extends PathOptions {
  /** Number of folds K ≥ 2 (default 10). */
  readonly folds?: number;
  /** Seed of the fold assignment (default 1); the same seed gives the same folds. */
  readonly seed?: number;
  /** Explicit fold of each row (0 … K−1); overrides `folds` and `seed`. */
  readonly foldIds?: ArrayLike<number>;
  /** Called after the full path (`done` 0) and after each fold's path, with the folds done of `total`. */
  readonly onProgress?: (done: number, total: number) => void;
}

export interface CrossValidationResult {
  /** The path on all the data; its λ sequence is the one cross-validated. */
  readonly path: PathResult;
  readonly lambdas: Float64Array;
  /** Mean held-out deviance per λ (mean squared error for gaussian, −2 mean log-likelihood for binomial). */
  readonly cvm: Float64Array;
  /** Its standard error across folds. */
  readonly cvsd: Float64Array;
  readonly lambdaMin: number;
  readonly indexMin: number;
  /** The largest λ whose cvm is within one standard error of the minimum. */
  readonly lambda1se: number;
  readonly index1se: number;
  readonly foldIds: Int32Array;
  readonly folds: number;
  /** Per λ: how many folds' fits did not converge (their held-out deviance is of an unconverged model). */
  readonly unconvergedFolds: Int32Array;
  /** True when the full path and every fold's fit converged. */
  readonly converged: boolean;
}

/** mulberry32: a small, fast, seeded generator (uniform in [0, 1)). */
export function seededRandom(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Balanced random folds: a seeded permutation of the rows, dealt round-robin into K folds. */
export function assignFolds(n: number, folds: number, seed: number): Int32Array {
  const rand = seededRandom(seed);
  const perm = new Int32Array(n);
  for (let i = 0; i < n; i++) perm[i] = i;
  for (let i = n - 1; i > 0; i--) {
    const k = Math.floor(rand() * (i + 1));
    const t = perm[i]!;
    perm[i] = perm[k]!;
    perm[k] = t;
  }
  const out = new Int32Array(n);
  for (let k = 0; k < n; k++) out[perm[k]!] = k % folds;
  return out;
}

/**
 * Explicit fold ids, checked: each a whole number ≥ 0 (one that is not would be truncated, or
 * leave its row out of every held-out fold), numbering at least two folds with none empty.
 */
function checkFoldIds(ids: ArrayLike<number>): { foldIds: Int32Array; folds: number } {
  const foldIds = new Int32Array(ids.length);
  let folds = 0;
  for (let i = 0; i < ids.length; i++) {
    const f = ids[i];
    if (!Number.isInteger(f) || f! < 0 || f! >= ids.length)
      throw new DataError(
        `foldIds[${i}] must be a whole number in [0, ${ids.length}) (the fold of row ${i}: 0 … K−1), got ${String(f)}`,
      );
    foldIds[i] = f!;
    // a loop, not Math.max(...foldIds): spreading a million rows overflows the stack
    if (f! >= folds) folds = f! + 1;
  }
  if (folds < 2)
    throw new DataError('foldIds put every row in fold 0: cross-validation needs at least two folds');
  const sizes = new Int32Array(folds);
  for (let i = 0; i < foldIds.length; i++) sizes[foldIds[i]!]!++;
  const empty = sizes.indexOf(0);
  if (empty >= 0)
    throw new DataError(
      `fold ${empty} is empty: foldIds must number the folds 0 … ${folds - 1} with a row in each`,
    );
  return { foldIds, folds };
}

/** What the folds of a cross-validation share: the rows' folds and targets, and the λ sequence. */
export interface FoldPlan {
  readonly foldIds: Int32Array;
  readonly folds: number;
  /** The targets and observation weights of every row, as the full problem has them. */
  readonly y: Float64Array;
  readonly w: Float64Array;
  readonly family: 'gaussian' | 'binomial';
  readonly lambdas: Float64Array;
}

/** One fold's held-out deviance at each λ of the plan, its rows' weight, and the λ whose fit did not converge. */
export interface FoldResult {
  readonly fold: number;
  readonly deviance: Float64Array;
  readonly weight: number;
  readonly unconverged: Uint8Array;
}

/** The fold ids of a cross-validation: `options.foldIds` checked, or K seeded balanced folds. */
function foldsOf(n: number, options: CrossValidationOptions): { foldIds: Int32Array; folds: number } {
  if (options.foldIds) {
    if (options.foldIds.length !== n)
      throw new DataError(`foldIds has ${options.foldIds.length} entries, expected ${n}`);
    return checkFoldIds(options.foldIds);
  }
  const K = options.folds ?? 10;
  if (!Number.isInteger(K) || K < 2) throw new DataError(`folds must be a whole number >= 2, got ${K}`);
  if (K > n) throw new DataError(`folds (${K}) cannot exceed the number of rows (${n})`);
  return { foldIds: assignFolds(n, K, options.seed ?? 1), folds: K };
}

/**
 * The first step of a cross-validation: the path on all the data, whose λ sequence every fold
 * then fits, and the folds.
 */
export function planFolds(
  x: Design,
  y: ArrayLike<number>,
  options: CrossValidationOptions,
): { path: PathResult; plan: FoldPlan } {
  const problem = problemOf(x, y, options);
  // the folds are checked before the path is fitted
  const { foldIds, folds } = foldsOf(x.rows, options);
  const path = solvePathProblem(problem, options);
  const lambdas = Float64Array.from(path.fits.map((f) => f.lambda));
  return { path, plan: { foldIds, folds, y: problem.y, w: problem.w, family: problem.family, lambdas } };
}

/**
 * Fold `fold` of `plan`: the path fitted on the other folds' rows at the plan's λ, and each fit's
 * held-out deviance on the fold's rows (mean squared error for gaussian, −2 mean log-likelihood
 * for binomial, weighted). `options` are the solver's (callbacks are not called).
 */
export function fitFold(x: Design, plan: FoldPlan, fold: number, options: PathOptions): FoldResult {
  const { foldIds, y, w, lambdas } = plan;
  const n = x.rows;
  const train: number[] = [];
  const test: number[] = [];
  for (let i = 0; i < n; i++) (foldIds[i] === fold ? test : train).push(i);
  if (test.length === 0) throw new DataError(`fold ${fold} is empty`);
  const trainRows = Int32Array.from(train);
  const xTrain = x.selectRows(trainRows);
  const yTrain = train.map((i) => y[i]!);
  const wTrain = train.map((i) => w[i]!);
  const { onLambda: _, ...solverOptions } = options;
  const fp = solvePathProblem(problemOf(xTrain, yTrain, { ...solverOptions, weights: wTrain }), {
    ...solverOptions,
    lambdas,
  });
  let wsum = 0;
  for (const i of test) wsum += w[i]!;
  const L = lambdas.length;
  const deviance = new Float64Array(L);
  const unconverged = new Uint8Array(L);
  const binomial = plan.family === 'binomial';
  const eta = new Float64Array(n);
  for (let l = 0; l < L; l++) {
    const fit = fp.fits[l]!;
    if (!fit.converged) unconverged[l] = 1;
    eta.fill(fit.intercept);
    for (let j = 0; j < x.cols; j++) {
      const c = fit.coefficients[j]!;
      if (c !== 0) x.axpy(j, c, eta);
    }
    let dev = 0;
    for (const i of test) {
      const yi = y[i]!;
      if (binomial) {
        const mu = Math.min(Math.max(1 / (1 + Math.exp(-eta[i]!)), 1e-5), 1 - 1e-5);
        dev += w[i]! * -2 * (yi * Math.log(mu) + (1 - yi) * Math.log(1 - mu));
      } else dev += w[i]! * (yi - eta[i]!) ** 2;
    }
    deviance[l] = dev / wsum;
  }
  return { fold, deviance, weight: wsum, unconverged };
}

/**
 * The cross-validation's result from the full path and every fold's (`folds` in any order): cvm
 * and cvsd per λ in fold order, λ_min and λ_1se.
 */
export function summarizeFolds(
  path: PathResult,
  plan: FoldPlan,
  folds: readonly FoldResult[],
): CrossValidationResult {
  const { lambdas } = plan;
  const K = plan.folds;
  const L = lambdas.length;
  const byFold: FoldResult[] = new Array<FoldResult>(K);
  for (const f of folds) byFold[f.fold] = f;
  const unconvergedFolds = new Int32Array(L);
  for (let f = 0; f < K; f++) {
    const r = byFold[f];
    if (r === undefined) throw new DataError(`fold ${f} has no result`);
    for (let l = 0; l < L; l++) unconvergedFolds[l]! += r.unconverged[l]!;
  }
  const cvm = new Float64Array(L);
  const cvsd = new Float64Array(L);
  let totalW = 0;
  for (let f = 0; f < K; f++) totalW += byFold[f]!.weight;
  for (let l = 0; l < L; l++) {
    let m = 0;
    for (let f = 0; f < K; f++) m += byFold[f]!.weight * byFold[f]!.deviance[l]!;
    m /= totalW;
    let v = 0;
    for (let f = 0; f < K; f++) v += byFold[f]!.weight * (byFold[f]!.deviance[l]! - m) ** 2;
    cvm[l] = m;
    cvsd[l] = Math.sqrt(v / totalW / (K - 1));
  }
  let indexMin = 0;
  for (let l = 1; l < L; l++) if (cvm[l]! < cvm[indexMin]!) indexMin = l;
  const bound = cvm[indexMin]! + cvsd[indexMin]!;
  let index1se = indexMin;
  for (let l = 0; l <= indexMin; l++) {
    if (cvm[l]! <= bound) {
      index1se = l;
      break;
    }
  }
  return {
    path,
    lambdas,
    cvm,
    cvsd,
    lambdaMin: lambdas[indexMin]!,
    indexMin,
    lambda1se: lambdas[index1se]!,
    index1se,
    foldIds: plan.foldIds,
    folds: K,
    unconvergedFolds,
    converged: path.converged && unconvergedFolds.every((c) => c === 0),
  };
}

/**
 * K-fold cross-validation over the λ path, as cv.glmnet: the path is fitted on all the data, then
 * on each fold's complement with the same λ sequence; held-out deviance is averaged over folds
 * weighted by their total observation weight, and λ_min / λ_1se are reported. On this thread;
 * `crossValidateOnThreads` fits the folds on several.
 */
export function crossValidate(
  x: Design,
  y: ArrayLike<number>,
  options: CrossValidationOptions = {},
): CrossValidationResult {
  checkOptions('crossValidate', options);
  const { path, plan } = planFolds(x, y, options);
  const results: FoldResult[] = [];
  options.onProgress?.(0, plan.folds);
  for (let f = 0; f < plan.folds; f++) {
    results.push(fitFold(x, plan, f, options));
    options.onProgress?.(f + 1, plan.folds);
  }
  return summarizeFolds(path, plan, results);
}

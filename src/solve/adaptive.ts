import { DataError } from '../core/errors.js';
import type { Design } from './design.js';
import { crossValidate, type CrossValidationOptions, type CrossValidationResult } from './cv.js';
import type { PathOptions, PathResult } from './path.js';
import { solvePath } from './path.js';
import { checkOptions, optionsOf } from './options.js';
import { problemOf } from './problem.js';

export interface AdaptiveOptions extends CrossValidationOptions {
  /** Exponent γ > 0 of the weights pf_j = 1 / |β̂_j|^γ (default 1). */
  readonly gamma?: number;
}

export interface AdaptiveResult {
  /** The first-stage cross-validated fit whose λ_min coefficients define the weights. */
  readonly initial: CrossValidationResult;
  /** pf_j = 1/|β̂_j|^γ on the scale the penalty applies to (standardized when `standardize`); Infinity for β̂_j = 0. */
  readonly penaltyFactors: Float64Array;
  /** The second-stage path with those penalty factors. */
  readonly path: PathResult;
}

/**
 * Adaptive lasso (Zou 2006) as a two-step fit: a cross-validated lasso / elastic net gives β̂ at
 * λ_min; the second stage refits the path with pf_j = 1/|β̂_j|^γ (features with β̂_j = 0 stay
 * out, as glmnet with infinite penalty factors). With `standardize`, β̂ is taken on the
 * standardized scale (sd_j β̂_j), where the penalty applies.
 */
export function adaptiveLasso(
  x: Design,
  y: ArrayLike<number>,
  options: AdaptiveOptions = {},
): AdaptiveResult {
  checkOptions('adaptiveLasso', options);
  const { initial, penaltyFactors } = adaptiveWeights(x, y, options);
  const second: PathOptions = { ...optionsOf<PathOptions>('solvePath', options), penaltyFactors };
  return { initial, penaltyFactors, path: solvePath(x, y, second) };
}

/**
 * The first stage of the adaptive lasso alone: the cross-validated fit and the penalty factors
 * pf_j = base_j / |β̂_j|^γ it defines (for a second stage chosen by the caller: a path, a
 * cross-validation, or one λ).
 */
export function adaptiveWeights(
  x: Design,
  y: ArrayLike<number>,
  options: AdaptiveOptions = {},
): { initial: CrossValidationResult; penaltyFactors: Float64Array } {
  checkOptions('adaptiveWeights', options);
  const gamma = options.gamma ?? 1;
  if (!(gamma > 0 && Number.isFinite(gamma))) throw new DataError(`gamma must be a number > 0, got ${gamma}`);
  const initial = crossValidate(x, y, optionsOf<CrossValidationOptions>('crossValidate', options));
  return { initial, penaltyFactors: adaptivePenaltyFactors(x, y, initial, options) };
}

/**
 * The adaptive lasso's penalty factors pf_j = base_j / |β̂_j|^γ from a first-stage
 * cross-validation `initial` (β̂ at its λ_min) of `x` and `y` with `options`.
 */
export function adaptivePenaltyFactors(
  x: Design,
  y: ArrayLike<number>,
  initial: CrossValidationResult,
  options: AdaptiveOptions,
): Float64Array {
  const gamma = options.gamma ?? 1;
  if (!(gamma > 0 && Number.isFinite(gamma))) throw new DataError(`gamma must be a number > 0, got ${gamma}`);
  const fit = initial.path.fits[initial.indexMin]!;
  const problem = problemOf(x, y, options);
  const pf = new Float64Array(x.cols);
  const base = options.penaltyFactors;
  for (let j = 0; j < x.cols; j++) {
    const b = Math.abs(fit.coefficients[j]!) * problem.scale[j]!;
    pf[j] = b > 0 ? (base ? base[j]! : 1) / b ** gamma : Infinity;
  }
  return pf;
}

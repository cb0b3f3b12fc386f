import { checkKkt } from './kkt.js';
import type { Problem } from './problem.js';

/** Rounding level of a soft-threshold argument, relative to its threshold (the default KKT tolerance). */
const ROUNDING_ZERO = 1e-10;

/** A fit's model on the original scale, as `readFit` reads it from the engine. */
export interface RawModel {
  intercept: number;
  readonly coefficients: Float64Array;
}

/**
 * Sets to exactly 0 the coefficients that coordinate descent left at rounding level where the KKT
 * conditions say 0 (on an exactly collinear column: the gradient sits on the threshold λ α pf_j,
 * and a rounding error of the sweep's soft-threshold argument leaves β_j = 5.9e-16 instead of 0).
 *
 * A penalized β_j is a candidate when putting it at 0 moves its soft-threshold argument by at
 * most `ROUNDING_ZERO` of the threshold (or the KKT tolerance if smaller; a refit's looser tolerance
 * would zero coefficients that are small, not rounding): |β̃_j| · c · Σ w x̃_j² ≤ tol · λ α pf_j, with
 * β̃_j = β_j s_j the standardized coefficient and c the largest loss curvature (1 gaussian, 1/4
 * binomial), so Σ w x̃_j² = (sd_j / s_j)². The candidates are zeroed together (the intercept takes
 * their share of the centring, so the standardized intercept is unchanged) and kept only if the
 * KKT conditions, checked from scratch on the raw design, then hold to within `tol` of how well
 * they held before. Returns how many were zeroed; `model` is changed in place only then.
 */
export function zeroRoundingLevel(problem: Problem, model: RawModel, lambda: number): number {
  const { pf, alpha, sd, scale, mean } = problem;
  const tol = Math.min(problem.kktTolerance, ROUNDING_ZERO);
  const c = model.coefficients;
  const curvature = problem.family === 'binomial' ? 0.25 : 1;
  const l1 = lambda * alpha;
  const candidates: number[] = [];
  for (let j = 0; j < c.length; j++) {
    const b = c[j]!;
    if (b === 0 || !(pf[j]! > 0 && pf[j]! < Infinity) || !(l1 > 0)) continue;
    const s = scale[j]!;
    if (Math.abs(b) * curvature * ((sd[j]! * sd[j]!) / s) <= tol * l1 * pf[j]!) candidates.push(j);
  }
  if (candidates.length === 0) return 0;
  const options = {
    family: problem.family,
    l1Ratio: alpha,
    weights: problem.w,
    penaltyFactors: pf,
    standardize: problem.standardize,
  };
  const before = checkKkt(problem.x, problem.y, model, lambda, options, problem).maxViolation;
  const zeroed = new Float64Array(c);
  let intercept = model.intercept;
  for (const j of candidates) {
    intercept += zeroed[j]! * mean[j]!;
    zeroed[j] = 0;
  }
  const after = checkKkt(problem.x, problem.y, { intercept, coefficients: zeroed }, lambda, options, problem);
  // the check from scratch has its own rounding (1e-12 of a threshold at small λ): the zeros may
  // cost up to `tol`, as each candidate's own argument moved by at most that
  if (after.maxViolation > before + tol) return 0;
  c.set(zeroed);
  model.intercept = intercept;
  return candidates.length;
}

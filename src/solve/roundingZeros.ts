import { SparseDesign } from './design.js';
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
 * they held before; or without those checks when `zeroingBound` proves that much. Returns how many were zeroed; `model` is changed in place only then.
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
  const zeroed = new Float64Array(c);
  let intercept = model.intercept;
  for (const j of candidates) {
    intercept += zeroed[j]! * mean[j]!;
    zeroed[j] = 0;
  }
  // a bound on how much the zeros can raise any feature's violation spares the two checks from
  // scratch (two passes over the design in JavaScript) when it proves what they would test
  if (
    !(zeroingBound(problem, c, candidates, lambda) <= tol) &&
    !(zeroingBound(problem, c, candidates, lambda, true) <= tol)
  ) {
    const options = {
      family: problem.family,
      l1Ratio: alpha,
      weights: problem.w,
      penaltyFactors: pf,
      standardize: problem.standardize,
    };
    const before = checkKkt(problem.x, problem.y, model, lambda, options, problem).maxViolation;
    const after = checkKkt(
      problem.x,
      problem.y,
      { intercept, coefficients: zeroed },
      lambda,
      options,
      problem,
    );
    // the check from scratch has its own rounding (1e-12 of a threshold at small λ): the zeros may
    // cost up to `tol`, as each candidate's own argument moved by at most that
    if (after.maxViolation > before + tol) return 0;
  }
  c.set(zeroed);
  model.intercept = intercept;
  return candidates.length;
}

/**
 * An upper bound on how much zeroing `candidates` (the intercept taking their share of the
 * centring, as `zeroRoundingLevel` does) raises any feature's violation as `checkKkt` reports it,
 * relative to its threshold; Infinity where it is not bounded here (a dense design, or a column
 * with entries whose sd is 0, whose scale `checkKkt` computes afresh).
 *
 * Every row's η moves by at most u + l_i: u = |Σ c_j m_j| on every row (the intercept's part) and
 * l_i = |Σ c_j x_ij| over the candidates j. So μ_i moves by at most c (u + l_i) (c the largest
 * loss curvature), and a gradient G_k = Σ w_i x_ik (y_i − μ_i) by at most c Σ w_i |x_ik| (u + l_i).
 * With a_k = Σ w_i |x_ik| and e_k = √(Σ w_i x_ik²) = √(sd_k² + m_k²), Cauchy–Schwarz gives
 * a_k ≤ e_k √(rows_k max w) and Σ w_i |x_ik| l_i ≤ min(a_k max l, e_k √(Σ w_i l_i²)): one loop over
 * the columns' statistics. Where that is not small enough, Σ w_i |x_ik| (u + l_i) is summed over
 * the entries (`exact`). A candidate's own violation also loses its ridge term λ pf (1 − α) s² |β|.
 */
export function zeroingBound(
  problem: Problem,
  coefficients: Float64Array,
  candidates: readonly number[],
  lambda: number,
  exact = false,
): number {
  const { x, w, sd, scale, mean, pf, alpha } = problem;
  if (!(x instanceof SparseDesign)) return Infinity;
  const { colStart, rowIndex, values } = x;
  const n = x.rows;
  const curvature = problem.family === 'binomial' ? 0.25 : 1;
  // checkKkt's weights are w / Σ w
  let sw = 0;
  let wmax = 0;
  for (let i = 0; i < n; i++) {
    sw += w[i]!;
    if (w[i]! > wmax) wmax = w[i]!;
  }
  let shift = 0;
  const local = new Float64Array(n);
  for (const j of candidates) {
    const b = coefficients[j]!;
    shift += b * mean[j]!;
    for (let k = colStart[j]!; k < colStart[j + 1]!; k++)
      local[rowIndex[k]!] = local[rowIndex[k]!]! + b * values[k]!;
  }
  const u = Math.abs(shift);
  let lmax = 0;
  let lsq = 0;
  for (let i = 0; i < n; i++) {
    const l = Math.abs(local[i]!);
    local[i] = l;
    if (l > lmax) lmax = l;
    lsq += w[i]! * l * l;
  }
  const lnorm = Math.sqrt(lsq);
  // the rounding of sd (a sum over the column's rows) is far below this slack
  const slack = 1 + 1e-9;
  let worst = 0;
  for (let k = 0; k < x.cols; k++) {
    const from = colStart[k]!;
    const to = colStart[k + 1]!;
    if (from === to) continue; // sd 0 from scratch too: checkKkt skips it
    if (!(sd[k]! > 0)) return Infinity;
    let moved: number;
    if (exact) {
      moved = 0;
      for (let e = from; e < to; e++) {
        const i = rowIndex[e]!;
        moved += w[i]! * Math.abs(values[e]!) * (u + local[i]!);
      }
    } else {
      const e = Math.sqrt((sd[k]! * sd[k]! + mean[k]! * mean[k]!) * slack);
      const a = e * Math.sqrt((to - from) * wmax * slack);
      moved = u * a + Math.min(a * lmax, e * lnorm) * slack;
    }
    const s = scale[k]!;
    // checkKkt's threshold and unit
    const t = lambda * alpha * pf[k]! * s;
    const unit = t > 0 ? t : lambda * alpha * s > 0 ? lambda * alpha * s : s;
    const rel = (curvature * moved) / sw / unit;
    if (Number.isNaN(rel)) return Infinity;
    if (rel > worst) worst = rel;
  }
  // a candidate's violation: its gradient's change (in `worst`) plus the ridge term it loses
  let ridge = 0;
  for (const j of candidates) {
    const s = scale[j]!;
    const r =
      (lambda * pf[j]! * (1 - alpha) * s * s * Math.abs(coefficients[j]!)) / (lambda * alpha * pf[j]! * s);
    if (!(r <= ridge)) ridge = r;
  }
  return worst + ridge;
}

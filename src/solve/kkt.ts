import { checkOptions } from './options.js';
import { SparseDesign, type Design } from './design.js';
import type { KnownColumnScales, ObjectiveOptions } from './objective.js';
import { penaltyScale } from './problem.js';
import { wasmGradients } from './wasmGradients.js';

export interface KktReport {
  /** Largest violation, relative to the L1 threshold λ α pf_j sd_j of its feature (or 1 if that is 0). */
  readonly maxViolation: number;
  /** The feature with the largest violation (−1 for the intercept). */
  readonly worst: number;
  /** |Σ w (y − μ)|: the intercept's stationarity residual. */
  readonly interceptResidual: number;
  /** The largest |y − μ| over rows of positive weight. */
  readonly maxResidual: number;
}

/**
 * Checks the Karush–Kuhn–Tucker conditions of docs/conventions.md's objective for a model on the original
 * scale, from scratch on the raw design: with G_j = Σ w_i x_ij (y_i − μ_i) (w summing to 1) and
 * s_j the column's scale (`penaltyScale`: its sd under standardization, else 1),
 *
 *     β_j ≠ 0:  G_j = λ pf_j (α s_j sign β_j + (1−α) s_j² β_j)
 *     β_j = 0:  |G_j| ≤ λ α pf_j s_j
 *
 * Violations are reported relative to the feature's threshold λ α pf_j s_j (λ α s_j when pf_j = 0).
 * `known`: the column scales `prepareProblem` computed on the same design, weights and
 * `standardize` (the same numbers, not computed twice).
 */
export function checkKkt(
  x: Design,
  y: ArrayLike<number>,
  model: { readonly intercept: number; readonly coefficients: ArrayLike<number> },
  lambda: number,
  options: ObjectiveOptions = {},
  known?: KnownColumnScales,
): KktReport {
  checkOptions('checkKkt', options);
  const n = x.rows;
  const p = x.cols;
  const alpha = options.l1Ratio ?? 1;
  const w = new Float64Array(n);
  let sw = 0;
  // options' fields read once, before the loops (see `toStandardized`)
  const { weights, penaltyFactors } = options;
  const coefficients = model.coefficients;
  const binomial = options.family === 'binomial';
  const standardize = options.standardize ?? true;
  for (let i = 0; i < n; i++) {
    w[i] = weights ? weights[i]! : 1;
    sw += w[i]!;
  }
  for (let i = 0; i < n; i++) w[i]! /= sw;
  const resid = new Float64Array(n).fill(model.intercept);
  for (let j = 0; j < p; j++) {
    const c = coefficients[j]!;
    if (c !== 0) x.axpy(j, c, resid);
  }
  let r0 = 0;
  let maxResidual = 0;
  for (let i = 0; i < n; i++) {
    const e = resid[i]!;
    const mu = binomial ? 1 / (1 + Math.exp(-e)) : e;
    const r = y[i]! - mu;
    resid[i] = r;
    r0 += w[i]! * r;
    if (w[i]! > 0 && Math.abs(r) > maxResidual) maxResidual = Math.abs(r);
  }
  // every column's gradient in one WebAssembly call on a large sparse design (the same sums as dot2)
  const gradients = new Float64Array(p);
  const summed = x instanceof SparseDesign && wasmGradients(x, w, resid, gradients);
  let maxViolation = 0;
  let worst = -1;
  for (let j = 0; j < p; j++) {
    let s: number;
    if (known !== undefined && known.sd[j]! > 0) s = known.scale[j]!;
    else {
      const m = x.dot(j, w);
      const sd = Math.sqrt(Math.max(x.centeredSquares(j, w, m, 1), 0));
      if (sd === 0) continue; // constant column: not identifiable, fixed at 0
      s = penaltyScale(x, j, w, sd, standardize);
    }
    const pf = penaltyFactors ? penaltyFactors[j]! : 1;
    const g = summed ? gradients[j]! : x.dot2(j, w, resid);
    const b = coefficients[j]!;
    const t = lambda * alpha * pf * s;
    // unpenalized features (pf = 0): measured against the threshold they would have with pf = 1
    const unit = t > 0 ? t : lambda * alpha * s > 0 ? lambda * alpha * s : s;
    const v =
      b !== 0
        ? Math.abs(g - lambda * pf * (alpha * s * Math.sign(b) + (1 - alpha) * s * s * b))
        : Math.max(0, Math.abs(g) - t);
    const rel = v / unit;
    if (rel > maxViolation) {
      maxViolation = rel;
      worst = j;
    }
  }
  return { maxViolation, worst, interceptResidual: Math.abs(r0), maxResidual };
}

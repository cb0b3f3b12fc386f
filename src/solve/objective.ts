import { checkOptions } from './options.js';
import type { Family } from '../core/event.js';
import type { Design } from './design.js';
import { penaltyScale, type Standardize } from './problem.js';

export interface ObjectiveOptions {
  readonly family?: Family;
  readonly l1Ratio?: number;
  readonly standardize?: Standardize;
  /** Observation weights (any positive scale; normalized here). */
  readonly weights?: ArrayLike<number>;
  readonly penaltyFactors?: ArrayLike<number>;
}

export interface ObjectiveParts {
  /** Loss + penalty: the objective of docs/conventions.md. */
  readonly objective: number;
  /** The loss term: (1/2n) Σ v r² or −(1/n) Σ v (yη − log(1+e^η)). */
  readonly loss: number;
  readonly penalty: number;
  /** Deviance: 2 × loss (the mean squared error for gaussian, −2 mean log-likelihood for binomial). */
  readonly deviance: number;
}

/**
 * Column scales already known for a design and weights (`Problem.sd` and `Problem.scale` of
 * `prepareProblem` with the same `standardize`): where sd_j > 0, s_j is `scale[j]`, exactly what
 * `penaltyScale` gives from scratch; columns with sd_j = 0 (constant to rounding) are recomputed.
 */
export interface KnownColumnScales {
  readonly sd: Float64Array;
  readonly scale: Float64Array;
}

/**
 * The objective of docs/conventions.md for a model on the original scale, computed from scratch from the
 * raw design — independent of the solver's internal (standardized, implicitly centered) state,
 * so tests compare solvers and references through it. With `standardize`, the penalty applies
 * to sd_j β_j (population sd under the weights), as glmnet.
 */
export function objectiveValue(
  x: Design,
  y: ArrayLike<number>,
  model: { readonly intercept: number; readonly coefficients: ArrayLike<number> },
  lambda: number,
  options: ObjectiveOptions = {},
  known?: KnownColumnScales,
): ObjectiveParts {
  checkOptions('objectiveValue', options);
  const n = x.rows;
  const p = x.cols;
  const family = options.family ?? 'gaussian';
  const alpha = options.l1Ratio ?? 1;
  const w = new Float64Array(n);
  let sw = 0;
  // options' fields read once, before the loops (see `toStandardized`)
  const { weights, penaltyFactors } = options;
  const coefficients = model.coefficients;
  const standardize = options.standardize ?? true;
  for (let i = 0; i < n; i++) {
    w[i] = weights ? weights[i]! : 1;
    sw += w[i]!;
  }
  for (let i = 0; i < n; i++) w[i]! /= sw;
  const eta = new Float64Array(n).fill(model.intercept);
  for (let j = 0; j < p; j++) {
    const c = coefficients[j]!;
    if (c !== 0) x.axpy(j, c, eta);
  }
  let loss = 0;
  for (let i = 0; i < n; i++) {
    const e = eta[i]!;
    const yi = y[i]!;
    if (family === 'gaussian') loss += 0.5 * w[i]! * (yi - e) ** 2;
    else loss += w[i]! * ((e > 0 ? e + Math.log1p(Math.exp(-e)) : Math.log1p(Math.exp(e))) - yi * e);
  }
  let penalty = 0;
  for (let j = 0; j < p; j++) {
    const c = coefficients[j]!;
    if (c === 0) continue;
    let s = 1;
    if (standardize !== false && known !== undefined && known.sd[j]! > 0) s = known.scale[j]!;
    else if (standardize !== false) {
      const m = x.dot(j, w);
      s = penaltyScale(x, j, w, Math.sqrt(Math.max(x.centeredSquares(j, w, m, 1), 0)), standardize);
    }
    const b = s * c;
    const pf = penaltyFactors ? penaltyFactors[j]! : 1;
    penalty += pf * (alpha * Math.abs(b) + ((1 - alpha) / 2) * b * b);
  }
  penalty *= lambda;
  return { objective: loss + penalty, loss, penalty, deviance: 2 * loss };
}

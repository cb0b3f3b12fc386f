import type { Family } from '../core/event.js';
import { lossFor } from '../loss/index.js';

export interface ObjectiveInput {
  readonly family: Family;
  readonly y: ArrayLike<number>;
  /** Linear predictors η_i (or predictions ŷ_i for gaussian). */
  readonly eta: ArrayLike<number>;
  readonly coefficients: ArrayLike<number>;
  readonly lambda: number;
  readonly l1Ratio?: number;
  readonly weights?: ArrayLike<number>;
  readonly penaltyFactors?: ArrayLike<number>;
  /**
   * `design` (default): the objective of docs/conventions.md, (1/n)·Σ v_i ℓ_i + λ Σ pf_j (α|β_j| + (1−α)/2 β_j²) with
   * ℓ = ½(y−η)² or the logistic loss. `sum-of-squares`: Σ (y_i − ŷ_i)² + λ‖β‖₁ (gaussian, α = 1),
   * the textbook form of the lasso's worked examples.
   */
  readonly form?: 'design' | 'sum-of-squares';
}

/** The penalized objective that every learner and solver minimizes (docs/conventions.md). */
export function lassoObjective(input: ObjectiveInput): number {
  const { y, eta, coefficients, lambda } = input;
  const alpha = input.l1Ratio ?? 1;
  const n = y.length;
  if (input.form === 'sum-of-squares') {
    let rss = 0;
    for (let i = 0; i < n; i++) rss += (y[i] - eta[i]) ** 2;
    let l1 = 0;
    for (let j = 0; j < coefficients.length; j++) l1 += Math.abs(coefficients[j]);
    return rss + lambda * l1;
  }
  const loss = lossFor(input.family);
  let wsum = 0;
  for (let i = 0; i < n; i++) wsum += input.weights ? input.weights[i] : 1;
  let total = 0;
  for (let i = 0; i < n; i++) {
    const v = input.weights ? (input.weights[i] * n) / wsum : 1;
    total += v * loss.value(eta[i], y[i]);
  }
  let penalty = 0;
  for (let j = 0; j < coefficients.length; j++) {
    const b = coefficients[j];
    const pf = input.penaltyFactors ? input.penaltyFactors[j] : 1;
    penalty += pf * (alpha * Math.abs(b) + ((1 - alpha) / 2) * b * b);
  }
  return total / n + lambda * penalty;
}

import type { Family } from '../core/event.js';

/**
 * A loss of the linear predictor η for one observation, as in docs/conventions.md (per event, before the 1/n
 * average): gaussian ½(y − η)², binomial −(yη − log(1 + e^η)).
 */
export interface Loss {
  readonly family: Family;
  /** ℓ(η, y). */
  value(eta: number, y: number): number;
  /** ∂ℓ/∂η. */
  derivative(eta: number, y: number): number;
  /** The mean prediction for η (identity, or the logistic sigmoid). */
  mean(eta: number): number;
}

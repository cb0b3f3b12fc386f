import type { Loss } from './loss.js';

/** log(1 + e^η) without overflow or loss of precision at either end. */
export function softplus(eta: number): number {
  return eta > 0 ? eta + Math.log1p(Math.exp(-eta)) : Math.log1p(Math.exp(eta));
}

/** The logistic sigmoid 1 / (1 + e^−η), stable for large |η|. */
export function sigmoid(eta: number): number {
  if (eta >= 0) return 1 / (1 + Math.exp(-eta));
  const e = Math.exp(eta);
  return e / (1 + e);
}

/**
 * Logistic loss of the binomial family, −(yη − log(1 + e^η)) for y ∈ {0, 1}: the negative
 * log-likelihood (natural log), finite for every finite η.
 */
export const logisticLoss: Loss = {
  family: 'binomial',
  value(eta, y) {
    return softplus(eta) - y * eta;
  },
  derivative(eta, y) {
    return sigmoid(eta) - y;
  },
  mean: sigmoid,
};

import type { Loss } from './loss.js';

/** Squared loss ½(y − η)² of the gaussian family. */
export const squaredLoss: Loss = {
  family: 'gaussian',
  value(eta, y) {
    const r = y - eta;
    return 0.5 * r * r;
  },
  derivative(eta, y) {
    return eta - y;
  },
  mean(eta) {
    return eta;
  },
};

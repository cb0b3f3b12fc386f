import { describe, expect, it } from 'vitest';

import { lassoObjective } from '../../src/learn/objective.js';
import { elasticNetProx, repeatedProx, softThreshold, subgradientStep } from '../../src/learn/prox.js';
import { logisticLoss, sigmoid, softplus } from '../../src/loss/logistic.js';
import { squaredLoss } from '../../src/loss/squared.js';

describe('the seed articles’ worked examples', () => {
  it('soft threshold of z = −1.1 at λ = 0.3 gives −0.8', () => {
    expect(softThreshold(-1.1, 0.3)).toBeCloseTo(-0.8, 15);
    expect(softThreshold(0.2, 0.3)).toBe(0);
    expect(softThreshold(1.1, 0.3)).toBeCloseTo(0.8, 15);
  });

  it('subgradient step w = 0.6, α = 0.1, g = 0.4, λ = 0.2 gives 0.54', () => {
    expect(subgradientStep(0.6, 0.1, 0.4, 0.2)).toBeCloseTo(0.54, 15);
  });

  it('loss 1.5 for y = [3, 5], ŷ = [2.5, 4.5], w = [1.2, −0.8], λ = 0.5 (sum-of-squares form)', () => {
    const input = {
      family: 'gaussian' as const,
      y: [3, 5],
      eta: [2.5, 4.5],
      coefficients: [1.2, -0.8],
      lambda: 0.5,
    };
    expect(lassoObjective({ ...input, form: 'sum-of-squares' })).toBeCloseTo(1.5, 15);
    // DESIGN §1 form: (1/2n)·RSS + λ‖w‖₁ = 0.125 + 1.0
    expect(lassoObjective(input)).toBeCloseTo(1.125, 15);
  });
});

describe('proximal maps', () => {
  it('elastic-net prox is the soft threshold shrunk by 1/(1 + b)', () => {
    expect(elasticNetProx(2, 0.5, 0.5)).toBeCloseTo(1, 15);
    expect(elasticNetProx(-0.4, 0.5, 3)).toBe(0);
  });

  it('k repeated prox steps equal the closed form', () => {
    for (const [w, a, b] of [
      [3, 0.1, 0],
      [-3, 0.1, 0.05],
      [0.5, 0.01, 0.2],
      [10, 0.3, 1e-9],
    ]) {
      for (const k of [1, 2, 7, 40]) {
        let v = w;
        for (let s = 0; s < k; s++) v = elasticNetProx(v, a, b);
        expect(Math.abs(repeatedProx(w, k, a, b) - v)).toBeLessThan(1e-12 * Math.max(1, Math.abs(v)));
      }
    }
  });
});

describe('losses are numerically safe for large margins', () => {
  it('logistic loss and sigmoid at ±800', () => {
    expect(softplus(800)).toBe(800);
    expect(softplus(-800)).toBe(0);
    expect(logisticLoss.value(800, 1)).toBe(0);
    expect(logisticLoss.value(-800, 1)).toBe(800);
    expect(logisticLoss.value(40, 0)).toBeCloseTo(40, 12);
    expect(sigmoid(-800)).toBe(0);
    expect(sigmoid(800)).toBe(1);
    expect(Number.isFinite(logisticLoss.derivative(-1e6, 1))).toBe(true);
  });

  it('logistic loss equals −log-likelihood where it is representable', () => {
    for (const eta of [-5, -0.3, 0, 2, 7]) {
      const p = 1 / (1 + Math.exp(-eta));
      expect(logisticLoss.value(eta, 1)).toBeCloseTo(-Math.log(p), 12);
      expect(logisticLoss.value(eta, 0)).toBeCloseTo(-Math.log(1 - p), 12);
      expect(logisticLoss.derivative(eta, 1)).toBeCloseTo(p - 1, 14);
    }
    expect(squaredLoss.value(1, 3)).toBe(2);
    expect(squaredLoss.derivative(1, 3)).toBe(-2);
  });
});

import { describe, expect, it } from 'vitest';

import { sparseOf, type SparseVector } from '../../src/core/sparse.js';
import { Fobos } from '../../src/learn/fobos.js';
import { Ftrl } from '../../src/learn/ftrl.js';
import type { Learner } from '../../src/learn/learner.js';
import { TruncatedGradient } from '../../src/learn/truncatedGradient.js';
import { Rng } from '../helpers/random.js';
import { EagerFtrl, EagerProximalSgd } from './eager.js';

type Family = 'gaussian' | 'binomial';
const P = 30;

/** Events with 1..6 of P features, a few heavy ones and a long tail, so coefficients die and revive. */
function stream(seed: number, n: number, family: Family): Array<{ x: SparseVector; y: number; w: number }> {
  const rng = new Rng(seed);
  const beta = Array.from({ length: P }, (_, j) => (j < 4 ? (j % 2 ? -1.5 : 2) : 0));
  const out = [];
  for (let i = 0; i < n; i++) {
    const pairs = new Map<number, number>();
    const k = 1 + rng.int(6);
    for (let m = 0; m < k; m++) {
      const j = rng.next() < 0.5 ? rng.int(6) : rng.int(P);
      pairs.set(j, rng.next() < 0.3 ? 1 : rng.normal());
    }
    const x = sparseOf([...pairs]);
    let eta = 0.3;
    for (const [j, v] of pairs) eta += beta[j] * v;
    const y = family === 'binomial' ? (rng.next() < 1 / (1 + Math.exp(-eta)) ? 1 : 0) : eta + rng.normal();
    out.push({ x, y, w: rng.next() < 0.2 ? 0.5 + rng.next() : 1 });
  }
  return out;
}

function close(a: number, b: number): boolean {
  return Math.abs(a - b) <= 1e-12 * Math.max(1, Math.abs(a), Math.abs(b));
}

/** An eager dense reference: learns like the lazy learner and exposes its full state. */
interface EagerReference {
  learn(x: SparseVector, y: number, w: number): number;
  weights(): Float64Array;
  intercept(): number;
}

function compare(lazy: Learner, eager: EagerReference, family: Family, seed: number) {
  let worst = 0;
  let zerosSeen = 0;
  for (const { x, y, w } of stream(seed, 400, family)) {
    const a = lazy.learnOne(x, y, w);
    const b = eager.learn(x, y, w);
    worst = Math.max(worst, Math.abs(a - b));
    expect(close(a, b), `margin ${a} vs ${b}`).toBe(true);
    const we = eager.weights();
    for (let j = 0; j < P; j++) if (we[j] === 0) zerosSeen++;
  }
  const we = eager.weights();
  for (let j = 0; j < P; j++) {
    expect(close(lazy.coefficient(j), we[j]), `coef ${j}: ${lazy.coefficient(j)} vs ${we[j]}`).toBe(true);
  }
  expect(close(lazy.intercept(), eager.intercept())).toBe(true);
  // The stream must exercise the penalty: coefficients sit at exactly zero at times.
  expect(zerosSeen).toBeGreaterThan(0);
  return worst;
}

describe('lazy penalties equal eager dense updates to 1e-12', () => {
  const families: Family[] = ['gaussian', 'binomial'];
  for (const family of families) {
    for (const [l1Ratio, lambda] of [
      [1, 0.05],
      [0.5, 0.08],
    ] as const) {
      it(`FOBOS ${family} α=${l1Ratio}`, () => {
        for (const seed of [1, 2, 3]) {
          const lazy = new Fobos({ family, lambda, l1Ratio, rates: { eta0: 0.5 } });
          const eager = new EagerProximalSgd({
            family,
            lambda,
            l1Ratio,
            eta0: 0.5,
            delta: 1,
            adagrad: true,
            K: 1,
            theta: Infinity,
            p: P,
          });
          compare(lazy, eager, family, seed);
        }
      });

      it(`FOBOS constant rate ${family} α=${l1Ratio}`, () => {
        const lazy = new Fobos({ family, lambda, l1Ratio, rates: { schedule: 'constant', eta0: 0.05 } });
        const eager = new EagerProximalSgd({
          family,
          lambda,
          l1Ratio,
          eta0: 0.05,
          delta: 1,
          adagrad: false,
          K: 1,
          theta: Infinity,
          p: P,
        });
        compare(lazy, eager, family, 9);
      });

      it(`truncated gradient ${family} α=${l1Ratio}, K=3, θ=∞ and θ=0.4`, () => {
        for (const theta of [Infinity, 0.4]) {
          const lazy = new TruncatedGradient({
            family,
            lambda,
            l1Ratio,
            truncateEvery: 3,
            theta,
            rates: { eta0: 0.5 },
          });
          const eager = new EagerProximalSgd({
            family,
            lambda,
            l1Ratio,
            eta0: 0.5,
            delta: 1,
            adagrad: true,
            K: 3,
            theta,
            p: P,
          });
          compare(lazy, eager, family, 4);
        }
      });

      it(`cumulative penalty (Tsuruoka) ${family} α=${l1Ratio}, FOBOS and K=3`, () => {
        for (const K of [1, 3]) {
          const lazy = new TruncatedGradient({
            family,
            lambda,
            l1Ratio,
            truncateEvery: K,
            cumulative: true,
            rates: { eta0: 0.5 },
          });
          const eager = new EagerProximalSgd({
            family,
            lambda,
            l1Ratio,
            eta0: 0.5,
            delta: 1,
            adagrad: true,
            K,
            theta: Infinity,
            p: P,
            cumulative: true,
          });
          compare(lazy, eager, family, 12 + K);
        }
      });

      it(`FTRL-Proximal ${family} α=${l1Ratio}`, () => {
        for (const seed of [5, 6]) {
          const lazy = new Ftrl({ family, lambda: lambda / 5, l1Ratio, alpha: 0.5 });
          const eager = new EagerFtrl({ family, lambda: lambda / 5, l1Ratio, alpha: 0.5, beta: 1, p: P });
          compare(lazy, eager, family, seed);
        }
      });
    }
  }

  it('penalty factors: pf = 0 leaves a coordinate unpenalized, pf = 2 doubles its shrinkage', () => {
    const pf = new Float64Array(P).fill(1);
    pf[0] = 0;
    pf[5] = 2;
    const lazy = new Fobos({ family: 'gaussian', lambda: 0.05, rates: { eta0: 0.5 } });
    lazy.setPenaltyFactor(0, 0);
    lazy.setPenaltyFactor(5, 2);
    const eager = new EagerProximalSgd({
      family: 'gaussian',
      lambda: 0.05,
      l1Ratio: 1,
      eta0: 0.5,
      delta: 1,
      adagrad: true,
      K: 1,
      theta: Infinity,
      p: P,
      pf,
    });
    compare(lazy, eager, 'gaussian', 11);
  });
});

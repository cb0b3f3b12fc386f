import { describe, expect, it } from 'vitest';

import { sparseOf } from '../../src/core/sparse.js';
import { Ftrl } from '../../src/learn/ftrl.js';
import { logisticLoss } from '../../src/loss/logistic.js';
import { Rng } from '../helpers/random.js';

/**
 * McMahan et al.'s Algorithm 1 written plainly, in the arithmetic `Ftrl` documents (`weightOf`,
 * σ_j = (√(n_j + g²) − √n_j)/α with both roots taken afresh): `Ftrl.learnOne` must agree with it
 * to the last bit, whatever it keeps between its loops.
 */
class PlainFtrl {
  readonly z: Float64Array;
  readonly n: Float64Array;
  zb = 0;
  nb = 0;
  t = 0;
  constructor(
    readonly lambda: number,
    readonly l1Ratio: number,
    readonly pf: Float64Array,
    readonly alpha = 0.1,
    readonly beta = 1,
  ) {
    this.z = new Float64Array(pf.length);
    this.n = new Float64Array(pf.length);
  }
  weight(j: number): number {
    const l1 = this.t * this.lambda * this.l1Ratio * this.pf[j];
    const l2 = this.t * this.lambda * (1 - this.l1Ratio) * this.pf[j];
    const z = this.z[j];
    const d = this.beta / this.alpha + Math.sqrt(this.n[j]) * (1 / this.alpha) + l2;
    if (z > l1) return (l1 - z) / d;
    if (z < -l1) return (-l1 - z) / d;
    return 0;
  }
  learn(pairs: ReadonlyArray<readonly [number, number]>, y: number): number {
    const b0 = -this.zb / ((this.beta + Math.sqrt(this.nb)) / this.alpha);
    const w = pairs.map(([j]) => this.weight(j));
    let eta = b0;
    pairs.forEach(([, v], k) => (eta += w[k] * v));
    const d = logisticLoss.derivative(eta, y);
    pairs.forEach(([j, v], k) => {
      const g = d * v;
      const nNew = this.n[j] + g * g;
      const sigma = (Math.sqrt(nNew) - Math.sqrt(this.n[j])) * (1 / this.alpha);
      this.z[j] += w[k] === 0 ? g : g - sigma * w[k];
      this.n[j] = nNew;
    });
    const nb = this.nb + d * d;
    this.zb += d - ((Math.sqrt(nb) - Math.sqrt(this.nb)) / this.alpha) * b0;
    this.nb = nb;
    this.t++;
    return eta;
  }
}

describe('FTRL learnOne, bit for bit', () => {
  it('agrees with the plainly written update, weights non-zero or not, candidates kept or not', () => {
    const rng = new Rng(17);
    const P = 80;
    const pf = new Float64Array(P).fill(1);
    pf[4] = 0;
    pf[9] = 2.5;
    const plain = new PlainFtrl(1e-3, 0.8, pf);
    const ftrl = new Ftrl({ family: 'binomial', lambda: 1e-3, l1Ratio: 0.8 });
    ftrl.setPenaltyFactor(4, 0);
    ftrl.setPenaltyFactor(9, 2.5);
    let nonZero = 0;
    for (let i = 1; i <= 5000; i++) {
      const m = new Map<number, number>();
      for (let c = 1 + rng.int(10); c > 0; c--)
        m.set(rng.next() < 0.5 ? rng.int(12) : rng.int(P), rng.normal());
      const pairs = [...m];
      const y = rng.next() < 1 / (1 + Math.exp(-(m.get(4) ?? 0) + 2 * (m.get(9) ?? 0))) ? 1 : 0;
      expect(ftrl.learnOne(sparseOf(pairs), y)).toBe(plain.learn(pairs, y));
      if (i === 2500) ftrl.forEachNonZero(() => undefined); // from here on, the listing loop
    }
    for (let j = 0; j < P; j++) {
      expect(ftrl.coefficient(j)).toBe(plain.weight(j));
      if (plain.weight(j) !== 0) nonZero++;
    }
    expect(nonZero).toBeGreaterThan(5);
    const state = ftrl.state();
    expect(state.scalars.zIntercept).toBe(plain.zb);
  });
});

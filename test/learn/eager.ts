/**
 * Dense, eager reference implementations of the online learners, written from the papers'
 * update rules independently of src/learn: every coordinate is visited at every step, so no lazy
 * bookkeeping is involved. Used to check that the lazy O(nnz) learners are exact.
 */
import type { SparseVector } from '../../src/core/sparse.js';

const sigmoid = (e: number) => 1 / (1 + Math.exp(-e));

function derivative(family: 'gaussian' | 'binomial', eta: number, y: number): number {
  return family === 'binomial' ? sigmoid(eta) - y : eta - y;
}

function dense(x: SparseVector, p: number): { values: Float64Array; present: Uint8Array } {
  const values = new Float64Array(p);
  const present = new Uint8Array(p);
  for (let k = 0; k < x.nnz; k++) {
    values[x.indices[k]] += x.values[k];
    present[x.indices[k]] = 1;
  }
  return { values, present };
}

/** Langford et al.'s T1(v, a, θ). */
function t1(v: number, a: number, theta: number): number {
  if (v >= 0 && v <= theta) return Math.max(0, v - a);
  if (v < 0 && v >= -theta) return Math.min(0, v + a);
  return v;
}

export interface EagerSgdOptions {
  family: 'gaussian' | 'binomial';
  lambda: number;
  l1Ratio: number;
  eta0: number;
  delta: number;
  adagrad: boolean;
  K: number;
  theta: number;
  p: number;
  pf?: Float64Array;
  cumulative?: boolean;
}

export class EagerProximalSgd {
  w: Float64Array;
  g2: Float64Array;
  debt: Float64Array;
  seen: Uint8Array;
  b0 = 0;

  weights(): Float64Array {
    return this.w;
  }

  intercept(): number {
    return this.b0;
  }
  g2b = 0;
  t = 0;
  weightSum = 0;
  weighted = 0;
  constructor(readonly o: EagerSgdOptions) {
    this.w = new Float64Array(o.p);
    this.g2 = new Float64Array(o.p);
    this.debt = new Float64Array(o.p);
    this.seen = new Uint8Array(o.p);
  }
  rate(g2: number): number {
    return this.o.adagrad ? this.o.eta0 / (this.o.delta + Math.sqrt(g2)) : this.o.eta0;
  }
  learn(x: SparseVector, y: number, weight = 1): number {
    const { values, present } = dense(x, this.o.p);
    let eta = this.b0;
    for (let j = 0; j < this.o.p; j++) eta += this.w[j] * values[j];
    const d = relative(this, weight) * derivative(this.o.family, eta, y);
    const s = ++this.t;
    for (let j = 0; j < this.o.p; j++) {
      if (present[j]) this.seen[j] = 1;
      const g = present[j] ? d * values[j] : 0;
      if (present[j]) this.g2[j] += g * g;
      const r = this.rate(this.g2[j]);
      let w = this.w[j] - r * g;
      if (s % this.o.K === 0) {
        const pf = this.o.pf ? this.o.pf[j] : 1;
        const a = this.o.K * r * this.o.lambda * this.o.l1Ratio * pf;
        const b = this.o.K * r * this.o.lambda * (1 - this.o.l1Ratio) * pf;
        if (this.o.cumulative && this.g2[j] === 0) {
          // A feature owes nothing before its first non-zero gradient (new features can enter).
        } else if (this.o.cumulative) {
          // Tsuruoka et al.: add this step's penalty to what is owed, pay as far as |w| allows.
          this.debt[j] += a;
          const pay = Math.min(Math.abs(w), this.debt[j]);
          this.debt[j] -= pay;
          w = (w - Math.sign(w) * pay) / (1 + b);
        } else {
          w = t1(w, a, this.o.theta) / (1 + b);
        }
      }
      this.w[j] = w;
    }
    this.g2b += d * d;
    this.b0 -= this.rate(this.g2b) * d;
    return eta;
  }
}

export class EagerFtrl {
  z: Float64Array;
  n: Float64Array;
  zb = 0;
  nb = 0;
  t = 0;
  weightSum = 0;
  weighted = 0;
  constructor(
    readonly o: {
      family: 'gaussian' | 'binomial';
      lambda: number;
      l1Ratio: number;
      alpha: number;
      beta: number;
      p: number;
    },
  ) {
    this.z = new Float64Array(o.p);
    this.n = new Float64Array(o.p);
  }
  weights(): Float64Array {
    const { lambda, l1Ratio, alpha, beta } = this.o;
    const l1 = this.t * lambda * l1Ratio;
    const l2 = this.t * lambda * (1 - l1Ratio);
    return this.z.map((z, j) =>
      Math.abs(z) <= l1 ? 0 : -(z - Math.sign(z) * l1) / ((beta + Math.sqrt(this.n[j])) / alpha + l2),
    );
  }
  intercept(): number {
    return -this.zb / ((this.o.beta + Math.sqrt(this.nb)) / this.o.alpha);
  }
  learn(x: SparseVector, y: number, weight = 1): number {
    const { values } = dense(x, this.o.p);
    const w = this.weights();
    const b = this.intercept();
    let eta = b;
    for (let j = 0; j < this.o.p; j++) eta += w[j] * values[j];
    const d = relative(this, weight) * derivative(this.o.family, eta, y);
    for (let j = 0; j < this.o.p; j++) {
      const g = d * values[j];
      const sigma = (Math.sqrt(this.n[j] + g * g) - Math.sqrt(this.n[j])) / this.o.alpha;
      this.z[j] += g - sigma * w[j];
      this.n[j] += g * g;
    }
    const sb = (Math.sqrt(this.nb + d * d) - Math.sqrt(this.nb)) / this.o.alpha;
    this.zb += d - sb * b;
    this.nb += d * d;
    this.t++;
    return eta;
  }
}

/**
 * The event's weight over the mean weight of the events learned with a weight so far, itself
 * included (DESIGN §1: weights normalized to average 1); adds it to the learner's sum and count.
 */
function relative(learner: { weightSum: number; weighted: number }, weight: number): number {
  const v =
    weight === 0
      ? 0
      : learner.weightSum > 0
        ? weight / ((learner.weightSum + weight) / (learner.weighted + 1))
        : 1;
  learner.weightSum += weight;
  if (weight > 0) learner.weighted++;
  return v;
}

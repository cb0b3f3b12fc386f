import { packColumns } from '../core/columns.js';
import type { Family } from '../core/event.js';
import { growFloat64, growInt32, touchState, type SparseVector } from '../core/sparse.js';
import { lossFor, type Loss } from '../loss/index.js';
import { GRADIENT_OVERFLOW, UPDATE_FINITE, type Learner, type LearnerState } from './learner.js';
import { marginCheck, StagedLearner } from './staged.js';
import {
  checkArrays,
  checkCompatible,
  checkPenaltyFactors,
  penaltyFactorsOf,
  restorePenaltyFactors,
} from './proximalSgd.js';

export interface FtrlOptions {
  readonly family: Family;
  /** λ of DESIGN §1; after t events, λ1 = t·λ·α and λ2 = t·λ·(1−α) in McMahan's cumulative form. */
  readonly lambda: number;
  readonly l1Ratio?: number;
  /** Per-coordinate learning-rate numerator (McMahan's α). */
  readonly alpha?: number;
  /** Per-coordinate learning-rate offset (McMahan's β). */
  readonly beta?: number;
}

const STRIDE = 2;
const Z = 0;
const N = 1;

export const defaultFtrl = { alpha: 0.1, beta: 1 } as const;

/**
 * FTRL-Proximal (McMahan et al. 2013, Algorithm 1) with per-coordinate rates. The weights are a
 * closed-form function of the per-coordinate state (z_j, n_j) and of t:
 *
 *     w_j = 0                                                    if |z_j| ≤ λ1
 *     w_j = −(z_j − sign(z_j)·λ1) / ((β + √n_j)/α + λ2)           otherwise
 *
 * so they are computed when read, and a coordinate absent for k events sees exactly the penalty of
 * the t events seen so far: lazy and exact by construction, O(nnz) per update.
 */
export class Ftrl extends StagedLearner implements Learner {
  readonly name = 'ftrl';
  readonly family: Family;
  readonly lambda: number;
  readonly l1Ratio: number;
  readonly alpha: number;
  readonly beta: number;
  private readonly loss: Loss;

  private t = 0;
  private dim = 0;
  /** Sink for `touchState`'s sum (never read). */
  private touched = 0;
  /**
   * Per-coordinate state interleaved, [z_j, n_j] in 16 bytes, so an update touches one cache line
   * per non-zero and the whole state of 2^20 columns fits in 16 MB.
   */
  private s = new Float64Array(16 * STRIDE);
  /** Penalty factors, allocated by the first `setPenaltyFactor` (all 1 until then). */
  private pf: Float64Array<ArrayBuffer> | null = null;
  private zIntercept = 0;
  private nIntercept = 0;
  private scratch = new Float64Array(256);
  /** √n_j of the event's non-zero weights (`learnOne`, parallel to `scratch`). */
  private roots = new Float64Array(256);
  /**
   * Candidates for `forEachNonZero` once it has run (`candidatesValid`): the coordinates non-zero
   * at its last call and those updated since (`listed[j]` marks them). Any other coordinate has
   * kept its z_j while λ1 = t·λ·α·pf_j has not fallen, so its weight is still 0: a call reads
   * these instead of all `dim` coordinates (drift checks read the model every few thousand
   * events, and hashed models have millions of coordinates).
   */
  private candidates = new Int32Array(0);
  private candidateCount = 0;
  private listed: Uint8Array<ArrayBuffer> = new Uint8Array(0);
  private candidatesValid = false;
  private readonly invAlpha: number;
  private readonly betaOverAlpha: number;
  /** `stage`'s z_j and n_j after the update, parallel to the event's entries; and the intercept's. */
  private nextZ = new Float64Array(256);
  private nextN = new Float64Array(256);
  private nextZIntercept = 0;
  private nextNIntercept = 0;

  constructor(options: FtrlOptions) {
    super();
    this.family = options.family;
    this.lambda = options.lambda;
    this.l1Ratio = options.l1Ratio ?? 1;
    this.alpha = options.alpha ?? defaultFtrl.alpha;
    this.beta = options.beta ?? defaultFtrl.beta;
    this.loss = lossFor(this.family);
    this.invAlpha = 1 / this.alpha;
    this.betaOverAlpha = this.beta / this.alpha;
  }

  get steps(): number {
    return this.t;
  }

  setPenaltyFactor(j: number, factor: number): void {
    this.ensure(j);
    if (this.pf === null) this.pf = new Float64Array(Math.max(1024, this.dim)).fill(1);
    if (j >= this.pf.length) this.pf = growFloat64(this.pf, j + 1, 1);
    this.pf[j] = factor;
    this.candidatesValid = false;
  }

  protected ensure(j: number): void {
    if (j < this.dim) return;
    if ((j + 1) * STRIDE > this.s.length) this.s = growFloat64(this.s, (j + 1) * STRIDE);
    if (this.pf !== null && j >= this.pf.length) this.pf = growFloat64(this.pf, j + 1, 1);
    this.dim = j + 1;
  }

  /**
   * w_j from (z_j, n_j) with l1 = t·λ·α·pf_j and l2 = t·λ·(1−α)·pf_j; every read of a weight
   * (here and written out in `learnOne`) uses this same arithmetic, so all agree to the last bit.
   */
  private weightOf(z: number, n: number, l1: number, l2: number): number {
    if (z > l1) return (l1 - z) / (this.betaOverAlpha + Math.sqrt(n) * this.invAlpha + l2);
    if (z < -l1) return (-l1 - z) / (this.betaOverAlpha + Math.sqrt(n) * this.invAlpha + l2);
    return 0;
  }

  /** w_j after `t` events. */
  private weight(j: number, t: number): number {
    const o = j * STRIDE;
    const z = this.s[o + Z];
    if (z === 0) return 0;
    const pf = this.pf === null ? 1 : this.pf[j];
    return this.weightOf(
      z,
      this.s[o + N],
      t * this.lambda * this.l1Ratio * pf,
      t * this.lambda * (1 - this.l1Ratio) * pf,
    );
  }

  private interceptWeight(): number {
    return -this.zIntercept / ((this.beta + Math.sqrt(this.nIntercept)) / this.alpha);
  }

  marginOne(x: SparseVector): number {
    let eta = this.interceptWeight();
    for (let k = 0; k < x.nnz; k++) {
      const j = x.indices[k];
      if (j < this.dim) eta += this.weight(j, this.t) * x.values[k];
    }
    return eta;
  }

  predictOne(x: SparseVector): number {
    return this.loss.mean(this.marginOne(x));
  }

  /**
   * The update of (x, y, weight) into the `next*` buffers, nothing else written: the margin
   * (`checkedMargin`), then each coordinate's (z_j, n_j) and the intercept's. Returns
   * `checkUpdate`'s answer. `grow`: make room for new coordinates now (else they read as zeros).
   */
  protected stage(x: SparseVector, y: number, weight: number, grow: boolean): number {
    const nnz = x.nnz;
    const idx = x.indices;
    const val = x.values;
    if (nnz > this.scratch.length) {
      this.scratch = new Float64Array(nnz * 2);
      this.roots = new Float64Array(nnz * 2);
      this.nextZ = new Float64Array(nnz * 2);
      this.nextN = new Float64Array(nnz * 2);
    }
    const w = this.scratch;
    const roots = this.roots;
    const b0 = this.interceptWeight();
    let eta = b0;
    const l1t = this.t * this.lambda * this.l1Ratio;
    const l2t = this.t * this.lambda * (1 - this.l1Ratio);
    // touch the event's coordinates first (see touchState); the sum only keeps the loads alive
    this.touched = touchState(this.s, STRIDE, N, idx, nnz, this.dim);
    for (let k = 0; k < nnz; k++) {
      const j = idx[k];
      if (j >= this.dim && grow) this.ensure(j);
      const o = j * STRIDE;
      const z = j < this.dim ? this.s[o + Z] : 0;
      let wk = 0;
      if (z !== 0) {
        // `weightOf` inline, keeping √n_j of a non-zero weight for the update below
        const pf = this.pf === null ? 1 : this.pf[j];
        const l1 = l1t * pf;
        if (z > l1 || z < -l1) {
          const root = Math.sqrt(this.s[o + N]);
          wk = ((z > l1 ? l1 : -l1) - z) / (this.betaOverAlpha + root * this.invAlpha + l2t * pf);
          roots[k] = root;
        }
      }
      w[k] = wk;
      eta += wk * val[k];
    }
    this.checkedMargin = eta;
    const d = weight * this.loss.derivative(eta, y);
    let update = marginCheck(eta, d);
    const s = this.s;
    const invAlpha = this.invAlpha;
    const nextZ = this.nextZ;
    const nextN = this.nextN;
    for (let k = 0; k < nnz; k++) {
      const j = idx[k];
      const o = j * STRIDE;
      const known = j < this.dim;
      const g = d * val[k];
      const nNew = (known ? s[o + N] : 0) + g * g;
      const wk = w[k];
      // σ·w vanishes for a zero weight (most of a sparse model): z += g exactly, without the roots
      const z = (known ? s[o + Z] : 0) + (wk === 0 ? g : g - (Math.sqrt(nNew) - roots[k]) * invAlpha * wk);
      nextZ[k] = z;
      nextN[k] = nNew;
      if (update === UPDATE_FINITE && !(Number.isFinite(z) && Number.isFinite(nNew))) update = k;
    }
    const nNew = this.nIntercept + d * d;
    this.nextZIntercept =
      this.zIntercept + (d - ((Math.sqrt(nNew) - Math.sqrt(this.nIntercept)) / this.alpha) * b0);
    this.nextNIntercept = nNew;
    if (update === UPDATE_FINITE && !Number.isFinite(this.nextZIntercept)) update = GRADIENT_OVERFLOW;
    return update;
  }

  /** Writes the update `stage` computed for x (its coordinates in the state). */
  protected commit(x: SparseVector): void {
    if (this.candidatesValid) this.updateListing(x.indices, x.nnz);
    else {
      const s = this.s;
      for (let k = 0; k < x.nnz; k++) {
        const o = x.indices[k] * STRIDE;
        s[o + Z] = this.nextZ[k];
        s[o + N] = this.nextN[k];
      }
    }
    this.zIntercept = this.nextZIntercept;
    this.nIntercept = this.nextNIntercept;
    this.t++;
  }

  intercept(): number {
    return this.interceptWeight();
  }

  /**
   * Sets the state so that the weights become exactly `values` at `cols` (0 elsewhere) and the
   * intercept `intercept`, keeping every n_j (the per-coordinate rates): z_j is solved from the
   * closed form of `weightOf`, and a coordinate that must be 0 has z_j clipped into [−λ1, λ1].
   * Learning then goes on from those weights (a refit handed back to the online learner).
   */
  assignWeights(intercept: number, cols: Int32Array, values: Float64Array): void {
    for (let k = 0; k < cols.length; k++) this.ensure(cols[k]);
    const target = new Map<number, number>();
    for (let k = 0; k < cols.length; k++) if (values[k] !== 0) target.set(cols[k], values[k]);
    const l1t = this.t * this.lambda * this.l1Ratio;
    const l2t = this.t * this.lambda * (1 - this.l1Ratio);
    const s = this.s;
    for (let j = 0; j < this.dim; j++) {
      const o = j * STRIDE;
      const pf = this.pf === null ? 1 : this.pf[j];
      const l1 = l1t * pf;
      const w = target.get(j);
      if (w === undefined) {
        s[o + Z] = Math.min(Math.max(s[o + Z], -l1), l1);
        continue;
      }
      const d = this.betaOverAlpha + Math.sqrt(s[o + N]) * this.invAlpha + l2t * pf;
      s[o + Z] = w > 0 ? -l1 - w * d : l1 - w * d;
    }
    this.zIntercept = -intercept * ((this.beta + Math.sqrt(this.nIntercept)) / this.alpha);
    this.candidatesValid = false;
  }

  coefficient(j: number): number {
    return j < this.dim ? this.weight(j, this.t) : 0;
  }

  forEachNonZero(fn: (index: number, value: number) => void): void {
    if (!this.candidatesValid) {
      this.scanAll(fn);
      return;
    }
    // ascending, as a full scan visits them; the non-zero ones stay candidates
    const list = this.candidates.subarray(0, this.candidateCount).sort();
    const listed = this.listed;
    let kept = 0;
    for (let k = 0; k < list.length; k++) {
      const j = list[k];
      const w = this.weight(j, this.t);
      if (w !== 0) {
        list[kept++] = j;
        fn(j, w);
      } else listed[j] = 0;
    }
    this.candidateCount = kept;
  }

  /** Every coordinate's weight; the non-zero ones become the candidates. */
  private scanAll(fn: (index: number, value: number) => void): void {
    if (this.listed.length < this.dim) this.listed = new Uint8Array(this.s.length / STRIDE);
    else this.listed.fill(0);
    const listed = this.listed;
    let count = 0;
    let list = this.candidates;
    for (let j = 0; j < this.dim; j++) {
      const w = this.weight(j, this.t);
      if (w !== 0) {
        if (count === list.length) list = growInt32(list, count + 1);
        list[count++] = j;
        listed[j] = 1;
        fn(j, w);
      }
    }
    this.candidates = list;
    this.candidateCount = count;
    // (a weight can only turn non-zero by an update while λ1 does not fall with t)
    this.candidatesValid =
      this.lambda * this.l1Ratio >= 0 && (this.pf === null || this.pf.every((f) => f >= 0));
  }

  /**
   * `commit` when the candidates are kept: each updated coordinate is also listed unless its
   * weight is 0 at t + 1, |z_j| ≤ λ1 = (t+1)·λ·α·pf_j, computed as `weight` computes it. Such a
   * weight stays 0 until z_j changes again, since λ1 does not fall as t grows (rounding included:
   * a product with a non-negative factor is monotone), so most updates of a sparse model list
   * nothing, and the bound is tested first, on the z_j just written, before `listed` is read.
   */
  private updateListing(idx: Int32Array, nnz: number): void {
    if (this.listed.length < this.dim) this.listed = growUint8(this.listed, this.s.length / STRIDE);
    const listed = this.listed;
    const s = this.s;
    const pf = this.pf;
    const l1 = (this.t + 1) * this.lambda * this.l1Ratio;
    for (let k = 0; k < nnz; k++) {
      const j = idx[k];
      const o = j * STRIDE;
      const z = this.nextZ[k];
      s[o + Z] = z;
      s[o + N] = this.nextN[k];
      const bound = pf === null ? l1 : l1 * pf[j];
      if (z >= -bound && z <= bound) continue;
      if (listed[j] === 0) {
        listed[j] = 1;
        if (this.candidateCount === this.candidates.length)
          this.candidates = growInt32(this.candidates, this.candidateCount + 1);
        this.candidates[this.candidateCount++] = j;
      }
    }
  }

  /** One field of the interleaved state for coordinates 0..dim−1. */
  private column(field: number): Float64Array {
    const out = new Float64Array(this.dim);
    for (let j = 0; j < this.dim; j++) out[j] = this.s[j * STRIDE + field];
    return out;
  }

  private hyper(): Record<string, number> {
    return { lambda: this.lambda, l1Ratio: this.l1Ratio, alpha: this.alpha, beta: this.beta };
  }

  state(): LearnerState {
    const d = this.dim;
    const arrays: Record<string, Float64Array> = { z: this.column(Z), n: this.column(N) };
    const pf = penaltyFactorsOf(this.pf, d);
    if (pf !== null) arrays.pf = pf;
    return {
      learner: this.name,
      family: this.family,
      hyper: this.hyper(),
      steps: this.t,
      dimension: d,
      ...packColumns(arrays, d, { pf: 1 }),
      scalars: { zIntercept: this.zIntercept, nIntercept: this.nIntercept },
    };
  }

  restore(state: LearnerState): void {
    checkCompatible(state, this.name, this.family, this.hyper());
    const d = state.dimension;
    const { z, n, pf } = checkArrays(state, this.name, ['z', 'n'], ['pf']);
    checkPenaltyFactors(this.name, this.pf, this.dim, pf, d);
    const s = new Float64Array(Math.max(16, d) * STRIDE);
    for (let j = 0; j < d; j++) {
      s[j * STRIDE + Z] = z[j];
      s[j * STRIDE + N] = n[j];
    }
    this.s = s;
    this.pf = pf === undefined ? null : restorePenaltyFactors(pf, d);
    this.dim = d;
    this.t = state.steps;
    this.zIntercept = state.scalars.zIntercept ?? 0;
    this.nIntercept = state.scalars.nIntercept ?? 0;
    this.candidatesValid = false;
  }
}

function growUint8(a: Uint8Array, size: number): Uint8Array<ArrayBuffer> {
  const b = new Uint8Array(size);
  b.set(a);
  return b;
}

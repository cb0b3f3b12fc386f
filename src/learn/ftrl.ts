import { capacityFor, checkColumns, packColumns, packUsedColumns, UsedColumns } from '../core/columns.js';
import type { Family } from '../core/event.js';
import { growInt32, touchState, type SparseVector } from '../core/sparse.js';
import { UPDATE_FINITE, type Learner, type LearnerState } from './learner.js';
import { checkLearnerOptions } from './options.js';
import { StagedLearner } from './staged.js';
import {
  checkArrays,
  checkCompatible,
  checkPenaltyFactors,
  penaltyFactorsOf,
  restorePenaltyFactors,
} from './proximalSgd.js';

export interface FtrlOptions {
  readonly family: Family;
  /** λ of docs/conventions.md; after t events, λ1 = t·λ·α and λ2 = t·λ·(1−α) in McMahan's cumulative form. */
  readonly lambda: number;
  readonly l1Ratio?: number;
  /** Per-coordinate learning-rate numerator (McMahan's α). */
  readonly alpha?: number;
  /** Per-coordinate learning-rate offset (McMahan's β). */
  readonly beta?: number;
}

/** The keys of `FtrlOptions`. */
const FTRL_KEYS: readonly (keyof FtrlOptions)[] = ['family', 'lambda', 'l1Ratio', 'alpha', 'beta'];

const STRIDE = 2;
const Z = 0;
const N = 1;
/** Entry buffers: the event's weights w_j and √n_j (`margin`), then the staged z_j and n_j. */
const WEIGHT = 0;
const ROOT = 1;
const NEXT_Z = 2;
const NEXT_N = 3;

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
  readonly lambda: number;
  readonly l1Ratio: number;
  readonly alpha: number;
  readonly beta: number;

  private zIntercept = 0;
  private nIntercept = 0;
  /** The intercept's weight `margin` read. */
  private b0 = 0;
  /** Σ|z_j| and Σ|w_j| over the event's coordinates (`margin`), for `provenFinite`. */
  private zSum = 0;
  private wSum = 0;
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
  /** The coordinates written since created or restored: a checkpoint reads only these. */
  private used = new UsedColumns(16);
  private readonly invAlpha: number;
  private readonly betaOverAlpha: number;
  /** Staged z_j and n_j of the intercept after the update. */
  private nextZIntercept = 0;
  private nextNIntercept = 0;

  constructor(options: FtrlOptions) {
    checkLearnerOptions('ftrl', options, FTRL_KEYS);
    // [z_j, n_j] in 16 bytes: the whole state of 2^20 columns fits in 16 MB
    super(options.family, STRIDE, N, 16, 4);
    this.lambda = options.lambda;
    this.l1Ratio = options.l1Ratio ?? 1;
    this.alpha = options.alpha ?? defaultFtrl.alpha;
    this.beta = options.beta ?? defaultFtrl.beta;
    this.invAlpha = 1 / this.alpha;
    this.betaOverAlpha = this.beta / this.alpha;
  }

  override setPenaltyFactor(j: number, factor: number): void {
    super.setPenaltyFactor(j, factor);
    this.candidatesValid = false;
  }

  protected ensure(j: number): void {
    if (j < this.dim) return;
    this.growTo(j);
    this.used.fit(this.s.length / STRIDE);
    this.dim = j + 1;
  }

  /**
   * w_j from (z_j, n_j) with l1 = t·λ·α·pf_j and l2 = t·λ·(1−α)·pf_j; every read of a weight
   * (here and inline in `margin`) uses this same arithmetic, so all agree to the last bit.
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

  protected margin(x: SparseVector, grow: boolean): number {
    const nnz = x.nnz;
    const idx = x.indices;
    const val = x.values;
    this.fitEntries(nnz);
    const w = this.entries[WEIGHT];
    const roots = this.entries[ROOT];
    const b0 = this.interceptWeight();
    this.b0 = b0;
    let eta = b0;
    let zSum = 0;
    let wSum = 0;
    let xMax = 0;
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
        zSum += Math.abs(z);
        // `weightOf` inline, keeping √n_j of a non-zero weight for the update
        const pf = this.pf === null ? 1 : this.pf[j];
        const l1 = l1t * pf;
        if (z > l1 || z < -l1) {
          const root = Math.sqrt(this.s[o + N]);
          wk = ((z > l1 ? l1 : -l1) - z) / (this.betaOverAlpha + root * this.invAlpha + l2t * pf);
          roots[k] = root;
          wSum += Math.abs(wk);
        }
      }
      w[k] = wk;
      const v = val[k];
      xMax = Math.max(xMax, Math.abs(v));
      eta += wk * v;
    }
    this.zSum = zSum;
    this.wSum = wSum;
    this.xMax = xMax;
    return eta;
  }

  /**
   * With |g_k| ≤ g: n_j + g_k² ≤ bound + g², and the step of z_j, g_k − (√n'_j − √n_j)/α·w_j, is at
   * most g + √(bound + g²)/|α|·Σ|w| (0 ≤ √n'_j − √n_j ≤ √n'_j), so |z'_j| ≤ Σ|z| + that.
   */
  protected provenFinite(g: number): boolean {
    const n = this.squaresBound + g * g;
    const z = this.zSum + (g + Math.sqrt(n) * Math.abs(this.invAlpha) * this.wSum);
    return n <= Number.MAX_VALUE && z <= Number.MAX_VALUE;
  }

  protected updateCoordinates(x: SparseVector, d: number, inPlace: boolean): number {
    const nnz = x.nnz;
    const idx = x.indices;
    const val = x.values;
    const s = this.s;
    const w = this.entries[WEIGHT];
    const roots = this.entries[ROOT];
    const invAlpha = this.invAlpha;
    const nextZ = this.entries[NEXT_Z];
    const nextN = this.entries[NEXT_N];
    const listing = inPlace && this.candidatesValid;
    if (listing) this.growListed();
    const l1 = (this.t + 1) * this.lambda * this.l1Ratio;
    let update = UPDATE_FINITE;
    for (let k = 0; k < nnz; k++) {
      const j = idx[k];
      const o = j * STRIDE;
      const known = j < this.dim;
      const g = d * val[k];
      const n0 = known ? s[o + N] : 0;
      const z0 = known ? s[o + Z] : 0;
      const nNew = n0 + g * g;
      const wk = w[k];
      // σ·w vanishes for a zero weight (most of a sparse model): z += g exactly, without the roots
      const z = z0 + (wk === 0 ? g : g - (Math.sqrt(nNew) - roots[k]) * invAlpha * wk);
      if (inPlace) {
        s[o + Z] = z;
        s[o + N] = nNew;
        // a column whose state is not (0, 0) was written, so it is listed: no load of its mark
        if (n0 === 0 && z0 === 0) this.used.add(j);
        if (listing) this.list(j, z, l1);
      } else {
        nextZ[k] = z;
        nextN[k] = nNew;
        if (update === UPDATE_FINITE && !(Number.isFinite(z) && Number.isFinite(nNew))) update = k;
      }
    }
    return update;
  }

  protected commitCoordinates(x: SparseVector): void {
    const s = this.s;
    const nextZ = this.entries[NEXT_Z];
    const nextN = this.entries[NEXT_N];
    const listing = this.candidatesValid;
    if (listing) this.growListed();
    const l1 = (this.t + 1) * this.lambda * this.l1Ratio;
    for (let k = 0; k < x.nnz; k++) {
      const j = x.indices[k];
      const o = j * STRIDE;
      const z = nextZ[k];
      s[o + Z] = z;
      s[o + N] = nextN[k];
      this.used.add(j);
      if (listing) this.list(j, z, l1);
    }
  }

  protected stageIntercept(d: number): boolean {
    const nNew = this.nIntercept + d * d;
    this.nextZIntercept =
      this.zIntercept + (d - ((Math.sqrt(nNew) - Math.sqrt(this.nIntercept)) / this.alpha) * this.b0);
    this.nextNIntercept = nNew;
    return Number.isFinite(this.nextZIntercept);
  }

  protected commitIntercept(): void {
    this.zIntercept = this.nextZIntercept;
    this.nIntercept = this.nextNIntercept;
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
        if (!Object.is(s[o + Z], 0)) this.used.add(j);
        continue;
      }
      const d = this.betaOverAlpha + Math.sqrt(s[o + N]) * this.invAlpha + l2t * pf;
      s[o + Z] = w > 0 ? -l1 - w * d : l1 - w * d;
      this.used.add(j);
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
    this.candidatesValid = this.candidatesKeep();
  }

  /**
   * While the candidates are kept, lists coordinate j updated to z_j unless its weight is 0 at
   * t + 1, |z_j| ≤ λ1 = (t+1)·λ·α·pf_j (`l1` is (t+1)·λ·α), computed as `weight` computes it. Such a
   * weight stays 0 until z_j changes again, since λ1 does not fall as t grows (rounding included:
   * a product with a non-negative factor is monotone), so most updates of a sparse model list
   * nothing, and the bound is tested first, before `listed` is read.
   */
  private list(j: number, z: number, l1: number): void {
    const bound = this.pf === null ? l1 : l1 * this.pf[j];
    if (z >= -bound && z <= bound) return;
    if (this.listed[j] === 0) {
      this.listed[j] = 1;
      if (this.candidateCount === this.candidates.length)
        this.candidates = growInt32(this.candidates, this.candidateCount + 1);
      this.candidates[this.candidateCount++] = j;
    }
  }

  private growListed(): void {
    if (this.listed.length < this.dim) this.listed = growUint8(this.listed, this.s.length / STRIDE);
  }

  private hyper(): Record<string, number> {
    return { lambda: this.lambda, l1Ratio: this.l1Ratio, alpha: this.alpha, beta: this.beta };
  }

  state(): LearnerState {
    const d = this.dim;
    const pf = penaltyFactorsOf(this.pf, d);
    const s = this.s;
    const packed =
      pf === null
        ? // only the coordinates written: O(columns used), not O(dimension), for a hashed model
          packUsedColumns({ z: (j) => s[j * STRIDE + Z], n: (j) => s[j * STRIDE + N] }, d, this.used.columns)
        : packColumns({ z: this.column(Z), n: this.column(N), pf }, d, { pf: 1 });
    return {
      learner: this.name,
      family: this.family,
      hyper: this.hyper(),
      steps: this.t,
      dimension: d,
      ...packed,
      scalars: {
        zIntercept: this.zIntercept,
        nIntercept: this.nIntercept,
        weightSum: this.weightSum,
        weightedEvents: this.weightedEvents,
      },
    };
  }

  restore(state: LearnerState): void {
    checkCompatible(state, this.name, this.family, this.hyper());
    const d = state.dimension;
    // the stored entries written straight into fresh (zeroed) state: O(entries stored)
    const { columns, arrays } = checkColumns(state, d, this.name, ['z', 'n'], ['pf']);
    const pf = arrays.pf === undefined ? undefined : checkArrays(state, this.name, ['pf']).pf;
    checkPenaltyFactors(this.name, this.pf, this.dim, pf, d);
    const { z, n } = arrays;
    // the capacity growing from 16 columns gives (so that new columns do not copy it all again)
    const s = new Float64Array(capacityFor(d) * STRIDE);
    const used = new UsedColumns(s.length / STRIDE);
    const count = columns === null ? d : columns.length;
    for (let i = 0; i < count; i++) {
      if (Object.is(z[i], 0) && Object.is(n[i], 0)) continue;
      const j = columns === null ? i : columns[i];
      s[j * STRIDE + Z] = z[i];
      s[j * STRIDE + N] = n[i];
      used.add(j);
    }
    this.s = s;
    this.used = used;
    this.pf = pf === undefined ? null : restorePenaltyFactors(pf, d);
    this.dim = d;
    this.t = state.steps;
    this.zIntercept = state.scalars.zIntercept ?? 0;
    this.nIntercept = state.scalars.nIntercept ?? 0;
    this.restoreWeightSum(state);
    this.resetSquaresBound(used.columns);
    this.restoreCandidates(used.columns);
  }

  /**
   * After a restore, the written coordinates as `forEachNonZero`'s candidates (every other weight
   * is 0), so that its first call reads them rather than every coordinate.
   */
  private restoreCandidates(columns: Int32Array): void {
    this.listed = new Uint8Array(this.s.length / STRIDE);
    for (const j of columns) this.listed[j] = 1;
    this.candidates = Int32Array.from(columns);
    this.candidateCount = columns.length;
    this.candidatesValid = this.candidatesKeep();
  }

  /** Whether kept candidates stay valid: a weight turns non-zero only by an update while λ1 does not fall with t. */
  private candidatesKeep(): boolean {
    return this.lambda * this.l1Ratio >= 0 && (this.pf === null || this.pf.every((f) => f >= 0));
  }
}

function growUint8(a: Uint8Array, size: number): Uint8Array<ArrayBuffer> {
  const b = new Uint8Array(size);
  b.set(a);
  return b;
}

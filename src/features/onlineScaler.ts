import { packColumns, unpackColumns, type ColumnArrays } from '../core/columns.js';
import { StateError } from '../core/errors.js';
import { growFloat64, type SparseBuffer } from '../core/sparse.js';

/**
 * Online standardization in O(nnz) per event (DESIGN §1: unit population standard deviation).
 *
 * Column j's mean and variance are over ALL events seen (weighted), counting the events where j
 * was absent as zeros. Those zeros are never visited: each column remembers the total weight it
 * was last brought up to date with, and merges the zeros it missed in one step (Chan et al.'s
 * pairwise update, with a block of zeros as the other part) when it is next touched or read.
 *
 * Columns are only scaled, not centered: centering would make every update dense, and since the
 * intercept is unpenalized, a fit on scaled-only columns has exactly the same optimum (centering
 * merely reparametrizes the intercept). Coefficients on the original scale are w̃_j / sd_j.
 *
 * It also remembers which columns are 0/1 indicators so far (every value observed was 1, the
 * absences being the zeros) and each column's present weight: `standardize: "auto"` leaves the
 * indicators unscaled and divides the other columns by sd_j / √q_j (`scaleOf`).
 */
export class OnlineScaler {
  private totalWeight = 0;
  /** Weight of the events column j has been brought up to date with. */
  private syncedWeight = new Float64Array(0);
  /** Weighted sum of column j's value over its present events. */
  private presentWeight = new Float64Array(0);
  private mean = new Float64Array(0);
  private m2 = new Float64Array(0);
  /** 1 once column j has been observed with a value other than 0 and 1. */
  private nonBinary = new Float64Array(0);
  /** Columns in use (1 + the largest index observed); the arrays may be longer. */
  private dim = 0;
  /**
   * "auto" divides numeric columns by sd_j/√q_j (false only when restored from a checkpoint taken
   * before that rule, which divided them by sd_j: such a model goes on as it would have).
   */
  private perPresence = true;

  /** Total weight of the events observed. */
  get weight(): number {
    return this.totalWeight;
  }

  private ensure(index: number): void {
    if (index >= this.dim) this.dim = index + 1;
    if (index < this.mean.length) return;
    this.syncedWeight = growFloat64(this.syncedWeight, index + 1);
    this.presentWeight = growFloat64(this.presentWeight, index + 1);
    this.mean = growFloat64(this.mean, index + 1);
    this.m2 = growFloat64(this.m2, index + 1);
    this.nonBinary = growFloat64(this.nonBinary, index + 1);
  }

  /** Adds one event (weight `weight`) to the statistics. */
  observe(x: SparseBuffer, weight = 1): void {
    const before = this.totalWeight;
    this.totalWeight += weight;
    if (weight === 0) return;
    const W = this.totalWeight;
    const { indices, values, nnz } = x;
    let top = -1;
    for (let k = 0; k < nnz; k++) if (indices[k] > top) top = indices[k];
    if (top >= 0) this.ensure(top);
    // arrays in locals (read after ensure, which may replace them). A column first merges the zeros
    // it missed since it was last synced (weight before − W_j) in one step, then the event.
    const synced = this.syncedWeight;
    const present = this.presentWeight;
    const mean = this.mean;
    const m2 = this.m2;
    const nonBinary = this.nonBinary;
    for (let k = 0; k < nnz; k++) {
      const j = indices[k];
      const wj = synced[j];
      if (wj !== before) {
        const m = mean[j];
        if (wj > 0 && m !== 0) {
          m2[j] += m * m * ((wj * (before - wj)) / before);
          mean[j] = (m * wj) / before;
        }
      }
      const v = values[k];
      const delta = v - mean[j];
      mean[j] += (delta * weight) / W;
      m2[j] += weight * delta * (v - mean[j]);
      synced[j] = W;
      present[j] += weight;
      if (v !== 1) nonBinary[j] = 1;
    }
  }

  /** Population standard deviation of column j over all events observed (0 if constant/unseen). */
  sd(j: number): number {
    return this.spread(j, false);
  }

  /**
   * sd_j, or with `perPresence` sd_j / √q_j (q_j: the share of the weight in which j was present):
   * one square root either way.
   */
  private spread(j: number, perPresence: boolean): number {
    if (j >= this.mean.length) return 0;
    const W = this.totalWeight;
    const wj = this.syncedWeight[j];
    if (W <= 0 || wj <= 0) return 0;
    const m = this.mean[j];
    let m2 = this.m2[j];
    if (wj !== W) m2 += m * m * ((wj * (W - wj)) / W);
    const variance = m2 / W;
    const meanNow = wj === W ? m : (m * wj) / W;
    // A column whose spread is at rounding level relative to its mean is constant.
    if (!(variance > 1e-26 * (1 + meanNow * meanNow))) return 0;
    return Math.sqrt(perPresence ? m2 / this.presentWeight[j] : variance);
  }

  /** Weighted mean of column j over all events observed. */
  meanOf(j: number): number {
    if (j >= this.mean.length || this.totalWeight <= 0) return 0;
    return (this.mean[j] * this.syncedWeight[j]) / this.totalWeight;
  }

  /** True when column j has been observed (with weight) and every value so far was 1. */
  isIndicator(j: number): boolean {
    return j < this.dim && this.presentWeight[j] > 0 && this.nonBinary[j] === 0;
  }

  /** The share of the events' weight in which column j was present. */
  presentFraction(j: number): number {
    return j < this.dim && this.totalWeight > 0 ? this.presentWeight[j] / this.totalWeight : 0;
  }

  /** True when column j has been observed (with weight) with a value other than 0 and 1. */
  isNumeric(j: number): boolean {
    return j < this.dim && this.presentWeight[j] > 0 && this.nonBinary[j] === 1;
  }

  /**
   * The divisor of column j: its sd; or with `auto` (the `standardize: "auto"` rule), 1 for an
   * indicator and sd_j / √q_j for a numeric column present in a share q_j of the events (its sd
   * when always present; about the size of its values when rare, however rare).
   */
  scaleOf(j: number, auto: boolean): number {
    if (!auto) return this.sd(j);
    return this.isIndicator(j) ? 1 : this.spread(j, this.perPresence);
  }

  /**
   * Scales x in place to x_j / sd_j; a column with sd 0 (constant so far) gets value 0, as glmnet
   * gives constant columns a zero coefficient. With `auto`, the divisors of `scaleOf(j, true)`.
   * With `scales` (at least x.nnz long), each divisor `scaleOf` gave is written there too.
   */
  scaleInPlace(x: SparseBuffer, auto = false, scales?: Float64Array): void {
    for (let k = 0; k < x.nnz; k++) {
      const s = this.scaleOf(x.indices[k], auto);
      if (scales !== undefined) scales[k] = s;
      x.values[k] = s > 0 ? x.values[k] / s : 0;
    }
  }

  /** A copy of the statistics of the columns in use (only the observed ones when smaller). */
  state(): OnlineScalerState {
    const n = this.dim;
    const dense = {
      syncedWeight: this.syncedWeight.slice(0, n),
      presentWeight: this.presentWeight.slice(0, n),
      mean: this.mean.slice(0, n),
      m2: this.m2.slice(0, n),
      nonBinary: this.nonBinary.slice(0, n),
    };
    return {
      totalWeight: this.totalWeight,
      dimension: n,
      perPresence: this.perPresence,
      ...packColumns(dense, n),
    };
  }

  static fromState(s: OnlineScalerState): OnlineScaler {
    if (!Number.isFinite(s.totalWeight)) throw new StateError('scaler checkpoint total weight is not finite');
    const n = s.dimension;
    const a = unpackColumns(s, n, 'scaler', ['syncedWeight', 'presentWeight', 'mean', 'm2'], ['nonBinary']);
    const o = new OnlineScaler();
    o.totalWeight = s.totalWeight;
    o.syncedWeight = a.syncedWeight;
    o.presentWeight = a.presentWeight;
    o.mean = a.mean;
    o.m2 = a.m2;
    // checkpoints from before indicators were tracked: every column counts as numeric (scaled)
    o.nonBinary = a.nonBinary ?? new Float64Array(n).fill(1);
    o.dim = n;
    o.perPresence = s.perPresence === true;
    return o;
  }
}

/**
 * Per-column statistics (`syncedWeight`, `presentWeight`, `mean`, `m2`, and `nonBinary`: 1 once a
 * value other than 0/1 was seen) of the `dimension` columns
 * in use, dense or only the observed columns (`ColumnArrays`).
 */
export interface OnlineScalerState extends ColumnArrays {
  readonly totalWeight: number;
  readonly dimension: number;
  /** The "auto" rule for numeric columns: sd_j/√q_j (true), or sd_j (absent: older checkpoints). */
  readonly perPresence?: boolean;
}

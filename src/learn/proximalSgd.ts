import type { Family } from '../core/event.js';
import { packColumns, unpackColumns } from '../core/columns.js';
import { StateError } from '../core/errors.js';
import { growFloat64, touchState, type SparseVector } from '../core/sparse.js';
import { UPDATE_FINITE, type Learner, type LearnerState } from './learner.js';
import { StagedLearner } from './staged.js';
import { checkLearnerOptions } from './options.js';
import { cumulativeStep, repeatedCumulative, repeatedTruncation } from './prox.js';
import { defaultRates, type RateOptions } from './rates.js';

/**
 * Internals shared by FOBOS and truncated gradient: proximal stochastic gradient descent with
 * per-coordinate rates and lazy penalties. At step s every coordinate j takes
 *
 *     w_j ← w_j − η_j·g_j                                   (g_j = 0 when j is absent)
 *     if s mod K = 0:  w_j ← T(w_j, K·η_j·λ·α·pf_j, θ) / (1 + K·η_j·λ·(1−α)·pf_j)
 *
 * with T Langford et al.'s truncation (soft threshold when θ = ∞). Absent coordinates are not
 * visited: each remembers the last step it is current with, and the truncations it missed are
 * applied in closed form (`repeatedTruncation`) the next time it is read, which is exact because
 * its rate η_j cannot change while it has no gradient. FOBOS is K = 1, θ = ∞.
 *
 * With `cumulative: true` the L1 part is applied as a cumulative penalty (Tsuruoka, Tsujii &
 * Ananiadou 2009): each coordinate keeps the L1 penalty it still owes and pays it out of |w| as far
 * as it goes, so small gradient kicks off zero are absorbed by what a coefficient owes. It helps
 * when per-event gradients of noise features are small next to λ (rare features); when they are
 * large, FOBOS and truncated gradient leave noise features at small non-zero values whichever rule
 * is used (McMahan 2011), and FTRL-Proximal is the learner that stays sparse. Default false (the
 * papers' rule). Closed forms for both are in `prox.ts`.
 */
/** The keys of `ProximalSgdOptions`. */
const PROXIMAL_KEYS: readonly (keyof ProximalSgdOptions)[] = [
  'family',
  'lambda',
  'l1Ratio',
  'rates',
  'truncateEvery',
  'theta',
  'cumulative',
];

export interface ProximalSgdOptions {
  readonly family: Family;
  /** λ of docs/conventions.md (per-event scale). */
  readonly lambda: number;
  /** α of docs/conventions.md: the L1 share of the penalty, in (0, 1]. */
  readonly l1Ratio?: number;
  readonly rates?: RateOptions;
  /** K: apply the penalty every K steps with K times the gravity (1 for FOBOS). */
  readonly truncateEvery?: number;
  /** θ: only coefficients with |w| ≤ θ are truncated (∞ for FOBOS and the default). */
  readonly theta?: number;
  /** Cumulative L1 penalty (Tsuruoka et al. 2009; needs θ = ∞); default false: the papers' clipping. */
  readonly cumulative?: boolean;
}

const STRIDE = 4;
const W = 0;
const G2 = 1;
const LAST = 2;
/** η_j = rate(Σg²_j), kept with the sum it comes from: catch-ups read it instead of a root. */
const RATE = 3;
export class ProximalSgd extends StagedLearner implements Learner {
  readonly name: string;
  readonly lambda: number;
  readonly l1Ratio: number;
  readonly truncateEvery: number;
  readonly theta: number;
  readonly schedule: 'adagrad' | 'constant';
  readonly eta0: number;
  readonly delta: number;
  readonly cumulative: boolean;
  private readonly pair = new Float64Array(2);
  private readonly l1: number;
  private readonly l2: number;
  /**
   * ≥ every rate η_j (while Σg²_j ≥ 0), where a step's penalty never makes |w_j| larger (L1 and L2
   * shares, rates and K not negative; not the cumulative penalty, whose debt is not bounded);
   * else Infinity, and `provenFinite` never holds.
   */
  private readonly rateBound: number;
  /** ≥ every penalty factor (1 until one is set); NaN once one is negative or NaN. */
  private pfBound = 1;

  /** Unpaid cumulative L1 penalty per coordinate (only with `cumulative`). */
  private debt = new Float64Array(0);
  private b0 = 0;
  private g2Intercept = 0;
  /** Σ|w_j| over the event's coordinates (`margin`), for `provenFinite`. */
  private wSum = 0;
  /** The intercept's staged Σg² and weight. */
  private nextG2Intercept = 0;
  private nextB0 = 0;

  constructor(name: string, options: ProximalSgdOptions) {
    checkLearnerOptions(name, options, PROXIMAL_KEYS);
    // [w_j, Σg²_j, last_j, η_j]: 32 bytes a coordinate, one cache line per update
    super(options.family, STRIDE, G2, 1024, 4);
    this.name = name;
    this.lambda = options.lambda;
    this.l1Ratio = options.l1Ratio ?? 1;
    this.truncateEvery = options.truncateEvery ?? 1;
    this.theta = options.theta ?? Infinity;
    this.schedule = options.rates?.schedule ?? defaultRates.schedule;
    this.eta0 = options.rates?.eta0 ?? defaultRates.eta0;
    this.delta = options.rates?.delta ?? defaultRates.delta;
    this.cumulative = options.cumulative ?? false;
    if (this.cumulative && this.theta !== Infinity) {
      throw new RangeError(
        `${name}: a finite theta (${this.theta}) needs cumulative: false (the cumulative penalty applies to every coefficient)`,
      );
    }
    this.l1 = this.lambda * this.l1Ratio;
    this.l2 = this.lambda * (1 - this.l1Ratio);
    const shrinks =
      !this.cumulative && this.l1 >= 0 && this.l2 >= 0 && this.truncateEvery >= 1 && this.eta0 >= 0;
    const adagrad = this.schedule === 'adagrad';
    this.rateBound =
      !shrinks || (adagrad && !(this.delta > 0)) ? Infinity : adagrad ? this.eta0 / this.delta : this.eta0;
  }

  override setPenaltyFactor(j: number, factor: number): void {
    super.setPenaltyFactor(j, factor);
    this.pfBound = factor >= 0 ? Math.max(this.pfBound, factor) : NaN;
  }

  protected ensure(j: number): void {
    if (j < this.dim) return;
    this.growTo(j);
    if (this.cumulative && j >= this.debt.length) this.debt = growFloat64(this.debt, j + 1);
    // A new coordinate is zero and current: nothing it missed changes a zero.
    const s = this.s;
    const r0 = this.rate(0);
    for (let i = this.dim; i <= j; i++) {
      s[i * STRIDE + LAST] = this.t;
      s[i * STRIDE + RATE] = r0;
    }
    this.dim = j + 1;
  }

  private rate(g2: number): number {
    return this.schedule === 'adagrad' ? this.eta0 / (this.delta + Math.sqrt(g2)) : this.eta0;
  }

  /** Number of truncation steps in (from, to]. */
  private truncations(from: number, to: number): number {
    const K = this.truncateEvery;
    return K === 1 ? to - from : Math.floor(to / K) - Math.floor(from / K);
  }

  /** Applies to coordinate j the truncations of steps (last_j, upTo] it missed. */
  private catchUp(j: number, upTo: number): void {
    const s = this.s;
    const o = j * STRIDE;
    const last = s[o + LAST];
    if (last === upTo) return;
    s[o + LAST] = upTo;
    const missed = this.truncations(last, upTo);
    if (missed === 0) return;
    const w = s[o + W];
    if (w === 0 && !this.cumulative) return;
    const gravity = this.truncateEvery * s[o + RATE] * (this.pf === null ? 1 : this.pf[j]);
    if (this.cumulative) {
      if (s[o + G2] === 0) return; // owes nothing before its first gradient: new features can enter
      const out = this.pair;
      repeatedCumulative(w, this.debt[j], missed, gravity * this.l1, gravity * this.l2, out);
      s[o + W] = out[0];
      this.debt[j] = out[1];
      return;
    }
    s[o + W] = repeatedTruncation(w, missed, gravity * this.l1, gravity * this.l2, this.theta);
  }

  marginOne(x: SparseVector): number {
    let eta = this.b0;
    for (let k = 0; k < x.nnz; k++) {
      const j = x.indices[k];
      if (j >= this.dim) continue;
      this.catchUp(j, this.t);
      eta += this.s[j * STRIDE + W] * x.values[k];
    }
    return eta;
  }

  /** The margin; the event's coordinates catch up their lazy penalties (which changes no weight). */
  protected margin(x: SparseVector, grow: boolean): number {
    const nnz = x.nnz;
    const idx = x.indices;
    const val = x.values;
    this.fitEntries(nnz);
    let eta = this.b0;
    let wSum = 0;
    let xMax = 0;
    // touch the event's coordinates first (see touchState); the sum only keeps the loads alive
    this.touched = touchState(this.s, STRIDE, LAST, idx, nnz, this.dim);
    for (let k = 0; k < nnz; k++) {
      const j = idx[k];
      if (j >= this.dim && grow) this.ensure(j);
      if (j < this.dim) this.catchUp(j, this.t);
      const w = j < this.dim ? this.s[j * STRIDE + W] : 0;
      wSum += Math.abs(w);
      const v = val[k];
      xMax = Math.max(xMax, Math.abs(v));
      eta += w * v;
    }
    this.wSum = wSum;
    this.xMax = xMax;
    return eta;
  }

  /**
   * With |g_k| ≤ g: Σg²_j + g_k² ≤ bound + g², η_j ≤ `rateBound`, so |w_j − η_j·g_k| ≤ Σ|w| +
   * rateBound·g; the penalty step after it does not make |w| larger while its gravity K·η_j·pf_j
   * is finite (an infinite one times a zero share is NaN).
   */
  protected provenFinite(g: number): boolean {
    const r = this.rateBound;
    const gravity = this.truncateEvery * r * this.pfBound;
    const g2 = this.squaresBound + g * g;
    const w = this.wSum + r * g;
    return gravity <= Number.MAX_VALUE && g2 <= Number.MAX_VALUE && w <= Number.MAX_VALUE;
  }

  protected updateCoordinates(x: SparseVector, d: number, inPlace: boolean): number {
    const s = this.t + 1;
    const nnz = x.nnz;
    const idx = x.indices;
    const val = x.values;
    const truncateNow = s % this.truncateEvery === 0;
    const st = this.s;
    const adagrad = this.schedule === 'adagrad';
    // the entry buffers hold the staged w_j, Σg²_j, η_j and debt
    const [nextW, nextG2, nextRate, nextDebt] = this.entries;
    let update = UPDATE_FINITE;
    for (let k = 0; k < nnz; k++) {
      const j = idx[k];
      const o = j * STRIDE;
      const known = j < this.dim;
      const g = d * val[k];
      const g2 = (known ? st[o + G2] : 0) + g * g;
      const r = adagrad ? this.eta0 / (this.delta + Math.sqrt(g2)) : this.eta0;
      let w = (known ? st[o + W] : 0) - r * g;
      let debt = this.cumulative && known ? this.debt[j] : 0;
      if (truncateNow) {
        const gravity = this.truncateEvery * r * (this.pf === null || j >= this.pf.length ? 1 : this.pf[j]);
        if (this.cumulative) {
          if (g2 > 0) {
            cumulativeStep(w, debt, gravity * this.l1, gravity * this.l2, this.pair);
            w = this.pair[0];
            debt = this.pair[1];
          }
        } else if (w !== 0) {
          const a = gravity * this.l1;
          const u = w > 0 ? w : -w;
          if (u <= this.theta) {
            // One proximal step, inline: S(w, a) / (1 + b).
            const shrunk = u - a;
            w = shrunk <= 0 ? 0 : (w > 0 ? shrunk : -shrunk) / (1 + gravity * this.l2);
          } else {
            w /= 1 + gravity * this.l2;
          }
        }
      }
      if (inPlace) {
        st[o + G2] = g2;
        st[o + RATE] = r;
        st[o + W] = w;
        st[o + LAST] = s;
        if (this.cumulative) this.debt[j] = debt;
      } else {
        nextW[k] = w;
        nextG2[k] = g2;
        nextRate[k] = r;
        nextDebt[k] = debt;
        if (update === UPDATE_FINITE && !(Number.isFinite(w) && Number.isFinite(g2))) update = k;
      }
    }
    return update;
  }

  protected commitCoordinates(x: SparseVector): void {
    const s = this.t + 1;
    const st = this.s;
    const [nextW, nextG2, nextRate, nextDebt] = this.entries;
    for (let k = 0; k < x.nnz; k++) {
      const j = x.indices[k];
      const o = j * STRIDE;
      st[o + G2] = nextG2[k];
      st[o + RATE] = nextRate[k];
      st[o + W] = nextW[k];
      st[o + LAST] = s;
      if (this.cumulative) this.debt[j] = nextDebt[k];
    }
  }

  protected stageIntercept(d: number): boolean {
    this.nextG2Intercept = this.g2Intercept + d * d;
    this.nextB0 = this.b0 - this.rate(this.nextG2Intercept) * d;
    return Number.isFinite(this.nextG2Intercept) && Number.isFinite(this.nextB0);
  }

  protected commitIntercept(): void {
    this.g2Intercept = this.nextG2Intercept;
    this.b0 = this.nextB0;
  }

  intercept(): number {
    return this.b0;
  }

  coefficient(j: number): number {
    if (j >= this.dim) return 0;
    this.catchUp(j, this.t);
    return this.s[j * STRIDE + W];
  }

  forEachNonZero(fn: (index: number, value: number) => void): void {
    for (let j = 0; j < this.dim; j++) {
      this.catchUp(j, this.t);
      const w = this.s[j * STRIDE + W];
      if (w !== 0) fn(j, w);
    }
  }

  private hyper(): Record<string, number> {
    return {
      lambda: this.lambda,
      l1Ratio: this.l1Ratio,
      truncateEvery: this.truncateEvery,
      theta: this.theta === Infinity ? -1 : this.theta,
      adagrad: this.schedule === 'adagrad' ? 1 : 0,
      eta0: this.eta0,
      delta: this.delta,
      cumulative: this.cumulative ? 1 : 0,
    };
  }

  state(): LearnerState {
    const n = this.dim;
    const arrays: Record<string, Float64Array> = {
      w: this.column(W),
      g2: this.column(G2),
      last: this.column(LAST),
    };
    const pf = penaltyFactorsOf(this.pf, n);
    if (pf !== null) arrays.pf = pf;
    if (this.cumulative) {
      const debt = new Float64Array(n);
      debt.set(this.debt.subarray(0, Math.min(n, this.debt.length)));
      arrays.debt = debt;
    }
    // A coordinate never updated (w = Σg² = 0) is current whatever step it remembers: written as 0
    // (its default), so that a sparse state leaves it out.
    const { w, g2, last } = arrays;
    for (let j = 0; j < n; j++) if (w[j] === 0 && g2[j] === 0) last[j] = 0;
    return {
      learner: this.name,
      family: this.family,
      hyper: this.hyper(),
      steps: this.t,
      dimension: n,
      ...packColumns(arrays, n, { pf: 1 }),
      scalars: {
        b0: this.b0,
        g2Intercept: this.g2Intercept,
        weightSum: this.weightSum,
        weightedEvents: this.weightedEvents,
      },
    };
  }

  restore(state: LearnerState): void {
    checkCompatible(state, this.name, this.family, this.hyper());
    const n = state.dimension;
    const { w, g2, last, pf, debt } = checkArrays(state, this.name, ['w', 'g2', 'last'], ['pf', 'debt']);
    if (this.cumulative && debt === undefined) {
      throw new StateError(`${this.name} checkpoint has no cumulative penalty debt (array "debt")`);
    }
    checkPenaltyFactors(this.name, this.pf, this.dim, pf, n);
    const s = new Float64Array(Math.max(1024, n) * STRIDE);
    for (let j = 0; j < n; j++) {
      const o = j * STRIDE;
      s[o + W] = w[j];
      s[o + G2] = g2[j];
      s[o + LAST] = last[j];
      s[o + RATE] = this.rate(g2[j]);
    }
    this.pf = pf === undefined ? null : restorePenaltyFactors(pf, n);
    this.s = s;
    this.debt = this.cumulative ? Float64Array.from(debt!) : new Float64Array(0);
    this.dim = n;
    this.t = state.steps;
    this.b0 = state.scalars.b0 ?? 0;
    this.g2Intercept = state.scalars.g2Intercept ?? 0;
    this.restoreWeightSum(state);
    this.pfBound = this.pf === null ? 1 : boundOf(this.pf.subarray(0, n));
    this.resetSquaresBound();
  }
}

/** The largest of 1 and `values`, or NaN when one of them is negative or NaN. */
function boundOf(values: Float64Array): number {
  let bound = 1;
  for (const v of values) bound = v >= 0 ? Math.max(bound, v) : NaN;
  return bound;
}

/** Refuses a checkpoint written by another learner or with other hyperparameters. */
export function checkCompatible(
  state: LearnerState,
  name: string,
  family: Family,
  hyper: Readonly<Record<string, number>>,
): void {
  if (state.learner !== name || state.family !== family) {
    throw new StateError(
      `checkpoint is for learner ${state.learner}/${state.family}, not ${name}/${family}: start from scratch or use the matching configuration`,
    );
  }
  for (const [k, v] of Object.entries(hyper)) {
    if (state.hyper[k] !== v) {
      throw new StateError(
        `checkpoint has ${k} = ${String(state.hyper[k])} but the configuration says ${v}: restore with the checkpoint's settings or start from scratch`,
      );
    }
  }
}

/**
 * The arrays of a checkpoint as dense copies of `dimension` entries, each checked (see
 * `unpackColumns`): `required` must be present, `optional` may be absent.
 */
export function checkArrays(
  state: LearnerState,
  name: string,
  required: readonly string[],
  optional: readonly string[] = [],
): Record<string, Float64Array> {
  return unpackColumns(state, state.dimension, name, required, optional, { pf: 1 });
}

/** The first `n` penalty factors as a copy, or null when all are 1 (the usual case). */
export function penaltyFactorsOf(pf: Float64Array | null, n: number): Float64Array | null {
  if (pf === null) return null;
  const out = pf.slice(0, n);
  return out.every((v) => v === 1) ? null : out;
}

/** The live penalty-factor buffer for checkpointed factors (padded with 1s). */
export function restorePenaltyFactors(pf: Float64Array, n: number): Float64Array<ArrayBuffer> {
  const out = new Float64Array(Math.max(1024, n)).fill(1);
  out.set(pf);
  return out;
}

/**
 * Refuses a checkpoint whose penalty factors differ from those already set on this learner (the
 * configuration's): a factor is a hyperparameter, and a silent change would alter what it learns.
 */
export function checkPenaltyFactors(
  name: string,
  current: Float64Array | null,
  currentDim: number,
  saved: Float64Array | undefined,
  savedDim: number,
): void {
  if (current === null && saved === undefined) return; // (all 1: the usual case)
  const n = Math.max(currentDim, savedDim);
  for (let j = 0; j < n; j++) {
    const now = current !== null && j < currentDim ? current[j] : 1;
    const then = saved !== undefined && j < savedDim ? saved[j] : 1;
    if (!Object.is(now, then)) {
      throw new StateError(
        `${name} checkpoint has penalty factor ${then} for column ${j} but the configuration says ${now}: restore with the checkpoint's penalty factors or start from scratch`,
      );
    }
  }
}

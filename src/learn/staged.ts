import { DataError, NumericError } from '../core/errors.js';
import type { Family } from '../core/event.js';
import { growFloat64, type SparseVector } from '../core/sparse.js';
import { lossFor, type Loss } from '../loss/index.js';
import { GRADIENT_OVERFLOW, MARGIN_OVERFLOW, UPDATE_FINITE, type LearnerState } from './learner.js';

/**
 * `learnOne`, `checkUpdate` and `learnChecked` of a learner with per-coordinate state interleaved
 * in `s` (`stride` doubles a coordinate, one of them a sum of squared gradients) and an update in
 * two loops: the margin (`margin`), then each coordinate's new state (`updateCoordinates`).
 *
 * `checkUpdate` must find every quantity of the update finite before anything is written. Most
 * events need no second computation for that: `provenFinite` bounds the update from what the
 * margin loop gathered (the event's largest |x_k|, sums of the magnitudes it read) and from
 * `squaresBound`, and when the bound is finite so is every quantity it bounds (rounding is
 * monotone, so a bound computed in floating point with the update's operations, in the same
 * order, on larger operands is never smaller than what it bounds). `learnChecked` then updates
 * in place. Otherwise the update is staged into buffers, checked, and written by `learnChecked`.
 * Both give the same state to the last bit: the same operations on the same operands.
 */
export abstract class StagedLearner {
  abstract readonly name: string;
  readonly family: Family;
  protected readonly loss: Loss;
  checkedMargin = NaN;
  protected t = 0;
  /** Σ of the weights of the t events learned (each event's gradient is scaled by `relativeWeight`). */
  protected weightSum = 0;
  /** Events learned with a weight above 0 (the count the mean weight is over). */
  protected weightedEvents = 0;
  protected dim = 0;
  /** Sink for `touchState`'s sum (never read). */
  protected touched = 0;
  /** Per-coordinate state interleaved, `stride` doubles a coordinate (one cache line per update). */
  protected s: Float64Array<ArrayBuffer>;
  /** Penalty factors, allocated by the first `setPenaltyFactor` (all 1 until then). */
  protected pf: Float64Array<ArrayBuffer> | null = null;
  /** Buffers parallel to an event's entries (the learner's own use), regrown together by `fitEntries`. */
  protected readonly entries: Array<Float64Array<ArrayBuffer>>;
  /** The largest |x_k| of the event `margin` read last. */
  protected xMax = 0;
  /** ≥ every coordinate's sum of squared gradients (field `squares`); NaN if one is negative. */
  protected squaresBound = 0;
  /** The event of the last `checkUpdate` that found its update finite, until `learnChecked`. */
  private staged: SparseVector | null = null;
  /** That event's loss derivative (times its relative weight) and its weight. */
  private stagedGradient = 0;
  private stagedWeight = 1;
  /** Whether its update was proven finite (then written in place) rather than staged. */
  private provenInPlace = false;

  constructor(
    family: Family,
    protected readonly stride: number,
    private readonly squares: number,
    columns: number,
    entryBuffers: number,
  ) {
    this.family = family;
    this.loss = lossFor(family);
    this.s = new Float64Array(columns * stride);
    this.entries = Array.from({ length: entryBuffers }, () => new Float64Array(16));
  }

  get steps(): number {
    return this.t;
  }

  abstract marginOne(x: SparseVector): number;

  predictOne(x: SparseVector): number {
    return this.loss.mean(this.marginOne(x));
  }

  /**
   * The margin η of x, lazy penalties caught up, keeping what the update reuses and setting `xMax`
   * and the learner's own bound terms. `grow`: make room for new coordinates now (else they read
   * as zeros).
   */
  protected abstract margin(x: SparseVector, grow: boolean): number;
  /**
   * True when every coordinate's new state is finite for any gradient of magnitude ≤ g on the
   * event `margin` read last; computes no coordinate.
   */
  protected abstract provenFinite(g: number): boolean;
  /**
   * Each coordinate's update for the loss derivative d: written in place, or (`inPlace` false)
   * staged into buffers; returns `UPDATE_FINITE`, or the first position k in x whose staged state
   * is not finite.
   */
  protected abstract updateCoordinates(x: SparseVector, d: number, inPlace: boolean): number;
  /** Writes the coordinates `updateCoordinates` staged. */
  protected abstract commitCoordinates(x: SparseVector): void;
  /** Computes the intercept's update (kept until `commitIntercept`); true when it is finite. */
  protected abstract stageIntercept(d: number): boolean;
  protected abstract commitIntercept(): void;
  /** Makes room for coordinate j. */
  protected abstract ensure(j: number): void;

  /**
   * The event's weight over the mean weight of the events learned with a weight so far, itself
   * included (1 for the first): the weights normalized to average 1, as the batch objective's sum
   * to n (docs/conventions.md), so uniform weights of any size learn what no weights learn, to
   * rounding (w / ((m + 1)·w / (m + 1)) = 1), with or without events of weight 0 among them. With
   * the event in the mean, one tiny first weight cannot multiply the next event's step by 1/itself
   * (a first weight of 1e-8 made the second event's 1e8 and left a sign flipped), nor can events of
   * weight 0 before it (after 2,000 of them, the second weighted event counted 2,001): after m
   * weighted events an event counts (m + 1)·w / (m·m̄ + w) < m + 1 times their mean m̄. NaN (an
   * overflow `checkUpdate` reports) when the event would make the sum of the weights infinite.
   */
  private relativeWeight(weight: number): number {
    if (weight === 0) return 0;
    const sum = this.weightSum + weight;
    if (!(sum < Infinity)) return NaN;
    return this.weightSum > 0 ? weight / (sum / (this.weightedEvents + 1)) : 1;
  }

  learnOne(x: SparseVector, y: number, weight = 1): number {
    this.checkLabel('learnOne', y, weight);
    const eta = this.margin(x, true);
    this.checkedMargin = eta;
    const d = this.relativeWeight(weight) * this.loss.derivative(eta, y);
    if (marginCheck(eta, d) !== UPDATE_FINITE) throw notLearned(this.name, eta, d);
    // as checkUpdate: in place when proven finite, else staged and checked first
    const proven = this.provenFinite(Math.abs(d) * this.xMax);
    const update = proven ? UPDATE_FINITE : this.updateCoordinates(x, d, false);
    if (!this.stageIntercept(d) || update !== UPDATE_FINITE) throw notLearned(this.name, eta, d);
    this.write(x, d, proven, weight);
    return eta;
  }

  checkUpdate(x: SparseVector, y: number, weight = 1): number {
    this.staged = null;
    this.checkLabel('checkUpdate', y, weight);
    const eta = this.margin(x, false);
    this.checkedMargin = eta;
    const d = this.relativeWeight(weight) * this.loss.derivative(eta, y);
    let update = marginCheck(eta, d);
    if (update !== UPDATE_FINITE) return update;
    const proven = this.provenFinite(Math.abs(d) * this.xMax);
    if (!proven) update = this.updateCoordinates(x, d, false);
    if (!this.stageIntercept(d) && update === UPDATE_FINITE) update = GRADIENT_OVERFLOW;
    if (update === UPDATE_FINITE) {
      this.staged = x;
      this.stagedGradient = d;
      this.stagedWeight = weight;
      this.provenInPlace = proven;
    }
    return update;
  }

  /**
   * A binomial label other than 0 or 1, or a negative weight, is a caller's mistake that learns
   * nonsense (a label 2 pulls the model past certainty; a negative weight learns away from the
   * label): a DataError, nothing learned. NaN goes on to the finiteness checks (a NumericError).
   */
  private checkLabel(fn: string, y: number, weight: number): void {
    if (this.family === 'binomial' && y !== 0 && y !== 1 && !Number.isNaN(y))
      throw new DataError(
        `${this.name}.${fn}: a binomial label must be 0 or 1, got ${y}${y === -1 ? ' (for labels -1/+1, pass (y + 1) / 2)' : ''}`,
      );
    if (weight < 0) throw new DataError(`${this.name}.${fn}: the weight must be >= 0, got ${weight}`);
  }

  learnChecked(): void {
    const x = this.staged;
    if (x === null)
      throw new Error(`${this.name}: learnChecked needs a checkUpdate that found the update finite`);
    this.staged = null;
    for (let k = 0; k < x.nnz; k++) this.ensure(x.indices[k]);
    this.write(x, this.stagedGradient, this.provenInPlace, this.stagedWeight);
  }

  private write(x: SparseVector, d: number, inPlace: boolean, weight: number): void {
    if (inPlace) this.updateCoordinates(x, d, true);
    else this.commitCoordinates(x);
    this.commitIntercept();
    this.t++;
    this.weightSum += weight;
    if (weight > 0) this.weightedEvents++;
    this.raiseSquaresBound(x, Math.abs(d) * this.xMax);
  }

  /**
   * Keeps `squaresBound` above every sum of squared gradients after an update whose gradients are
   * at most g: each grew by at most g², else (when that bound overflows) the event's sums are read.
   */
  private raiseSquaresBound(x: SparseVector, g: number): void {
    const next = this.squaresBound + g * g;
    if (next <= Number.MAX_VALUE) {
      this.squaresBound = next;
      return;
    }
    let bound = this.squaresBound;
    for (let k = 0; k < x.nnz; k++)
      bound = Math.max(bound, this.s[x.indices[k] * this.stride + this.squares]);
    this.squaresBound = bound;
  }

  /** `weightSum` from a checkpoint; one written before it was kept had every event count 1. */
  protected restoreWeightSum(state: LearnerState): void {
    this.weightSum = state.scalars.weightSum ?? state.steps;
    // a checkpoint written before it was kept: every event counted once a weight was above 0 (one
    // that mixed events of weight 0 with others over-counts them, which cannot be told apart now)
    this.weightedEvents = state.scalars.weightedEvents ?? (this.weightSum > 0 ? state.steps : 0);
  }

  /**
   * `squaresBound` after a restore: the largest sum, or NaN when one is negative or NaN; over
   * `columns` when every other coordinate's sum is 0, else over all.
   */
  protected resetSquaresBound(columns?: Int32Array): void {
    let bound = 0;
    const count = columns === undefined ? this.dim : columns.length;
    for (let i = 0; i < count; i++) {
      const j = columns === undefined ? i : columns[i];
      const v = this.s[j * this.stride + this.squares];
      bound = v >= 0 ? Math.max(bound, v) : NaN;
    }
    this.squaresBound = bound;
  }

  /** Makes every entry buffer hold `nnz` entries (twice that when it grows). */
  protected fitEntries(nnz: number): void {
    if (nnz <= this.entries[0].length) return;
    for (let i = 0; i < this.entries.length; i++) this.entries[i] = new Float64Array(nnz * 2);
  }

  /** Grows the state and the penalty factors to hold coordinate j. */
  protected growTo(j: number): void {
    if ((j + 1) * this.stride > this.s.length) this.s = growFloat64(this.s, (j + 1) * this.stride);
    if (this.pf !== null && j >= this.pf.length) this.pf = growFloat64(this.pf, j + 1, 1);
  }

  /** Sets the penalty factor of column j (0 leaves it unpenalized). */
  setPenaltyFactor(j: number, factor: number): void {
    this.ensure(j);
    if (this.pf === null) this.pf = new Float64Array(Math.max(1024, this.dim)).fill(1);
    if (j >= this.pf.length) this.pf = growFloat64(this.pf, j + 1, 1);
    this.pf[j] = factor;
  }

  /** One field of the interleaved state for coordinates 0..dim−1. */
  protected column(field: number): Float64Array {
    const out = new Float64Array(this.dim);
    for (let j = 0; j < this.dim; j++) out[j] = this.s[j * this.stride + field];
    return out;
  }
}

/** `learnOne`'s error for an event whose update is not finite (nothing was learned). */
function notLearned(name: string, eta: number, d: number): NumericError {
  const what = !Number.isFinite(eta)
    ? `the margin is ${eta}`
    : !Number.isFinite(d)
      ? `the loss's gradient is ${d}`
      : 'a coefficient would overflow';
  return new NumericError(
    `${name}.learnOne: ${what}: a feature value, the label or the weight is not a finite number, or the values are ` +
      'too large to learn from; nothing was learned (checkUpdate reports this without throwing)',
  );
}

/** `checkUpdate`'s answer as far as the margin η and the loss's derivative d (times the weight) go. */
export function marginCheck(eta: number, d: number): number {
  if (!Number.isFinite(eta)) return MARGIN_OVERFLOW;
  return Number.isFinite(d) ? UPDATE_FINITE : GRADIENT_OVERFLOW;
}

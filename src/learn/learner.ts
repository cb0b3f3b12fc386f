import type { Family } from '../core/event.js';
import type { ColumnArrays } from '../core/columns.js';
import type { SparseVector } from '../core/sparse.js';

/**
 * The online learner protocol. A learner sees feature vectors already featurized (and scaled,
 * when standardization is on): it knows nothing about names. Hyperparameters are readonly options
 * fixed at construction; learned state is private and leaves only through `state()` / `restore()`.
 *
 * Every update costs O(nnz(x)): penalties are applied lazily, and a coefficient that was absent
 * for k events catches up exactly k steps of shrinkage when it is next read.
 */
export interface Learner {
  /** `ftrl`, `fobos` or `truncated-gradient`. */
  readonly name: string;
  readonly family: Family;
  readonly lambda: number;
  readonly l1Ratio: number;
  /** Number of events learned from (the `t` of docs/conventions.md's online learners). */
  readonly steps: number;
  /** Linear predictor η = β0 + xᵀβ for the current weights (with the penalties caught up). */
  marginOne(x: SparseVector): number;
  /** Mean prediction: η for gaussian, σ(η) for binomial. */
  predictOne(x: SparseVector): number;
  /**
   * Predicts, then learns from (x, y) with observation weight `weight` (default 1); returns the
   * margin η computed before the update (the progressive-validation prediction). Throws a
   * `NumericError`, learning nothing, when η or the loss's gradient is not finite (a NaN value,
   * label or weight); `checkUpdate` also checks each coordinate's new state.
   */
  learnOne(x: SparseVector, y: number, weight?: number): number;
  /**
   * Checks `learnOne(x, y, weight)` before it runs: `UPDATE_FINITE` when every quantity that update
   * computes (margin, gradient, each coordinate's new state, the intercept's) is finite, else where
   * the first one overflows (`MARGIN_OVERFLOW`, `GRADIENT_OVERFLOW`, or the position k ≥ 0 in x of
   * the coordinate). Changes nothing learned (it may bring lazy penalties up to date, as a read does).
   */
  checkUpdate(x: SparseVector, y: number, weight?: number): number;
  /** The margin η the last `checkUpdate` computed (valid when it did not return `MARGIN_OVERFLOW`). */
  readonly checkedMargin: number;
  /**
   * Learns the event of the last `checkUpdate`, which found its update finite, with the update it
   * computed (x unchanged since, nothing learned in between): `learnOne` without computing it again.
   */
  learnChecked(): void;
  /** The intercept. */
  intercept(): number;
  /** The coefficient of feature `index` now (penalties caught up). */
  coefficient(index: number): number;
  /** Calls `fn` for every non-zero coefficient, penalties caught up (O(dimension)). */
  forEachNonZero(fn: (index: number, value: number) => void): void;
  /** A copy of the whole learned state, for checkpoints (`encodeState` makes it bytes). */
  state(): LearnerState;
  /**
   * Replaces the learned state with a checkpointed one (copied). Hyperparameters, including the
   * penalty factors set so far, must match; otherwise a `StateError` says which differs.
   */
  restore(state: LearnerState): void;
}

/** `checkUpdate`: the update is finite. */
export const UPDATE_FINITE = -1;
/** `checkUpdate`: the margin η = β0 + xᵀβ overflows. */
export const MARGIN_OVERFLOW = -2;
/** `checkUpdate`: the gradient, or the intercept's update, overflows. */
export const GRADIENT_OVERFLOW = -3;

/**
 * A learner's state: hyperparameters for checking, per-coordinate arrays as Float64Arrays (copies,
 * never views of the live buffers) of `dimension` entries, or, when smaller, of the `columns`
 * listed (`ColumnArrays`: the others are untouched). An array whose every entry is at its default
 * (penalty factors of 1, no cumulative debt) is left out.
 */
export interface LearnerState extends ColumnArrays {
  readonly learner: string;
  readonly family: Family;
  readonly hyper: Readonly<Record<string, number>>;
  readonly steps: number;
  readonly dimension: number;
  readonly arrays: Readonly<Record<string, Float64Array>>;
  readonly scalars: Readonly<Record<string, number>>;
}

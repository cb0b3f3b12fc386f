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
  /** Number of events learned from (the `t` of DESIGN §1). */
  readonly steps: number;
  /** Linear predictor η = β0 + xᵀβ for the current weights (with the penalties caught up). */
  marginOne(x: SparseVector): number;
  /** Mean prediction: η for gaussian, σ(η) for binomial. */
  predictOne(x: SparseVector): number;
  /**
   * Predicts, then learns from (x, y) with observation weight `weight` (default 1); returns the
   * margin η computed before the update (the progressive-validation prediction).
   */
  learnOne(x: SparseVector, y: number, weight?: number): number;
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

import type { SparseVector } from '../core/sparse.js';
import { GRADIENT_OVERFLOW, MARGIN_OVERFLOW, UPDATE_FINITE } from './learner.js';

/**
 * `learnOne`, `checkUpdate` and `learnChecked` of a learner whose update is computed first
 * (`stage`, into buffers, nothing learned written) and then written (`commit`): the pre-check of
 * an update is the update itself, so checking costs no second pass.
 */
export abstract class StagedLearner {
  abstract readonly name: string;
  checkedMargin = NaN;
  /** The event of the last `checkUpdate` that found its update finite, until `learnChecked`. */
  private staged: SparseVector | null = null;

  /**
   * Computes the update of (x, y, weight) and its margin (`checkedMargin`); returns `checkUpdate`'s
   * answer. `grow`: make room for new coordinates now (else they read as zeros).
   */
  protected abstract stage(x: SparseVector, y: number, weight: number, grow: boolean): number;
  /** Writes the update `stage` computed for x. */
  protected abstract commit(x: SparseVector): void;
  /** Makes room for coordinate j. */
  protected abstract ensure(j: number): void;

  learnOne(x: SparseVector, y: number, weight = 1): number {
    this.stage(x, y, weight, true);
    this.commit(x);
    return this.checkedMargin;
  }

  checkUpdate(x: SparseVector, y: number, weight = 1): number {
    const update = this.stage(x, y, weight, false);
    this.staged = update === UPDATE_FINITE ? x : null;
    return update;
  }

  learnChecked(): void {
    const x = this.staged;
    if (x === null)
      throw new Error(`${this.name}: learnChecked needs a checkUpdate that found the update finite`);
    this.staged = null;
    for (let k = 0; k < x.nnz; k++) this.ensure(x.indices[k]);
    this.commit(x);
  }
}

/** `checkUpdate`'s answer as far as the margin η and the loss's derivative d (times the weight) go. */
export function marginCheck(eta: number, d: number): number {
  if (!Number.isFinite(eta)) return MARGIN_OVERFLOW;
  return Number.isFinite(d) ? UPDATE_FINITE : GRADIENT_OVERFLOW;
}

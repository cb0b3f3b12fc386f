import type { Family } from '../core/event.js';
import { ProximalSgd } from './proximalSgd.js';
import type { RateOptions } from './rates.js';

export interface TruncatedGradientOptions {
  readonly family: Family;
  readonly lambda: number;
  readonly l1Ratio?: number;
  readonly rates?: RateOptions;
  /** Cumulative L1 penalty (Tsuruoka et al. 2009); default false: plain clipping as in the paper. */
  readonly cumulative?: boolean;
  /** K: truncate every K steps with gravity K·η·λ·α (default 10). */
  readonly truncateEvery?: number;
  /** θ: only coefficients with |w| ≤ θ are truncated (default ∞, which gives the L1 objective). */
  readonly theta?: number;
}

/**
 * Truncated gradient (Langford, Li & Zhang 2009): gradient steps, and every K steps the
 * truncation T1(w, K·η·g, θ) with gravity g = λ·α (the per-step shrinkage of docs/conventions.md). With
 * θ = ∞ it minimizes the same L1 objective as FOBOS; a finite θ leaves large coefficients
 * untouched. The L2 share of an elastic net is applied at the same steps, as 1/(1 + K·η·λ·(1−α)).
 */
/** K when it is not given. */
export const DEFAULT_TRUNCATE_EVERY = 10;

export class TruncatedGradient extends ProximalSgd {
  constructor(options: TruncatedGradientOptions) {
    super('truncated-gradient', {
      ...options,
      truncateEvery: options.truncateEvery ?? DEFAULT_TRUNCATE_EVERY,
    });
  }
}

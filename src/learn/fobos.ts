import type { Family } from '../core/event.js';
import { ProximalSgd } from './proximalSgd.js';
import type { RateOptions } from './rates.js';

export interface FobosOptions {
  readonly family: Family;
  readonly lambda: number;
  readonly l1Ratio?: number;
  readonly rates?: RateOptions;
  /** Cumulative L1 penalty (Tsuruoka et al. 2009); default false: plain clipping as in the paper. */
  readonly cumulative?: boolean;
}

/**
 * FOBOS (Duchi & Singer 2009): a gradient step on the event's loss, then the proximal step of the
 * elastic-net penalty, w ← S(w − η g, η λ α) / (1 + η λ (1 − α)), with per-coordinate AdaGrad rates
 * by default and lazy (exact) penalties for absent features.
 */
export class Fobos extends ProximalSgd {
  constructor(options: FobosOptions) {
    super('fobos', { ...options, truncateEvery: 1, theta: Infinity });
  }
}

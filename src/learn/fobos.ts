import type { Family } from '../core/event.js';
import { checkLearnerOptions } from './options.js';
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

/** The keys of `FobosOptions`. */
const FOBOS_KEYS: readonly (keyof FobosOptions)[] = ['family', 'lambda', 'l1Ratio', 'rates', 'cumulative'];

/** Keys of truncated gradient that FOBOS would overwrite (its K is 1 and its θ is ∞). */
const NOT_FOBOS: ReadonlyArray<readonly [string, string]> = ['truncateEvery', 'theta'].map((key) => [
  key,
  'not read by FOBOS, which applies the penalty at every step to every coefficient (K = 1, θ = ∞); ' +
    `for another ${key === 'theta' ? 'θ' : 'K'} use TruncatedGradient (learner "truncated-gradient")`,
]);

/**
 * FOBOS (Duchi & Singer 2009): a gradient step on the event's loss, then the proximal step of the
 * elastic-net penalty, w ← S(w − η g, η λ α) / (1 + η λ (1 − α)), with per-coordinate AdaGrad rates
 * by default and lazy (exact) penalties for absent features.
 */
export class Fobos extends ProximalSgd {
  constructor(options: FobosOptions) {
    // from JavaScript, truncateEvery and theta were taken and overwritten: K = 1 and θ = ∞ all the same
    checkLearnerOptions('fobos', options, FOBOS_KEYS, NOT_FOBOS);
    super('fobos', { ...options, truncateEvery: 1, theta: Infinity });
  }
}

import { optionKeyProblems } from '../config/optionKeys.js';
import { shownValue } from '../config/unknownKey.js';
import { ConfigError } from '../core/errors.js';
import type { Family } from '../core/event.js';
import { Fobos } from './fobos.js';
import { defaultFtrl, Ftrl } from './ftrl.js';
import type { Learner } from './learner.js';
import type { RateOptions } from './rates.js';
import { TruncatedGradient } from './truncatedGradient.js';

export type LearnerName = 'ftrl' | 'fobos' | 'truncated-gradient';
export const learnerNames: readonly LearnerName[] = ['ftrl', 'fobos', 'truncated-gradient'];

/** Hyperparameters of the three learners, all optional, with the defaults documented in README. */
export interface LearnerHyperparameters {
  /** FTRL-Proximal: per-coordinate rate α/(β + √n). */
  readonly ftrl?: { readonly alpha?: number; readonly beta?: number };
  /** FOBOS and truncated gradient: per-coordinate rates. */
  readonly rates?: RateOptions;
  /** FOBOS and truncated gradient: cumulative L1 penalty (default false). */
  readonly cumulative?: boolean;
  /** Truncated gradient: truncate every K steps, only |w| ≤ θ. */
  readonly truncatedGradient?: { readonly truncateEvery?: number; readonly theta?: number };
}

/** A learner with penalty factors (all three learners support them). */
export interface PenalizedLearner extends Learner {
  setPenaltyFactor(index: number, factor: number): void;
  /** Sets the weights to the given ones (FTRL only: a refit handed back). */
  assignWeights?(intercept: number, cols: Int32Array, values: Float64Array): void;
}

/**
 * A misspelled key in the hyperparameters of the learner made (`ftrl: { alhpa }`, `truncatedGradient:
 * { thta }`) was left out of what it is given, so its default was used; each is a `ConfigError`.
 */
function checkNested(name: LearnerName, hyper: LearnerHyperparameters): void {
  const [section, keys]: readonly [string, readonly string[]] | readonly [null, readonly string[]] =
    name === 'ftrl'
      ? ['ftrl', ['alpha', 'beta']]
      : name === 'truncated-gradient'
        ? ['truncatedGradient', ['truncateEvery', 'theta']]
        : [null, []];
  if (section === null) return;
  const value = (hyper as Readonly<Record<string, unknown>>)[section];
  if (value === undefined) return;
  const problems = optionKeyProblems(section, value, keys).map((q) => ({
    path: q.path.replace(`${section}: `, `${section}.`),
    message: q.message.replace(/^unknown option/, 'unknown setting'),
  }));
  if (problems.length > 0) throw new ConfigError(problems);
}

export function createLearner(
  name: LearnerName,
  family: Family,
  lambda: number,
  l1Ratio: number,
  hyper: LearnerHyperparameters = {},
): PenalizedLearner {
  checkNested(name, hyper);
  switch (name) {
    case 'ftrl':
      return new Ftrl({
        family,
        lambda,
        l1Ratio,
        alpha: hyper.ftrl?.alpha ?? defaultFtrl.alpha,
        beta: hyper.ftrl?.beta ?? defaultFtrl.beta,
      });
    case 'fobos':
      return new Fobos({
        family,
        lambda,
        l1Ratio,
        ...(hyper.rates ? { rates: hyper.rates } : {}),
        ...(hyper.cumulative !== undefined ? { cumulative: hyper.cumulative } : {}),
      });
    case 'truncated-gradient':
      return new TruncatedGradient({
        family,
        lambda,
        l1Ratio,
        ...(hyper.rates ? { rates: hyper.rates } : {}),
        ...(hyper.cumulative !== undefined ? { cumulative: hyper.cumulative } : {}),
        ...(hyper.truncatedGradient?.truncateEvery !== undefined
          ? { truncateEvery: hyper.truncatedGradient.truncateEvery }
          : {}),
        ...(hyper.truncatedGradient?.theta !== undefined ? { theta: hyper.truncatedGradient.theta } : {}),
      });
    default:
      throw ConfigError.single(
        'learner',
        `must be ${learnerNames.map((n) => `"${n}"`).join(', ')}, got ${shownValue(name as unknown)}`,
      );
  }
}

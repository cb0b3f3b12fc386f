import { optionKeyProblems } from '../config/optionKeys.js';
import { shownValue } from '../config/unknownKey.js';
import { ConfigError } from '../core/errors.js';
import type { Family } from '../core/event.js';
import { Fobos } from './fobos.js';
import { defaultFtrl, Ftrl } from './ftrl.js';
import type { Learner } from './learner.js';
import { defaultRates, type RateOptions } from './rates.js';
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

/** Each setting of `LearnerHyperparameters`, the learners that read it, and its default. */
const learnerSettings: readonly {
  readonly path: readonly [keyof LearnerHyperparameters, string?];
  readonly readBy: readonly LearnerName[];
  readonly byDefault: unknown;
}[] = [
  { path: ['ftrl', 'alpha'], readBy: ['ftrl'], byDefault: defaultFtrl.alpha },
  { path: ['ftrl', 'beta'], readBy: ['ftrl'], byDefault: defaultFtrl.beta },
  { path: ['rates', 'schedule'], readBy: ['fobos', 'truncated-gradient'], byDefault: defaultRates.schedule },
  { path: ['rates', 'eta0'], readBy: ['fobos', 'truncated-gradient'], byDefault: defaultRates.eta0 },
  { path: ['rates', 'delta'], readBy: ['fobos', 'truncated-gradient'], byDefault: defaultRates.delta },
  { path: ['cumulative'], readBy: ['fobos', 'truncated-gradient'], byDefault: false },
  { path: ['truncatedGradient', 'truncateEvery'], readBy: ['truncated-gradient'], byDefault: 10 },
  { path: ['truncatedGradient', 'theta'], readBy: ['truncated-gradient'], byDefault: Infinity },
];

/**
 * The settings given with a value other than their default to a learner that does not read them
 * (`truncatedGradient.truncateEvery: 5` with `ftrl`): each changed nothing. One sentence, or
 * none. Settings at their defaults are not named: a configuration may list every section.
 */
export function unreadLearnerSettings(
  name: LearnerName,
  hyper: LearnerHyperparameters,
  prefix = 'model.',
): string | null {
  const unread: string[] = [];
  // the settings by the learners that read them, in order: each group is named with its own
  const groups = new Map<string, string[]>();
  // the learners that read every one of them
  let common: LearnerName[] | null = null;
  for (const { path, readBy, byDefault } of learnerSettings) {
    if (readBy.includes(name)) continue;
    const [section, key] = path;
    const outer: unknown = hyper[section];
    const value: unknown =
      key === undefined
        ? outer
        : outer !== null && typeof outer === 'object'
          ? (outer as Readonly<Record<string, unknown>>)[key]
          : undefined;
    if (value === undefined || Object.is(value, byDefault)) continue;
    // "Infinity" is how a configuration file writes θ = ∞
    if (byDefault === Infinity && (value === 'Infinity' || value === null)) continue;
    const setting = `${prefix}${key === undefined ? section : `${section}.${key}`} (${shownValue(value)})`;
    unread.push(setting);
    common = common === null ? [...readBy] : common.filter((r) => readBy.includes(r));
    const readers = readBy.map((r) => `"${r}"`).join(' or ');
    const group = groups.get(readers);
    if (group === undefined) groups.set(readers, [setting]);
    else group.push(setting);
  }
  if (unread.length === 0) return null;
  const settings = `${unread.join(', ')} ${unread.length === 1 ? 'is' : 'are'} not read by learner "${name}" and changed nothing`;
  if (groups.size === 1)
    return `${settings}; ${unread.length === 1 ? 'it applies' : 'they apply'} to learner ${[...groups.keys()][0]}: choose that learner (--learner, model.learner) or leave ${unread.length === 1 ? 'the setting' : 'them'} out`;
  const each = [...groups]
    .map(
      ([readers, some]) =>
        `${some.join(', ')} ${some.length === 1 ? 'applies' : 'apply'} to learner ${readers}`,
    )
    .join('; ');
  const all =
    common !== null && common.length > 0
      ? `learner ${common.map((r) => `"${r}"`).join(' or ')} reads them all: choose it (--learner, model.learner) or leave them out`
      : "no one learner reads them all: choose the learner meant (--learner, model.learner) and leave the others' settings out";
  return `${settings}; ${each}; ${all}`;
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

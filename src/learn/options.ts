import { shownValue, unknownKeyMessage } from '../config/unknownKey.js';
import { ConfigError, type ConfigProblem } from '../core/errors.js';
import { checkRates, type RateOptions } from './rates.js';

/** The hyperparameters a learner's constructor takes, as far as they can be wrong. */
export interface LearnerOptionsToCheck {
  readonly family: unknown;
  readonly lambda: unknown;
  readonly l1Ratio?: unknown;
  readonly alpha?: unknown;
  readonly beta?: unknown;
  readonly rates?: RateOptions;
  readonly truncateEvery?: unknown;
  readonly theta?: unknown;
}

/** The rate options' keys (`RateOptions`). */
const RATE_KEYS: readonly (keyof RateOptions)[] = ['schedule', 'eta0', 'delta'];

/**
 * Throws a `ConfigError` naming every bad hyperparameter of learner `name` at once (the engine's
 * configuration is checked before; this guards learners built directly), and every key of `o`
 * that is not one of `known` (from JavaScript, `l1ratio` would otherwise leave the lasso's 1).
 * `elsewhere` says, for a key another learner reads, why this one does not and what to use.
 */
export function checkLearnerOptions(
  name: string,
  o: LearnerOptionsToCheck,
  known: readonly string[],
  elsewhere: ReadonlyArray<readonly [key: string, message: string]> = [],
): void {
  const problems: ConfigProblem[] = [];
  const unknownKeys = (
    value: object,
    keys: readonly string[],
    path: string,
    otherLearners: typeof elsewhere = [],
  ): void => {
    for (const key of Object.keys(value))
      if (!keys.includes(key))
        problems.push({
          path: `${path}.${key}`,
          message: otherLearners.find(([k]) => k === key)?.[1] ?? unknownKeyMessage(key, keys),
        });
  };
  if (typeof o !== 'object' || o === null)
    throw ConfigError.single(name, `options must be an object, got ${shownValue(o)}`);
  unknownKeys(o, known, name, elsewhere);
  // a key this learner does not read is named once, as such, whatever its value
  const reads = (key: string): boolean => known.includes(key);
  if (reads('rates') && typeof o.rates === 'object' && o.rates !== null)
    unknownKeys(o.rates, RATE_KEYS, `${name}.rates`);
  const bad = (key: string, rule: string, v: unknown): void => {
    if (reads(key))
      problems.push({ path: `${name}.${key}`, message: `must be ${rule}, got ${shownValue(v)}` });
  };
  const finite = (v: unknown): v is number => typeof v === 'number' && Number.isFinite(v);
  if (o.family !== 'gaussian' && o.family !== 'binomial') bad('family', '"gaussian" or "binomial"', o.family);
  if (!(finite(o.lambda) && o.lambda >= 0)) bad('lambda', 'a finite number >= 0', o.lambda);
  if (o.l1Ratio !== undefined && !(finite(o.l1Ratio) && o.l1Ratio > 0 && o.l1Ratio <= 1))
    bad('l1Ratio', 'a number in (0, 1] (1: lasso)', o.l1Ratio);
  if (o.alpha !== undefined && !(finite(o.alpha) && o.alpha > 0))
    bad('alpha', 'a finite number > 0', o.alpha);
  if (o.beta !== undefined && !(finite(o.beta) && o.beta >= 0)) bad('beta', 'a finite number >= 0', o.beta);
  if (reads('rates') && o.rates !== undefined) problems.push(...checkRates(o.rates, `${name}.rates`));
  if (
    o.truncateEvery !== undefined &&
    !(Number.isInteger(o.truncateEvery) && (o.truncateEvery as number) >= 1)
  )
    bad('truncateEvery', 'a whole number >= 1', o.truncateEvery);
  if (o.theta !== undefined && !(typeof o.theta === 'number' && o.theta > 0))
    bad('theta', 'a number > 0 (Infinity: truncate every coefficient)', o.theta);
  if (problems.length > 0) throw new ConfigError(problems);
}

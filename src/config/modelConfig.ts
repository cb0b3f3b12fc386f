import type { ConfigProblem } from '../core/errors.js';
import { didYouMean, shownValue, unknownKeyMessage } from './unknownKey.js';
import { learnerNames } from '../learn/factory.js';
import { checkRates } from '../learn/rates.js';
import type { OnlineModelOptions } from '../model/onlineModel.js';

type Raw = Record<string, unknown>;

const isObject = (v: unknown): v is Raw => typeof v === 'object' && v !== null && !Array.isArray(v);

function num(
  raw: Raw,
  key: string,
  prefix: string,
  problems: ConfigProblem[],
  check: { min?: number; max?: number; exclusiveMin?: boolean; integer?: boolean; allowInfinity?: boolean },
): number | undefined {
  const v = raw[key];
  if (v === undefined) return undefined;
  const where = `${prefix}${key}`;
  if (typeof v !== 'number' || Number.isNaN(v) || (!check.allowInfinity && !Number.isFinite(v))) {
    problems.push({
      path: where,
      message: `must be a ${check.allowInfinity ? '' : 'finite '}number, got ${shownValue(v)}`,
    });
    return undefined;
  }
  if (check.integer && !Number.isInteger(v))
    problems.push({ path: where, message: `must be a whole number, got ${v}` });
  if (check.min !== undefined && (check.exclusiveMin ? v <= check.min : v < check.min)) {
    problems.push({
      path: where,
      message: `must be ${check.exclusiveMin ? '>' : '>='} ${check.min}, got ${v}`,
    });
  }
  if (check.max !== undefined && v > check.max)
    problems.push({ path: where, message: `must be <= ${check.max}, got ${v}` });
  return v;
}

function unknownKeys(raw: Raw, allowed: readonly string[], prefix: string, problems: ConfigProblem[]): void {
  for (const k of Object.keys(raw)) {
    if (!allowed.includes(k)) {
      problems.push({ path: `${prefix}${k}`, message: unknownKeyMessage(k, allowed) });
    }
  }
}

const modelKeys = [
  'key',
  'family',
  'learner',
  'lambda',
  'l1Ratio',
  'standardize',
  'hashBits',
  'hashSeed',
  'nameCapacity',
  'maxFeatures',
  'penaltyFactors',
  'labelWarmup',
  'aucSample',
  'ftrl',
  'rates',
  'truncatedGradient',
  'cumulative',
  // read by the engine (keyed models) before this check
  'keyBy',
  'maxLiveModels',
] as const;

/**
 * Validates the `model` section of a configuration (all problems, each named by its path), and
 * returns the options for `OnlineModel`. Keys and ranges are listed in README's configuration
 * section. `path` "" names the problems by their keys alone (`lambda`: `new OnlineModel`'s
 * options); `extraKeys` are further keys the caller reads and checks itself.
 */
export function checkModelConfig(
  raw: unknown,
  path = 'model',
  extraKeys: readonly string[] = [],
): { options?: OnlineModelOptions; problems: ConfigProblem[] } {
  const problems: ConfigProblem[] = [];
  const prefix = path === '' ? '' : `${path}.`;
  if (!isObject(raw)) {
    return { problems: [{ path, message: 'must be an object with at least "family"' }] };
  }
  unknownKeys(raw, [...modelKeys, ...extraKeys], prefix, problems);
  const family = raw.family;
  if (family !== 'gaussian' && family !== 'binomial') {
    problems.push({
      path: `${prefix}family`,
      message:
        family === undefined
          ? 'is required: "gaussian" or "binomial"'
          : `must be "gaussian" or "binomial", got ${shownValue(family)}${didYouMean(family, ['gaussian', 'binomial'])}`,
    });
  }
  const learner = raw.learner;
  if (learner !== undefined && !learnerNames.includes(learner as never)) {
    problems.push({
      path: `${prefix}learner`,
      message: `must be one of ${learnerNames.join(', ')}, got ${shownValue(learner)}${didYouMean(learner, learnerNames)}`,
    });
  }
  if (raw.key !== undefined && (typeof raw.key !== 'string' || raw.key === '')) {
    problems.push({ path: `${prefix}key`, message: 'must be a non-empty string' });
  }
  if (typeof raw.lambda === 'string' && raw.lambda !== 'auto')
    problems.push({
      path: `${prefix}lambda`,
      message: `must be a number >= 0 or "auto", got ${shownValue(raw.lambda)}`,
    });
  else if (raw.lambda !== 'auto') num(raw, 'lambda', prefix, problems, { min: 0 });
  num(raw, 'l1Ratio', prefix, problems, { min: 0, exclusiveMin: true, max: 1 });
  if (raw.standardize !== undefined && typeof raw.standardize !== 'boolean' && raw.standardize !== 'auto') {
    problems.push({
      path: `${prefix}standardize`,
      message: `must be true, false or "auto", got ${shownValue(raw.standardize)}`,
    });
  }
  num(raw, 'hashBits', prefix, problems, { min: 1, max: 28, integer: true });
  num(raw, 'hashSeed', prefix, problems, { integer: true });
  num(raw, 'nameCapacity', prefix, problems, { min: 1, integer: true });
  num(raw, 'maxFeatures', prefix, problems, { min: 1, integer: true });
  if (raw.maxFeatures !== undefined && raw.hashBits !== undefined)
    problems.push({
      path: `${prefix}maxFeatures`,
      message:
        'bounds exact names only: with hashBits the columns are 2^hashBits (use nameCapacity for the name table)',
    });
  num(raw, 'labelWarmup', prefix, problems, { min: 0, integer: true });
  num(raw, 'aucSample', prefix, problems, { min: 2, max: 1 << 24, integer: true });
  if (raw.cumulative !== undefined && typeof raw.cumulative !== 'boolean') {
    problems.push({ path: `${prefix}cumulative`, message: 'must be true or false' });
  }
  if (raw.penaltyFactors !== undefined) {
    if (!isObject(raw.penaltyFactors) || raw.penaltyFactors instanceof Map) {
      // a Map has no own enumerable entries: every factor would be left out without a word
      problems.push({
        path: `${prefix}penaltyFactors`,
        message:
          raw.penaltyFactors instanceof Map
            ? 'must be an object of feature name → factor >= 0, got a Map: pass Object.fromEntries(map)'
            : 'must be an object of feature name → factor >= 0',
      });
    } else {
      for (const [name, f] of Object.entries(raw.penaltyFactors)) {
        if (typeof f !== 'number' || !Number.isFinite(f) || f < 0) {
          problems.push({
            path: `${prefix}penaltyFactors.${name}`,
            message: `must be a finite number >= 0, got ${shownValue(f)}`,
          });
        }
      }
    }
  }
  if (raw.ftrl !== undefined) {
    if (!isObject(raw.ftrl))
      problems.push({ path: `${prefix}ftrl`, message: 'must be an object { alpha, beta }' });
    else {
      unknownKeys(raw.ftrl, ['alpha', 'beta'], `${prefix}ftrl.`, problems);
      num(raw.ftrl, 'alpha', `${prefix}ftrl.`, problems, { min: 0, exclusiveMin: true });
      num(raw.ftrl, 'beta', `${prefix}ftrl.`, problems, { min: 0 });
    }
  }
  if (raw.rates !== undefined) {
    if (!isObject(raw.rates))
      problems.push({ path: `${prefix}rates`, message: 'must be an object { schedule, eta0, delta }' });
    else {
      unknownKeys(raw.rates, ['schedule', 'eta0', 'delta'], `${prefix}rates.`, problems);
      problems.push(...checkRates(raw.rates, `${prefix}rates`));
    }
  }
  if (raw.truncatedGradient !== undefined) {
    const tg = raw.truncatedGradient;
    if (!isObject(tg))
      problems.push({
        path: `${prefix}truncatedGradient`,
        message: 'must be an object { truncateEvery, theta }',
      });
    else {
      unknownKeys(tg, ['truncateEvery', 'theta'], `${prefix}truncatedGradient.`, problems);
      num(tg, 'truncateEvery', `${prefix}truncatedGradient.`, problems, { min: 1, integer: true });
      const theta = tg.theta === 'Infinity' || tg.theta === null ? Infinity : tg.theta;
      if (theta !== undefined && !(typeof theta === 'number' && theta > 0)) {
        problems.push({
          path: `${prefix}truncatedGradient.theta`,
          message: `must be a number > 0 or "Infinity", got ${shownValue(tg.theta)}`,
        });
      }
    }
  }
  if (problems.length > 0) return { problems };
  const theta = isObject(raw.truncatedGradient)
    ? raw.truncatedGradient.theta === 'Infinity' || raw.truncatedGradient.theta === null
      ? Infinity
      : (raw.truncatedGradient.theta as number | undefined)
    : undefined;
  const options = {
    ...raw,
    ...(isObject(raw.truncatedGradient)
      ? { truncatedGradient: { ...raw.truncatedGradient, ...(theta !== undefined ? { theta } : {}) } }
      : {}),
  } as unknown as OnlineModelOptions;
  return { options: Object.freeze(options), problems };
}

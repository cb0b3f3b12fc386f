import { DataError } from '../core/errors.js';
import { shownValue, unknownKeyMessage } from '../config/unknownKey.js';
import type { AdaptiveOptions } from './adaptive.js';
import type { CrossValidationOptions } from './cv.js';
import type { ThreadedCrossValidationOptions } from './cvThreads.js';
import type { PathOptions } from './path.js';
import type { SolverOptions } from './problem.js';
import type { SolveAtOptions } from './solve.js';

/**
 * The options of the solver's entry points as JavaScript may pass them: a misspelled key
 * (`lamda`, `kkt_tolerance`) or a value of the wrong kind (`standardize: "yes"`, `maxPasses: "10"`)
 * would otherwise be ignored or read as something else. Every problem is named at once, with the
 * key it most likely meant.
 */
type Check = (v: unknown) => string | undefined;

const isBoolean: Check = (v) => (typeof v === 'boolean' ? undefined : 'must be true or false');
const oneOf =
  (...allowed: readonly unknown[]): Check =>
  (v) =>
    allowed.includes(v) ? undefined : `must be ${allowed.map((a) => shownValue(a)).join(', ')}`;
const isNumber: Check = (v) => (typeof v === 'number' ? undefined : 'must be a number');
const isWhole =
  (min: number): Check =>
  (v) =>
    typeof v === 'number' && Number.isInteger(v) && v >= min ? undefined : `must be a whole number >= ${min}`;
/** A number in the interval from `low` to `high`, each end open or closed, as the solver checks it later. */
const inRange =
  (low: number, lowClosed: boolean, high: number, highClosed: boolean): Check =>
  (v) =>
    typeof v !== 'number'
      ? 'must be a number'
      : (lowClosed ? v >= low : v > low) && (highClosed ? v <= high : v < high)
        ? undefined
        : `must be in ${lowClosed ? '[' : '('}${low}, ${high}${highClosed ? ']' : ')'}`;
const isFunction: Check = (v) => (typeof v === 'function' ? undefined : 'must be a function');
const isNumbers: Check = (v) =>
  (typeof v === 'object' && v !== null && typeof (v as { length?: unknown }).length === 'number') ||
  ArrayBuffer.isView(v)
    ? undefined
    : 'must be an array (or typed array) of numbers';
const isCoefficients: Check = (v) =>
  typeof v === 'object' && v !== null && 'coefficients' in v && 'intercept' in v
    ? undefined
    : 'must be { intercept, coefficients } (a fit, or coefficients on the original scale)';

// typed as Record<keyof T, Check>: the compiler names any key of an interface missing here
const SOLVER: Record<keyof SolverOptions, Check> = {
  family: oneOf('gaussian', 'binomial'),
  l1Ratio: inRange(0, false, 1, true),
  standardize: oneOf(true, false, 'auto'),
  weights: isNumbers,
  penaltyFactors: isNumbers,
  tolerance: (v) => (typeof v === 'number' && v > 0 ? undefined : 'must be a number > 0'),
  gapTolerance: (v) => (typeof v === 'number' && v > 0 ? undefined : 'must be a number > 0'),
  kktTolerance: inRange(0, false, 1, false),
  stopping: oneOf('certified', 'glmnet'),
  maxPasses: isWhole(1),
  mode: oneOf('auto', 'covariance', 'naive'),
  maxOuter: isWhole(1),
  activeSetSolve: oneOf(true, false, 'always'),
  extrapolate: isBoolean,
  wasm: isBoolean,
  profileSingletons: oneOf(true, false, 'always'),
};

const PATH: Record<keyof PathOptions, Check> = {
  ...SOLVER,
  lambdas: isNumbers,
  nLambda: isWhole(1),
  lambdaMinRatio: inRange(0, false, 1, false),
  earlyStop: isBoolean,
  predictStart: isBoolean,
  onLambda: isFunction,
};

const SOLVE_AT: Record<keyof SolveAtOptions, Check> = {
  ...SOLVER,
  lambda: (v) =>
    typeof v === 'number' && Number.isFinite(v) && v >= 0 ? undefined : 'must be a finite number >= 0',
  start: isCoefficients,
  rareMoves: isBoolean,
  tailSweeps: isBoolean,
};

const CROSS_VALIDATION: Record<keyof CrossValidationOptions, Check> = {
  ...PATH,
  folds: isWhole(2),
  seed: isNumber,
  foldIds: isNumbers,
  onProgress: isFunction,
};

const THREADED_CROSS_VALIDATION: Record<keyof ThreadedCrossValidationOptions, Check> = {
  ...CROSS_VALIDATION,
  threads: isWhole(1),
  workerFile: (v) => (typeof v === 'string' || v instanceof URL ? undefined : 'must be a path or a file URL'),
};

const ADAPTIVE: Record<keyof AdaptiveOptions, Check> = { ...CROSS_VALIDATION, gamma: isNumber };

/** Every option of a solver entry point: what a function handed any of their options takes. */
const ANY_SOLVER: Readonly<Record<string, Check>> = { ...ADAPTIVE, ...SOLVE_AT };

/** The options each entry point reads, with the check of each value. */
export const OPTION_CHECKS = {
  solveAt: SOLVE_AT,
  solvePath: PATH,
  crossValidate: CROSS_VALIDATION,
  crossValidateOnThreads: THREADED_CROSS_VALIDATION,
  adaptiveLasso: ADAPTIVE,
  adaptiveWeights: ADAPTIVE,
  // the solver's options and those of any entry point that passes them on (a fit's λ, a path's grid)
  prepareProblem: ANY_SOLVER,
  objectiveValue: ANY_SOLVER,
  checkKkt: ANY_SOLVER,
} as const;

/**
 * Refuses an options object with keys `fn` does not read or values of the wrong kind, naming
 * every problem (`solveAt: options: unknown option "lamda"; did you mean "lambda"? …`). A key
 * whose value is `undefined` counts as not given.
 */
export function checkOptions(fn: keyof typeof OPTION_CHECKS, options: unknown): void {
  if (options === undefined) return;
  if (typeof options !== 'object' || options === null || Array.isArray(options)) {
    throw new DataError(`${fn}: options must be an object, got ${shownValue(options)}`);
  }
  const checks: Readonly<Record<string, Check>> = OPTION_CHECKS[fn];
  const known = Object.keys(checks);
  const problems: string[] = [];
  for (const key of Object.keys(options)) {
    const value = (options as Record<string, unknown>)[key];
    if (!Object.hasOwn(checks, key)) {
      problems.push(`"${key}": ${unknownKeyMessage(key, known, 'option')}`);
      continue;
    }
    if (value === undefined) continue;
    const problem = checks[key]!(value);
    if (problem !== undefined) problems.push(`${key} ${problem}, got ${shownValue(value)}`);
  }
  if (problems.length > 0) {
    throw new DataError(
      `${fn}: ${problems.length === 1 ? 'an option is' : 'options are'} wrong:\n  ${problems.join('\n  ')}`,
    );
  }
}

/** The entries of `options` that `fn` reads (for passing one entry point's options on to another). */
export function optionsOf<T extends object>(fn: keyof typeof OPTION_CHECKS, options: object): T {
  const checks = OPTION_CHECKS[fn];
  const out: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(options)) if (Object.hasOwn(checks, key)) out[key] = value;
  return out as T;
}

import { availableParallelism } from 'node:os';

import { shownValue, unknownKeyMessage } from '../config/unknownKey.js';
import { ConfigError, type ConfigProblem } from '../core/errors.js';
import type { SequentialSparsityOptions } from './sequentialSparsity.js';

/** Settings of the drift monitor (the `drift` section of a replay/run config). */
export interface DriftConfig {
  readonly enabled: boolean;
  /**
   * Threads of the sequential input test: 1 runs it on a worker beside the learning thread (it
   * works on a batch while the batch is learned), 0 on the learning thread. The same alerts either
   * way. Default 1 when the machine has four cores or more, else 0 (on two it bought little and slowed Kafka).
   */
  readonly threads: number;
  /**
   * Learned events between checks of the live model's support and signs (O(support) each), apart
   * from how often snapshots are published.
   */
  readonly checkEveryEvents: number;
  /**
   * The smallest effect the support and sign checks count as material: a coefficient's effect
   * |β_j|·s_j (s_j the divisor standardization uses; for gaussian models in sds of the target)
   * enters the support, or has a sign that matters, only when it is at least this as well as its
   * share of the largest effect (`support.enter`, `signFlip.material`); it leaves below either
   * floor times exit/enter. So a model whose every effect is small (a label without signal, where
   * refits fit noise) raises no support or sign alerts. 0: shares of the largest effect only.
   */
  readonly minEffect: number;
  /**
   * A refit coefficient that moved this many standard errors or more since the previous refit
   * (`RefitOutcome.changes`: entered, left or changed sign) is reported by that refit's support and
   * sign checks at once, without waiting `persistence` refits; smaller moves still wait (default 5).
   * 0: off, and the moves are not measured unless `noiseFloor` asks.
   */
  readonly significance: number;
  /**
   * A refit coefficient within this many standard errors of 0 (`RefitOutcome.changes`: the Wald
   * standard error on its window) is taken for the window's noise by the support and sign checks:
   * it does not enter the support, and its sign does not count (default 3). Coefficients not
   * measured (the levels the checks judge centred, a refit whose information matrix is singular)
   * count as before. 0: off, and nothing is measured unless `significance` asks.
   */
  readonly noiseFloor: number;
  readonly loss: {
    readonly enabled: boolean;
    /** Watch the label rate too (binomial models). */
    readonly labelRate: boolean;
    readonly warmupEvents: number;
    readonly cooldownEvents: number;
    readonly pageHinkley: {
      readonly enabled: boolean;
      /** In baseline standard deviations. */
      readonly delta: number;
      /** In baseline standard deviations. */
      readonly threshold: number;
      readonly alpha: number;
      readonly minInstances: number;
    };
    readonly adwin: {
      readonly enabled: boolean;
      readonly delta: number;
      readonly clock: number;
      readonly maxBuckets: number;
      readonly minWindowLength: number;
      readonly gracePeriod: number;
    };
  };
  readonly support: {
    readonly enabled: boolean;
    readonly enter: number;
    readonly exit: number;
    readonly persistence: number;
    readonly warmupSnapshots: number;
    readonly cooldownSnapshots: number;
  };
  readonly signFlip: {
    readonly enabled: boolean;
    readonly material: number;
    readonly persistence: number;
    readonly warmupSnapshots: number;
  };
  readonly inputSparsity: {
    readonly enabled: boolean;
    readonly windowEvents: number;
    readonly warmupEvents: number;
    readonly maxReferenceEvents: number;
    readonly maxTracked: number;
    readonly alpha: number;
    readonly minRatio: number;
    readonly minCount: number;
    readonly nnzAlpha: number;
    readonly nnzMinChange: number;
    readonly sketchWidth: number;
    readonly sketchDepth: number;
  };
  /**
   * Input outliers (standardization on): an alert when one learned event multiplies a feature's
   * running sd by `sdGrowth` or more after the feature was present in `minEvents` events. The
   * stream's statistics never forget, so such a value sets the feature's scale for good.
   */
  readonly inputOutliers: {
    readonly enabled: boolean;
    readonly sdGrowth: number;
    readonly minEvents: number;
  };
  /**
   * The sequential input-drift tests: every option of `SequentialSparsityDetector` that decides its
   * results (not the size of its column cache), and a switch.
   */
  readonly inputSequential: { readonly enabled: boolean } & Required<
    Omit<SequentialSparsityOptions, 'fieldCacheSize'>
  >;
}

/** A deep partial of `DriftConfig`, as a user writes it. */
export type DriftConfigInput = {
  readonly [K in keyof DriftConfig]?: DriftConfig[K] extends object
    ? DeepPartial<DriftConfig[K]>
    : DriftConfig[K];
};
type DeepPartial<T> = { readonly [K in keyof T]?: T[K] extends object ? DeepPartial<T[K]> : T[K] };

/**
 * Defaults, tuned so that stationary streams of a million events raise no alert (see
 * bench/results/drift.md and test/drift/stationary.test.ts).
 */
export const DEFAULT_DRIFT_CONFIG: DriftConfig = deepFreeze({
  enabled: true,
  // a core of its own only beside the learning, refit (and Kafka client) threads: on 2 cores it cost
  // the Kafka pipeline ~10 % and bought replay 0-4 % (bench/results/seqthread-s23.md)
  threads: availableParallelism() >= 4 ? 1 : 0,
  checkEveryEvents: 2000,
  minEffect: 0.1,
  significance: 5,
  noiseFloor: 3,
  loss: {
    enabled: true,
    labelRate: true,
    warmupEvents: 2000,
    cooldownEvents: 2000,
    pageHinkley: { enabled: true, delta: 0.1, threshold: 100, alpha: 1, minInstances: 30 },
    adwin: { enabled: true, delta: 1e-4, clock: 32, maxBuckets: 5, minWindowLength: 5, gracePeriod: 10 },
  },
  support: {
    enabled: true,
    enter: 0.05,
    exit: 0.01,
    persistence: 2,
    warmupSnapshots: 2,
    cooldownSnapshots: 0,
  },
  signFlip: { enabled: true, material: 0.05, persistence: 2, warmupSnapshots: 1 },
  // the windowed test, kept for comparison; the sequential one replaces it by default
  inputSparsity: {
    enabled: false,
    windowEvents: 20_000,
    warmupEvents: 40_000,
    maxReferenceEvents: 200_000,
    maxTracked: 4096,
    alpha: 1e-6,
    minRatio: 3,
    minCount: 30,
    nnzAlpha: 1e-6,
    nnzMinChange: 0.1,
    sketchWidth: 4096,
    sketchDepth: 4,
  },
  inputOutliers: { enabled: true, sdGrowth: 2, minEvents: 100 },
  inputSequential: {
    enabled: true,
    alpha: 1e-8,
    warmupEvents: 10_000,
    armCount: 30,
    armEvents: 10_000,
    minAppearCount: 10,
    appearEvents: 1000,
    horizonEvents: 50_000,
    gapFactor: 2,
    maxDispersion: 2,
    groupEvents: 5000,
    maxTracked: 4096,
    maxFields: 256,
    sketchWidth: 4096,
    sketchDepth: 4,
    nnzThreshold: 50,
    nnzMinChange: 0.1,
  },
});

type Rule =
  | { readonly kind: 'boolean' }
  | {
      readonly kind: 'number';
      readonly min: number;
      readonly max: number;
      readonly integer?: boolean;
      readonly openMin?: boolean;
      readonly openMax?: boolean;
    };

const bool: Rule = { kind: 'boolean' };
const count = (min: number): Rule => ({ kind: 'number', min, max: Number.MAX_SAFE_INTEGER, integer: true });
const open01: Rule = { kind: 'number', min: 0, max: 1, openMin: true, openMax: true };
const positive: Rule = { kind: 'number', min: 0, max: Infinity, openMin: true, openMax: true };

const RULES: Readonly<Record<string, Rule>> = {
  enabled: bool,
  threads: { kind: 'number', min: 0, max: 1, integer: true },
  checkEveryEvents: count(1),
  minEffect: { kind: 'number', min: 0, max: Infinity, openMax: true },
  significance: { kind: 'number', min: 0, max: Infinity, openMax: true },
  noiseFloor: { kind: 'number', min: 0, max: Infinity, openMax: true },
  'loss.enabled': bool,
  'loss.labelRate': bool,
  'loss.warmupEvents': count(2),
  'loss.cooldownEvents': count(2),
  'loss.pageHinkley.enabled': bool,
  'loss.pageHinkley.delta': { kind: 'number', min: 0, max: Infinity, openMax: true },
  'loss.pageHinkley.threshold': positive,
  'loss.pageHinkley.alpha': { kind: 'number', min: 0, max: 1, openMin: true },
  'loss.pageHinkley.minInstances': count(1),
  'loss.adwin.enabled': bool,
  'loss.adwin.delta': open01,
  'loss.adwin.clock': count(1),
  'loss.adwin.maxBuckets': count(2),
  'loss.adwin.minWindowLength': count(1),
  'loss.adwin.gracePeriod': count(0),
  'support.enabled': bool,
  'support.enter': { kind: 'number', min: 0, max: 1, openMin: true },
  'support.exit': { kind: 'number', min: 0, max: 1, openMax: true },
  'support.persistence': count(1),
  'support.warmupSnapshots': count(0),
  'support.cooldownSnapshots': count(0),
  'signFlip.enabled': bool,
  'signFlip.material': { kind: 'number', min: 0, max: 1, openMin: true },
  'signFlip.persistence': count(1),
  'signFlip.warmupSnapshots': count(0),
  'inputSparsity.enabled': bool,
  'inputSparsity.windowEvents': count(1),
  'inputSparsity.warmupEvents': count(0),
  'inputSparsity.maxReferenceEvents': count(1),
  'inputSparsity.maxTracked': count(1),
  'inputSparsity.alpha': open01,
  'inputSparsity.minRatio': { kind: 'number', min: 1, max: Infinity, openMax: true },
  'inputSparsity.minCount': { kind: 'number', min: 1, max: Infinity, openMax: true },
  'inputSparsity.nnzAlpha': open01,
  'inputSparsity.nnzMinChange': { kind: 'number', min: 0, max: Infinity, openMax: true },
  'inputSparsity.sketchWidth': count(16),
  'inputSparsity.sketchDepth': { kind: 'number', min: 1, max: 16, integer: true },
  'inputOutliers.enabled': bool,
  'inputOutliers.sdGrowth': { kind: 'number', min: 1, max: Infinity, openMin: true, openMax: true },
  'inputOutliers.minEvents': count(1),
  'inputSequential.enabled': bool,
  'inputSequential.alpha': open01,
  'inputSequential.warmupEvents': count(2),
  'inputSequential.armCount': count(2),
  'inputSequential.armEvents': count(2),
  'inputSequential.minAppearCount': count(2),
  'inputSequential.appearEvents': count(2),
  'inputSequential.horizonEvents': count(2),
  'inputSequential.gapFactor': { kind: 'number', min: 1, max: Infinity, openMax: true },
  'inputSequential.maxDispersion': positive,
  'inputSequential.groupEvents': count(2),
  'inputSequential.maxTracked': count(2),
  'inputSequential.maxFields': count(2),
  'inputSequential.sketchWidth': count(16),
  'inputSequential.sketchDepth': { kind: 'number', min: 1, max: 16, integer: true },
  'inputSequential.nnzThreshold': positive,
  'inputSequential.nnzMinChange': { kind: 'number', min: 0, max: Infinity, openMax: true },
};

function describeRule(r: Rule): string {
  if (r.kind === 'boolean') return 'true or false';
  if (r.integer) return `a whole number in [${r.min}, ${r.max === Number.MAX_SAFE_INTEGER ? '∞' : r.max}]`;
  return `a number in ${r.openMin ? '(' : '['}${r.min}, ${r.max === Infinity ? '∞' : r.max}${r.openMax ? ')' : ']'}`;
}

function isPlainObject(x: unknown): x is Record<string, unknown> {
  return typeof x === 'object' && x !== null && !Array.isArray(x);
}

/**
 * Checks a user-given (partial) drift config; returns every problem, each named by its path
 * (`drift.pageHinkley.threshold` style, prefixed by `prefix`). An empty list means it is valid.
 */
export function validateDriftConfig(input: unknown, prefix = 'drift'): ConfigProblem[] {
  const problems: ConfigProblem[] = [];
  const at = (p: string) => (prefix ? `${prefix}.${p}` : p);
  if (input === undefined || input === null) return problems;
  if (!isPlainObject(input)) return [{ path: prefix, message: 'must be an object' }];
  const walk = (obj: Record<string, unknown>, base: string) => {
    for (const [k, v] of Object.entries(obj)) {
      const path = base ? `${base}.${k}` : k;
      // (own keys only: a key such as __proto__ or constructor is data, not a rule)
      const rule = Object.hasOwn(RULES, path) ? RULES[path] : undefined;
      const isSection = Object.keys(RULES).some((r) => r.startsWith(`${path}.`));
      if (isSection) {
        if (!isPlainObject(v)) problems.push({ path: at(path), message: 'must be an object' });
        else walk(v, path);
      } else if (rule === undefined) {
        problems.push({
          path: at(path),
          message: unknownKeyMessage(k, knownUnder(base)),
        });
      } else if (rule.kind === 'boolean') {
        if (typeof v !== 'boolean')
          problems.push({
            path: at(path),
            message: `must be ${describeRule(rule)}, got ${shownValue(v)}`,
          });
      } else {
        const ok =
          typeof v === 'number' &&
          !Number.isNaN(v) &&
          (rule.openMin ? v > rule.min : v >= rule.min) &&
          (rule.openMax ? v < rule.max : v <= rule.max) &&
          (!rule.integer || Number.isInteger(v));
        if (!ok)
          problems.push({
            path: at(path),
            message: `must be ${describeRule(rule)}, got ${shownValue(v)}`,
          });
      }
    }
  };
  walk(input, '');
  if (problems.length === 0) {
    const c = mergeConfig(input as DriftConfigInput);
    if (!(c.support.exit < c.support.enter))
      problems.push({
        path: at('support.exit'),
        message: `must be below support.enter (${c.support.enter}), got ${c.support.exit}`,
      });
    if (c.inputSparsity.maxReferenceEvents < c.inputSparsity.windowEvents) {
      problems.push({
        path: at('inputSparsity.maxReferenceEvents'),
        message: `must be ≥ inputSparsity.windowEvents (${c.inputSparsity.windowEvents})`,
      });
    }
    // a slot's exposure and count are halved past the horizon (its count, one an occurrence, is at
    // most its exposure), so neither reaches a longer armEvents or armCount: no stop or rate test
    // would run; an appearance is judged within one horizon of its first sight, so it has at most
    // that many events and occurrences: none would be reported
    const seq = c.inputSequential;
    const why = [
      ['armEvents', "a feature's exposure is halved past it: no stop or rate test would ever start"],
      ['armCount', "a feature's count is halved past it: no stop or rate test would ever start"],
      ['appearEvents', 'an appearance is judged within it: no feature would be reported as appeared'],
      ['minAppearCount', 'an appearance is judged within it: no feature would be reported as appeared'],
    ] as const;
    for (const [k, reason] of why) {
      if (seq[k] > seq.horizonEvents)
        problems.push({
          path: at(`inputSequential.${k}`),
          message: `must be ≤ inputSequential.horizonEvents (${seq.horizonEvents}), got ${seq[k]} (${reason}); raise horizonEvents or lower ${k}`,
        });
    }
  }
  return problems;
}

function knownUnder(base: string): string[] {
  const names = new Set<string>();
  for (const r of Object.keys(RULES)) {
    if (base === '' || r.startsWith(`${base}.`)) names.add(r.slice(base ? base.length + 1 : 0).split('.')[0]);
  }
  return [...names];
}

function mergeConfig(input: DriftConfigInput): DriftConfig {
  const merge = (d: Record<string, unknown>, u: unknown): Record<string, unknown> => {
    const out: Record<string, unknown> = {};
    const user = isPlainObject(u) ? u : {};
    for (const [k, v] of Object.entries(d))
      out[k] = isPlainObject(v) ? merge(v, user[k]) : user[k] !== undefined ? user[k] : v;
    return out;
  };
  return merge(DEFAULT_DRIFT_CONFIG as unknown as Record<string, unknown>, input) as unknown as DriftConfig;
}

/** Configurations `resolveDriftConfig` returned (frozen): each keyed model's monitor is given one. */
const resolved = new WeakSet<object>();

/**
 * Validates and fills in defaults; throws a `ConfigError` listing every problem. The result is
 * frozen, and given back as it is when resolved again (a keyed engine creates a monitor per model
 * from the same resolved section: validating it each time cost ~0.2 ms per new model).
 */
export function resolveDriftConfig(input: unknown, prefix = 'drift'): DriftConfig {
  if (typeof input === 'object' && input !== null && resolved.has(input)) return input as DriftConfig;
  const problems = validateDriftConfig(input, prefix);
  if (problems.length > 0) throw new ConfigError(problems);
  const config = deepFreeze(mergeConfig((input ?? {}) as DriftConfigInput));
  resolved.add(config);
  return config;
}

function deepFreeze<T>(x: T): T {
  if (isPlainObject(x)) for (const v of Object.values(x)) deepFreeze(v);
  return Object.freeze(x);
}

import { optionKeyProblems } from '../config/optionKeys.js';
import { ConfigError } from '../core/errors.js';
/**
 * The small protocol every drift detector follows (in the spirit of River's `drift` module): feed
 * it one observation with `update`, then read `driftDetected`, which is true for exactly the update
 * that detected a change. Detectors keep their state private, allocate nothing per update on their
 * hot path, and `reset()` returns them to their freshly constructed state.
 */
export interface DriftDetector<T> {
  /** Feeds one observation. */
  update(x: T): void;
  /** True right after the update that detected a change; false again after the next update. */
  readonly driftDetected: boolean;
  /** Forgets everything seen so far. */
  reset(): void;
}

/** A detector of changes in the mean of a stream of numbers (Page-Hinkley, ADWIN). */
export type ScalarDetector = DriftDetector<number>;

/** Severity of an alert (docs/conventions.md, alerts). */
export type { Severity } from '../model/snapshot.js';

/**
 * A detector's options from JavaScript: a key it does not read (`delat`, which left the default
 * delta) is a `ConfigError` naming each, `Detector: key`, with the key meant.
 */
export function refuseUnknownOptions(detector: string, options: unknown, known: readonly string[]): void {
  const problems = optionKeyProblems(detector, options, known);
  if (problems.length > 0) throw new ConfigError(problems);
}

/** Throws a `RangeError` naming `name` unless `value` satisfies `ok`. */
export function requireOption(name: string, value: number, ok: boolean, expected: string): void {
  if (!ok) throw new RangeError(`${name} must be ${expected}, got ${value}`);
}

/**
 * Baseline sds a value counts for at most in the loss and label-rate tests (`GuardedDetector`'s
 * `clip`): one outlier (a single event's log loss of 36 against a mean of 0.56 and an sd of 0.5,
 * z ≈ 70) fired ADWIN on its own, a `critical` loss-drift alert for one event; unclipped, a label
 * rate of 0.1 % (each 1 is 16 sds) gave ADWIN 38 false alarms in a million events (2 clipped), and
 * one 1 after a warm-up of 0s a `critical` alert. A lasting change still moves a test by up to
 * this much per value. The level reported after a change takes the values unclipped.
 */
export const TEST_CLIP = 8;

/** (x − mu0) / sd0, clipped to ±`clip`. */
export function standardized(x: number, mu0: number, sd0: number, clip: number): number {
  const z = (x - mu0) / sd0;
  return z > clip ? clip : z < -clip ? -clip : z;
}

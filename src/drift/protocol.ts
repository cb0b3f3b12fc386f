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
 * Baseline sds a loss counts for at most in the loss tests (`GuardedDetector`'s `clip`): one
 * outlier (a single event's log loss of 36 against a mean of 0.56 and an sd of 0.5, z ≈ 70) fired
 * ADWIN on its own, a `critical` loss-drift alert for one event. A lasting change still moves the
 * test by up to this much per value. Labels (0 or 1) and counts are not clipped: a rate below 1/65
 * makes every 1 an outlier by this measure.
 */
export const LOSS_CLIP = 8;

/** (x − mu0) / sd0, clipped to ±`clip`. */
export function standardized(x: number, mu0: number, sd0: number, clip: number): number {
  const z = (x - mu0) / sd0;
  return z > clip ? clip : z < -clip ? -clip : z;
}

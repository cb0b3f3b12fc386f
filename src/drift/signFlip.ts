import { StateError } from '../core/errors.js';
import type { ModelSnapshot } from '../model/snapshot.js';
import { shareScale, WeightedBuffer, type WeightedCoefficients } from './materiality.js';
import { refuseUnknownOptions, type DriftDetector } from './protocol.js';

export interface SignFlipOptions {
  /** Relative weight (see `relativeWeights`) at which a coefficient's sign matters (default 0.05). */
  readonly material?: number;
  /** Consecutive snapshots the new sign must hold, material, before it is reported (default 2). */
  readonly persistence?: number;
  /** Snapshots that only record the reference signs (default 1). */
  readonly warmupSnapshots?: number;
  readonly scaleOf?: (name: string) => number;
}

export interface SignFlip {
  readonly feature: string;
  /** Coefficient when the old sign was last confirmed, and now (original scale). */
  readonly before: number;
  readonly after: number;
}

export interface SignState {
  sign: number;
  value: number;
  streak: number;
}

/** A feature's `SignState`, marked with the number of the last update where it was material. */
interface Signed extends SignState {
  seen: number;
}

function signed(sign: number, value: number, streak: number, seen: number): Signed {
  return { sign, value, streak, seen };
}

/** The keys `SignFlipDetector` reads (others are refused: a misspelled one left its default). */
const SIGNFLIPDETECTOR_KEYS: readonly (keyof SignFlipOptions)[] = [
  'material',
  'persistence',
  'warmupSnapshots',
  'scaleOf',
];

/**
 * Sign flips: a material coefficient whose sign changes and stays changed (material, with the new
 * sign) for `persistence` consecutive snapshots. A coefficient that merely shrinks to zero is not a
 * flip (that is support drift); its reference sign is kept until a material value confirms another.
 */
export class SignFlipDetector implements DriftDetector<ModelSnapshot> {
  readonly material: number;
  readonly persistence: number;
  readonly warmupSnapshots: number;
  private readonly scaleOf?: (name: string) => number;
  private readonly states = new Map<string, Signed>();
  /**
   * The names of `states` whose streak is above 0: only those can be reset by a snapshot where
   * they are not material (`states` keeps every feature ever material, ~23,000 on the 200k bench
   * stream, against a few hundred material at a time).
   */
  private readonly streaking = new Set<string>();
  /** `update`'s relative weights when the caller has none (reused). */
  private readonly weighed = new WeightedBuffer();
  /** Numbers the updates (`Signed.seen`); never restored, so it only grows. */
  private stamp = 0;
  private snapshots = 0;
  private detected = false;
  private last: readonly SignFlip[] = [];

  constructor(options: SignFlipOptions = {}) {
    refuseUnknownOptions('SignFlipDetector', options, SIGNFLIPDETECTOR_KEYS);
    this.material = options.material ?? 0.05;
    this.persistence = options.persistence ?? 2;
    this.warmupSnapshots = options.warmupSnapshots ?? 1;
    this.scaleOf = options.scaleOf;
    if (!(this.material > 0 && this.material <= 1))
      throw new RangeError(`material must be in (0, 1], got ${this.material}`);
    if (!(Number.isInteger(this.persistence) && this.persistence >= 1))
      throw new RangeError(`persistence must be a whole number ≥ 1, got ${this.persistence}`);
  }

  get driftDetected(): boolean {
    return this.detected;
  }

  /** The flips found by the update that set `driftDetected`. */
  get report(): readonly SignFlip[] {
    return this.last;
  }

  /**
   * `weights`: the snapshot's `relativeWeights` under this detector's `scaleOf`, when the caller
   * has them (the monitor computes them once for the support and sign detectors); read, not kept.
   */
  update(snapshot: ModelSnapshot, weights?: ReadonlyMap<string, number>): void {
    this.updateWeighted(
      weights === undefined
        ? this.weighed.weigh(snapshot.coefficients, this.scaleOf)
        : this.weighed.fromWeights(snapshot.coefficients, weights),
    );
  }

  /**
   * `update` from coefficients already weighed (a snapshot's, or a model's `DriftView`): one Map
   * lookup per material entry, then one per feature on a streak. `unit`: the effect this check
   * takes shares of when the largest is smaller (`relativeWeights`; the weights are rescaled to it).
   * `significant(name)`: a flip of that feature is reported at once, without `persistence` (a move
   * of many standard errors between refits, `DriftMonitor.onSnapshot`). `noise(name)`: that
   * feature is too close to 0 for this snapshot to tell its sign (a refit's standard errors): it
   * counts as not material.
   */
  updateWeighted(
    c: WeightedCoefficients,
    unit = 0,
    significant?: (name: string) => boolean,
    noise?: (name: string) => boolean,
  ): void {
    this.detected = false;
    this.snapshots++;
    const stamp = ++this.stamp;
    const flips: SignFlip[] = [];
    const { names, values, weights } = c;
    const scale = shareScale(c, unit);
    for (let k = 0; k < c.count; k++) {
      if (weights[k] * scale < this.material) continue;
      const name = names[k];
      if (noise?.(name) === true) continue;
      const beta = values[k];
      const sign = Math.sign(beta);
      const state = this.states.get(name);
      if (state === undefined) {
        this.states.set(name, signed(sign, beta, 0, stamp));
        continue;
      }
      state.seen = stamp;
      if (sign === state.sign) {
        state.value = beta;
        if (state.streak > 0) this.streaking.delete(name);
        state.streak = 0;
      } else if (++state.streak >= this.persistence || significant?.(name) === true) {
        if (this.snapshots > this.warmupSnapshots)
          flips.push({ feature: name, before: state.value, after: beta });
        state.sign = sign;
        state.value = beta;
        state.streak = 0;
        this.streaking.delete(name);
      } else {
        this.streaking.add(name);
      }
    }
    // the features on a streak that were not material now: their streak ends (the loop above
    // only touched material ones, so doing this after it changes nothing)
    for (const name of this.streaking) {
      const state = this.states.get(name)!;
      if (state.seen !== stamp) {
        state.streak = 0;
        this.streaking.delete(name);
      }
    }
    if (flips.length > 0) {
      this.last = flips.sort((a, b) => (a.feature < b.feature ? -1 : a.feature > b.feature ? 1 : 0));
      this.detected = true;
    }
  }

  /** Reference signs and streaks by feature name (a Map), and the snapshot count. */
  state(): SignFlipState {
    const states = new Map<string, SignState>();
    for (const [name, s] of this.states) states.set(name, { sign: s.sign, value: s.value, streak: s.streak });
    return { states, snapshots: this.snapshots, detected: this.detected, last: this.last.slice() };
  }

  restore(state: SignFlipState): void {
    if (!(state.states instanceof Map) || !Array.isArray(state.last)) {
      throw new StateError('sign-flip checkpoint needs its signs as a Map');
    }
    this.states.clear();
    this.streaking.clear();
    for (const [name, s] of state.states) {
      this.states.set(name, signed(s.sign, s.value, s.streak, 0));
      if (s.streak > 0) this.streaking.add(name);
    }
    this.snapshots = state.snapshots;
    this.detected = state.detected;
    this.last = state.last.slice();
  }

  reset(): void {
    this.states.clear();
    this.streaking.clear();
    this.snapshots = 0;
    this.detected = false;
    this.last = [];
  }
}

/** The state of a `SignFlipDetector`; feature names are Map keys only. */
export interface SignFlipState {
  readonly states: ReadonlyMap<string, Readonly<SignState>>;
  readonly snapshots: number;
  readonly detected: boolean;
  readonly last: readonly SignFlip[];
}

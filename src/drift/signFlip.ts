import { StateError } from '../core/errors.js';
import type { ModelSnapshot } from '../model/snapshot.js';
import { relativeWeights } from './materiality.js';
import type { DriftDetector } from './protocol.js';

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
  private readonly states = new Map<string, SignState>();
  /**
   * The names of `states` whose streak is above 0: only those can be reset by a snapshot where
   * they are not material (`states` keeps every feature ever material, ~23,000 on the 200k bench
   * stream, against a few hundred material at a time).
   */
  private readonly streaking = new Set<string>();
  private readonly weights = new Map<string, number>();
  private snapshots = 0;
  private detected = false;
  private last: readonly SignFlip[] = [];

  constructor(options: SignFlipOptions = {}) {
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
    this.detected = false;
    this.snapshots++;
    const flips: SignFlip[] = [];
    weights ??= relativeWeights(snapshot, this.weights, this.scaleOf);
    for (const name of this.streaking) {
      if ((weights.get(name) ?? 0) < this.material) {
        this.states.get(name)!.streak = 0;
        this.streaking.delete(name);
      }
    }
    for (const [name, r] of weights) {
      if (r < this.material) continue;
      const beta = snapshot.coefficients[name];
      const sign = Math.sign(beta);
      const state = this.states.get(name);
      if (state === undefined) {
        this.states.set(name, { sign, value: beta, streak: 0 });
      } else if (sign === state.sign) {
        state.value = beta;
        if (state.streak > 0) this.streaking.delete(name);
        state.streak = 0;
      } else if (++state.streak >= this.persistence) {
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
    if (flips.length > 0) {
      this.last = flips.sort((a, b) => (a.feature < b.feature ? -1 : a.feature > b.feature ? 1 : 0));
      this.detected = true;
    }
  }

  /** Reference signs and streaks by feature name (a Map), and the snapshot count. */
  state(): SignFlipState {
    const states = new Map<string, SignState>();
    for (const [name, s] of this.states) states.set(name, { ...s });
    return { states, snapshots: this.snapshots, detected: this.detected, last: this.last.slice() };
  }

  restore(state: SignFlipState): void {
    if (!(state.states instanceof Map) || !Array.isArray(state.last)) {
      throw new StateError('sign-flip checkpoint needs its signs as a Map');
    }
    this.states.clear();
    this.streaking.clear();
    for (const [name, s] of state.states) {
      this.states.set(name, { sign: s.sign, value: s.value, streak: s.streak });
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

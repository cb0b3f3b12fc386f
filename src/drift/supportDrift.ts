import { StateError } from '../core/errors.js';
import type { ModelSnapshot } from '../model/snapshot.js';
import { shareScale, WeightedBuffer, type WeightedCoefficients } from './materiality.js';
import { refuseUnknownOptions, type DriftDetector } from './protocol.js';

export interface SupportDriftOptions {
  /** A feature enters the support when its relative weight is ≥ `enter` (default 0.05)... */
  readonly enter?: number;
  /** ...and leaves when it is < `exit` (default 0.01): the band in between is hysteresis. */
  readonly exit?: number;
  /** ...in this many consecutive snapshots (default 2). */
  readonly persistence?: number;
  /** Snapshots that only build the reference support (default 2). */
  readonly warmupSnapshots?: number;
  /** Snapshots after an alert during which further moves are gathered into the next alert (default 0). */
  readonly cooldownSnapshots?: number;
  /** Standard deviation of a feature, for a scale-free weight (see `relativeWeights`). */
  readonly scaleOf?: (name: string) => number;
}

/** What moved since the previous report. */
export interface SupportChange {
  readonly entered: readonly string[];
  readonly left: readonly string[];
  /** Jaccard distance 1 − |A∩B|/|A∪B| between the support at the previous report and now. */
  readonly jaccardDistance: number;
  readonly support: readonly string[];
  readonly previousSupport: readonly string[];
  /**
   * The largest share among the features whose move was significant (`updateWeighted`): an
   * entered one's now, a left one's at the last check where it held its place; 0 without one.
   */
  readonly largestShare: number;
}

export interface FeatureState {
  inSupport: boolean;
  streak: number;
  /** Its share at the last check where it entered or held its place in the support (absent: 0). */
  held?: number;
}

/** A tracked feature, with its relative weight `r` in the update numbered `seen` (0 in others). */
interface Tracked extends FeatureState {
  held: number;
  r: number;
  seen: number;
}

function tracked(inSupport: boolean, streak: number, held = 0): Tracked {
  return { inSupport, streak, held, r: 0, seen: 0 };
}

/** The keys `SupportDriftDetector` reads (others are refused: a misspelled one left its default). */
const SUPPORTDRIFTDETECTOR_KEYS: readonly (keyof SupportDriftOptions)[] = [
  'enter',
  'exit',
  'persistence',
  'warmupSnapshots',
  'cooldownSnapshots',
  'scaleOf',
];

/**
 * Support drift: tracks which features have material weight (relative weight, `relativeWeights`)
 * across model snapshots, with hysteresis (`enter` > `exit`) and persistence so that a coefficient
 * hovering near zero does not flap, and reports features that entered and left with the Jaccard
 * distance. Feed it snapshots of one source (the monitor keeps one per source: online, refit).
 */
export class SupportDriftDetector implements DriftDetector<ModelSnapshot> {
  readonly enter: number;
  readonly exit: number;
  readonly persistence: number;
  readonly warmupSnapshots: number;
  readonly cooldownSnapshots: number;
  private readonly scaleOf?: (name: string) => number;
  private readonly features = new Map<string, Tracked>();
  /** `update`'s relative weights when the caller has none (reused). */
  private readonly weighed = new WeightedBuffer();
  /** Numbers the updates (`Tracked.seen`); never restored, so it only grows. */
  private stamp = 0;
  private reference = new Set<string>();
  /** `reference`'s members sorted (null: sort them when needed, after a restore). */
  private referenceSorted: string[] | null = [];
  private pendingEntered = new Set<string>();
  /** The largest share among the pending moves (`SupportChange.largestShare`). */
  private pendingLargest = 0;
  private pendingLeft = new Set<string>();
  private snapshots = 0;
  private sinceReport = Infinity;
  private detected = false;
  private last: SupportChange | null = null;

  constructor(options: SupportDriftOptions = {}) {
    refuseUnknownOptions('SupportDriftDetector', options, SUPPORTDRIFTDETECTOR_KEYS);
    this.enter = options.enter ?? 0.05;
    this.exit = options.exit ?? 0.01;
    this.persistence = options.persistence ?? 2;
    this.warmupSnapshots = options.warmupSnapshots ?? this.persistence;
    this.cooldownSnapshots = options.cooldownSnapshots ?? 0;
    this.scaleOf = options.scaleOf;
    if (!(this.enter > 0 && this.enter <= 1))
      throw new RangeError(`enter must be in (0, 1], got ${this.enter}`);
    if (!(this.exit >= 0 && this.exit < this.enter))
      throw new RangeError(`exit must be in [0, enter), got ${this.exit}`);
    if (!(Number.isInteger(this.persistence) && this.persistence >= 1))
      throw new RangeError(`persistence must be a whole number ≥ 1, got ${this.persistence}`);
  }

  get driftDetected(): boolean {
    return this.detected;
  }

  get report(): SupportChange | null {
    return this.last;
  }

  /** Whether `name` is tracked: in the support, or on a streak into it. */
  tracks(name: string): boolean {
    return this.features.has(name);
  }

  /** The confirmed support, sorted. */
  get support(): string[] {
    const support: string[] = [];
    for (const [name, s] of this.features) if (s.inSupport) support.push(name);
    return support.sort();
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
   * `update` from coefficients already weighed (a snapshot's, or a model's `DriftView`): O(entries +
   * tracked features), one Map lookup per entry, nothing allocated for an entry that is not tracked.
   * `unit`: the effect this check takes shares of when the largest is smaller (`relativeWeights`;
   * the weights are rescaled to it). `significant(name)`: that feature's entry or exit counts at
   * once, without `persistence` (a move of many standard errors between refits). `noise(name)`:
   * that feature is too close to 0 for this snapshot to tell (a refit's standard errors): it does
   * not count as entering.
   */
  updateWeighted(
    c: WeightedCoefficients,
    unit = 0,
    significant?: (name: string) => boolean,
    noise?: (name: string) => boolean,
  ): void {
    this.detected = false;
    this.snapshots++;
    this.sinceReport++;
    const stamp = ++this.stamp;
    const { names, weights } = c;
    const scale = shareScale(c, unit);
    // Only features that can move are tracked: one out of the support with no streak behaves as an
    // untracked one (so a model with many tiny coefficients costs only its material ones).
    for (let k = 0; k < c.count; k++) {
      const name = names[k];
      let state = this.features.get(name);
      if (state === undefined) {
        if (!(weights[k] * scale >= this.enter)) continue;
        state = tracked(false, 0);
        this.features.set(name, state);
      }
      state.r = weights[k] * scale;
      state.seen = stamp;
    }
    for (const [name, state] of this.features) {
      const r = state.seen === stamp ? state.r : 0;
      const moving = state.inSupport ? r < this.exit : r >= this.enter && noise?.(name) !== true;
      state.streak = moving ? state.streak + 1 : 0;
      if (state.inSupport && !moving) state.held = r;
      const large = moving && significant?.(name) === true;
      if (state.streak >= this.persistence || large) {
        state.inSupport = !state.inSupport;
        state.streak = 0;
        if (state.inSupport) state.held = r;
        if (this.snapshots > this.warmupSnapshots) {
          const [add, remove] = state.inSupport
            ? [this.pendingEntered, this.pendingLeft]
            : [this.pendingLeft, this.pendingEntered];
          if (remove.has(name)) remove.delete(name);
          else add.add(name);
          if (large && state.held > this.pendingLargest) this.pendingLargest = state.held;
        }
      }
      if (!state.inSupport && state.streak === 0) this.features.delete(name);
    }
    if (this.snapshots <= this.warmupSnapshots) {
      const support = this.support;
      this.reference = new Set(support);
      this.referenceSorted = support;
      return;
    }
    if (this.pendingEntered.size + this.pendingLeft.size > 0 && this.sinceReport > this.cooldownSnapshots) {
      // every move since the reference is pending (a move and its reversal cancel out), so the
      // support is the reference less `left`, merged with `entered`: no sort of the whole support
      const previous = (this.referenceSorted ??= [...this.reference].sort());
      const entered = [...this.pendingEntered].sort();
      const support = mergeSorted(previous, this.pendingLeft, entered);
      this.last = {
        entered,
        left: [...this.pendingLeft].sort(),
        jaccardDistance: jaccardDistance(this.reference, support),
        support,
        previousSupport: previous.slice(),
        largestShare: this.pendingLargest,
      };
      this.reference = new Set(support);
      this.referenceSorted = support;
      this.pendingEntered.clear();
      this.pendingLeft.clear();
      this.pendingLargest = 0;
      this.sinceReport = 0;
      this.detected = true;
    }
  }

  /** Per-feature support and streaks (by name, in a Map), the reference and pending moves. */
  state(): SupportDriftState {
    const features = new Map<string, FeatureState>();
    for (const [name, s] of this.features)
      features.set(name, { inSupport: s.inSupport, streak: s.streak, held: s.held });
    return {
      features,
      reference: new Set(this.reference),
      pendingEntered: new Set(this.pendingEntered),
      pendingLeft: new Set(this.pendingLeft),
      pendingLargest: this.pendingLargest,
      snapshots: this.snapshots,
      sinceReport: this.sinceReport,
      detected: this.detected,
      last: this.last,
    };
  }

  restore(state: SupportDriftState): void {
    const sets = [state.reference, state.pendingEntered, state.pendingLeft];
    if (!(state.features instanceof Map) || !sets.every((s) => s instanceof Set)) {
      throw new StateError('support-drift checkpoint needs its features as a Map and its supports as Sets');
    }
    this.features.clear();
    for (const [name, s] of state.features)
      this.features.set(name, tracked(s.inSupport, s.streak, s.held ?? 0));
    this.reference = new Set(state.reference);
    this.referenceSorted = null;
    this.pendingEntered = new Set(state.pendingEntered);
    this.pendingLeft = new Set(state.pendingLeft);
    this.pendingLargest = state.pendingLargest ?? 0;
    this.snapshots = state.snapshots;
    this.sinceReport = state.sinceReport;
    this.detected = state.detected;
    this.last = state.last;
  }

  reset(): void {
    this.features.clear();
    this.reference = new Set();
    this.referenceSorted = [];
    this.pendingEntered.clear();
    this.pendingLeft.clear();
    this.pendingLargest = 0;
    this.snapshots = 0;
    this.sinceReport = Infinity;
    this.detected = false;
    this.last = null;
  }
}

/** The state of a `SupportDriftDetector`; feature names are Map keys and Set members only. */
export interface SupportDriftState {
  readonly features: ReadonlyMap<string, Readonly<FeatureState>>;
  readonly reference: ReadonlySet<string>;
  readonly pendingEntered: ReadonlySet<string>;
  readonly pendingLeft: ReadonlySet<string>;
  /** Absent in checkpoints written before it existed (0). */
  readonly pendingLargest?: number;
  readonly snapshots: number;
  readonly sinceReport: number;
  readonly detected: boolean;
  readonly last: SupportChange | null;
}

/**
 * 1 − |A∩B| / |A∪B| (0 for two empty sets), as (|A∪B| − |A∩B|) / |A∪B|: one rounding, so one
 * feature of five is 0.2 exactly (1 − 4/5 would be 0.19999999999999996).
 */
export function jaccardDistance(a: ReadonlySet<string>, b: readonly string[]): number {
  let inter = 0;
  for (const x of b) if (a.has(x)) inter++;
  const union = a.size + b.length - inter;
  return union === 0 ? 0 : (union - inter) / union;
}

/**
 * The members of sorted `from` that are not in `drop`, merged with sorted `add` (none of which is
 * in `from`): sorted as `Array.prototype.sort` sorts strings (by UTF-16 code units, as `<`).
 */
function mergeSorted(from: readonly string[], drop: ReadonlySet<string>, add: readonly string[]): string[] {
  const out: string[] = [];
  let j = 0;
  for (const name of from) {
    if (drop.has(name)) continue;
    while (j < add.length && add[j] < name) out.push(add[j++]);
    out.push(name);
  }
  while (j < add.length) out.push(add[j++]);
  return out;
}

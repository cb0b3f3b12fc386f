import { StateError } from '../core/errors.js';
import { CountMinSketch, type CountMinSketchState } from './countMinSketch.js';
import { refuseUnknownOptions, type DriftDetector } from './protocol.js';
import { SlotMap } from './slotMap.js';
import { chiSquare1UpperQuantile, normalUpperQuantile } from './stats.js';

/** One event's active features: `indices[start .. end)`. The monitor reuses one such view. */
export interface ActiveFeatures {
  indices: Int32Array;
  start: number;
  end: number;
}

export interface InputSparsityOptions {
  /** Events per comparison window (default 20 000). */
  readonly windowEvents?: number;
  /** Events gathered into the first reference before any test (default 2 windows). */
  readonly warmupEvents?: number;
  /** The reference is aged (scaled down) so it never weighs more than this many events (default 200 000). */
  readonly maxReferenceEvents?: number;
  /** Features counted exactly; the others go to the count-min sketch (default 4096). */
  readonly maxTracked?: number;
  /** Family-wise false-alarm probability per window, Bonferroni-split over tracked features (default 1e−6). */
  readonly alpha?: number;
  /** A rate must change at least this many times (up or down) to be reported (default 3). */
  readonly minRatio?: number;
  /** Expected or observed occurrences in the recent window below this are not judged (default 30). */
  readonly minCount?: number;
  /** Same false-alarm probability for the shift in non-zeros per event (default 1e−6). */
  readonly nnzAlpha?: number;
  /** Relative change of the mean non-zeros per event that counts (default 0.1). */
  readonly nnzMinChange?: number;
  /** Count-min sketch shape for untracked features (default 4096 × 4). */
  readonly sketchWidth?: number;
  readonly sketchDepth?: number;
}

/** A feature whose occurrence rate (share of events it appears in) changed. */
export interface RateChange {
  readonly index: number;
  readonly referenceRate: number;
  readonly recentRate: number;
  /** Likelihood-ratio (G) statistic of the 2×2 table; 0 for sketch-based findings. */
  readonly statistic: number;
}

/** What the last window found (when `driftDetected`). */
export interface InputSparsityReport {
  /** Features that were arriving and stopped (recent count 0). */
  readonly stopped: readonly RateChange[];
  /** Features that now arrive but were absent before (fewer than 1 expected in the recent window). */
  readonly appeared: readonly RateChange[];
  /** Other significant rate changes by at least `minRatio`. */
  readonly changed: readonly RateChange[];
  /** Mean non-zeros per event, reference and recent, when that shifted. */
  readonly nnz: { readonly referenceMean: number; readonly recentMean: number; readonly z: number } | null;
  readonly referenceEvents: number;
  readonly recentEvents: number;
}

const MAX_APPEARED_CANDIDATES = 64;

/** Exact counters allocated at first; the tables double up to `maxTracked` as features come. */
const INITIAL_SLOTS = 64;

/** The keys `InputSparsityDetector` reads (others are refused: a misspelled one left its default). */
const INPUTSPARSITYDETECTOR_KEYS: readonly (keyof InputSparsityOptions)[] = [
  'windowEvents',
  'warmupEvents',
  'maxReferenceEvents',
  'maxTracked',
  'alpha',
  'minRatio',
  'minCount',
  'nnzAlpha',
  'nnzMinChange',
  'sketchWidth',
  'sketchDepth',
];

/**
 * Input sparsity drift: per-feature occurrence rates in a recent tumbling window of events against a
 * reference built from earlier windows, judged by the likelihood-ratio (G) test on the 2×2 table
 * (feature present / absent × reference / recent) at a Bonferroni-corrected level, plus a minimum
 * rate ratio so that huge streams do not report trivial changes. Also tests the mean number of
 * non-zeros per event (Welch z). Memory is bounded: `maxTracked` exact counters (slots are recycled
 * when a feature disappears from both windows), a count-min sketch for the rest, from which newly
 * appearing untracked features are still reported. When a window differs, the recent window becomes
 * the new reference (one change, one alert); otherwise it is merged into the reference.
 */
export class InputSparsityDetector implements DriftDetector<ActiveFeatures> {
  readonly windowEvents: number;
  readonly warmupEvents: number;
  readonly maxReferenceEvents: number;
  readonly maxTracked: number;
  readonly alpha: number;
  readonly minRatio: number;
  readonly minCount: number;
  readonly nnzAlpha: number;
  readonly nnzMinChange: number;

  private readonly slotOf = new SlotMap();
  private keyOf: Int32Array;
  private refCounts: Float64Array;
  private curCounts: Float64Array;
  /** Part of a slot's reference count that was taken from the reference sketch when it was tracked. */
  private fromSketch: Float64Array;
  /**
   * The free slots as a stack, of which only the top part is materialized: logically the stack is
   * [maxTracked − 1, …, capacity] (never used, implicit) below `freeSlots[0 .. free)`. The tables
   * start with 64 slots and double when a new feature finds none free, so a model that sees few
   * features holds small tables; which slot a feature gets is the same as with full tables.
   */
  private freeSlots: Int32Array;
  private capacity: number;
  private free = 0;
  private readonly refSketch: CountMinSketch;
  private readonly curSketch: CountMinSketch;
  private readonly candidates = new Int32Array(MAX_APPEARED_CANDIDATES);
  private nCandidates = 0;
  private refEvents = 0;
  private curEvents = 0;
  private refNnz = 0;
  private refNnz2 = 0;
  private curNnz = 0;
  private curNnz2 = 0;
  private seen = 0;
  private detected = false;
  private last: InputSparsityReport | null = null;
  private readonly nnzZ: number;

  constructor(options: InputSparsityOptions = {}) {
    refuseUnknownOptions('InputSparsityDetector', options, INPUTSPARSITYDETECTOR_KEYS);
    this.windowEvents = options.windowEvents ?? 20_000;
    this.warmupEvents = options.warmupEvents ?? 2 * this.windowEvents;
    this.maxReferenceEvents = options.maxReferenceEvents ?? 200_000;
    this.maxTracked = options.maxTracked ?? 4096;
    this.alpha = options.alpha ?? 1e-6;
    this.minRatio = options.minRatio ?? 3;
    this.minCount = options.minCount ?? 30;
    this.nnzAlpha = options.nnzAlpha ?? 1e-6;
    this.nnzMinChange = options.nnzMinChange ?? 0.1;
    for (const [k, v] of Object.entries({ windowEvents: this.windowEvents, maxTracked: this.maxTracked })) {
      if (!(Number.isInteger(v) && v >= 1)) throw new RangeError(`${k} must be a whole number ≥ 1, got ${v}`);
    }
    if (!(this.warmupEvents >= 0)) throw new RangeError(`warmupEvents must be ≥ 0, got ${this.warmupEvents}`);
    if (!(this.maxReferenceEvents >= this.windowEvents))
      throw new RangeError('maxReferenceEvents must be ≥ windowEvents');
    if (!(this.alpha > 0 && this.alpha < 1) || !(this.nnzAlpha > 0 && this.nnzAlpha < 1))
      throw new RangeError('alpha and nnzAlpha must be in (0, 1)');
    if (!(this.minRatio >= 1)) throw new RangeError(`minRatio must be ≥ 1, got ${this.minRatio}`);
    if (!(this.minCount >= 1)) throw new RangeError(`minCount must be ≥ 1, got ${this.minCount}`);
    this.capacity = Math.min(INITIAL_SLOTS, this.maxTracked);
    this.keyOf = new Int32Array(this.capacity);
    this.refCounts = new Float64Array(this.capacity);
    this.curCounts = new Float64Array(this.capacity);
    this.fromSketch = new Float64Array(this.capacity);
    this.freeSlots = new Int32Array(this.capacity);
    for (let s = 0; s < this.capacity; s++) this.freeSlots[s] = this.capacity - 1 - s;
    this.free = this.capacity;
    this.refSketch = new CountMinSketch(options.sketchWidth ?? 4096, options.sketchDepth ?? 4);
    this.curSketch = new CountMinSketch(options.sketchWidth ?? 4096, options.sketchDepth ?? 4);
    this.nnzZ = normalUpperQuantile(this.nnzAlpha / 2);
  }

  get driftDetected(): boolean {
    return this.detected;
  }

  /** What the window that set `driftDetected` found. */
  get report(): InputSparsityReport | null {
    return this.last;
  }

  /** Features counted exactly right now. */
  get trackedCount(): number {
    return this.slotOf.size;
  }

  update(x: ActiveFeatures): void {
    this.detected = false;
    const nnz = x.end - x.start;
    this.curNnz += nnz;
    this.curNnz2 += nnz * nnz;
    for (let p = x.start; p < x.end; p++) {
      const key = x.indices[p];
      let slot = this.slotOf.get(key);
      if (slot === undefined && (this.free > 0 || this.capacity < this.maxTracked)) {
        if (this.free === 0) this.grow();
        slot = this.freeSlots[--this.free];
        this.slotOf.set(key, slot);
        this.keyOf[slot] = key;
        this.refCounts[slot] = this.fromSketch[slot] = this.refSketch.estimate(key);
        this.curCounts[slot] = 0;
      }
      if (slot !== undefined) {
        this.curCounts[slot]++;
      } else {
        this.curSketch.add(key);
        if (this.nCandidates < MAX_APPEARED_CANDIDATES && this.curSketch.estimate(key) >= this.minCount)
          this.addCandidate(key);
      }
    }
    this.curEvents++;
    this.seen++;
    if (this.curEvents >= this.windowEvents) this.closeWindow();
  }

  reset(): void {
    this.slotOf.clear();
    this.refCounts.fill(0);
    this.curCounts.fill(0);
    for (let s = 0; s < this.capacity; s++) this.freeSlots[s] = this.capacity - 1 - s;
    this.free = this.capacity;
    this.refSketch.clear();
    this.curSketch.clear();
    this.nCandidates = 0;
    this.refEvents = this.curEvents = this.seen = 0;
    this.refNnz = this.refNnz2 = this.curNnz = this.curNnz2 = 0;
    this.detected = false;
    this.last = null;
  }

  /**
   * Everything that decides future reports: the exact counters in the table's order (the order in
   * which rare features go back to the sketch, which can round differently), the free slots in
   * their order, both sketches, the candidates and the window sums. Keys are column indices of the
   * model's featurizer, which is checkpointed with it.
   */
  state(): InputSparsityState {
    const n = this.slotOf.size;
    const keys = new Int32Array(n);
    const slots = new Int32Array(n);
    const refCounts = new Float64Array(n);
    const curCounts = new Float64Array(n);
    const fromSketch = new Float64Array(n);
    let k = 0;
    for (const [key, slot] of this.slotOf) {
      keys[k] = key;
      slots[k] = slot;
      refCounts[k] = this.refCounts[slot];
      curCounts[k] = this.curCounts[slot];
      fromSketch[k] = this.fromSketch[slot];
      k++;
    }
    return {
      maxTracked: this.maxTracked,
      keys,
      slots,
      refCounts,
      curCounts,
      fromSketch,
      freeSlots: this.logicalFreeSlots(),
      refSketch: this.refSketch.state(),
      curSketch: this.curSketch.state(),
      candidates: this.candidates.slice(0, this.nCandidates),
      refEvents: this.refEvents,
      curEvents: this.curEvents,
      refNnz: this.refNnz,
      refNnz2: this.refNnz2,
      curNnz: this.curNnz,
      curNnz2: this.curNnz2,
      seen: this.seen,
      detected: this.detected,
      last: this.last,
    };
  }

  restore(state: InputSparsityState): void {
    const { keys, slots, refCounts, curCounts, fromSketch, freeSlots, candidates } = state;
    if (state.maxTracked !== this.maxTracked) {
      throw new StateError(
        `input-sparsity checkpoint tracks ${state.maxTracked} features but the configuration says ${this.maxTracked}`,
      );
    }
    const n = keys instanceof Int32Array ? keys.length : -1;
    const ok =
      n >= 0 &&
      slots instanceof Int32Array &&
      slots.length === n &&
      [refCounts, curCounts, fromSketch].every((a) => a instanceof Float64Array && a.length === n) &&
      freeSlots instanceof Int32Array &&
      n + freeSlots.length === this.maxTracked &&
      candidates instanceof Int32Array &&
      candidates.length <= MAX_APPEARED_CANDIDATES;
    if (!ok)
      throw new StateError('input-sparsity checkpoint is malformed (counter, slot or candidate arrays)');
    const used = new Uint8Array(this.maxTracked);
    for (const slot of [...slots, ...freeSlots]) {
      if (!(slot >= 0 && slot < this.maxTracked) || used[slot] === 1) {
        throw new StateError(`input-sparsity checkpoint uses slot ${slot} twice or out of range`);
      }
      used[slot] = 1;
    }
    this.refSketch.restore(state.refSketch);
    this.curSketch.restore(state.curSketch);
    // The bottom of the stack that runs down from maxTracked − 1 (never used slots) stays implicit.
    let m = this.maxTracked;
    while (this.maxTracked - m < freeSlots.length && freeSlots[this.maxTracked - m] === m - 1) m--;
    this.allocate(Math.max(Math.min(INITIAL_SLOTS, this.maxTracked), m));
    const materialized = freeSlots.subarray(this.maxTracked - this.capacity);
    this.slotOf.clear();
    for (let k = 0; k < n; k++) {
      const slot = slots[k];
      this.slotOf.set(keys[k], slot);
      this.keyOf[slot] = keys[k];
      this.refCounts[slot] = refCounts[k];
      this.curCounts[slot] = curCounts[k];
      this.fromSketch[slot] = fromSketch[k];
    }
    this.freeSlots.set(materialized);
    this.free = materialized.length;
    this.candidates.set(candidates);
    this.nCandidates = candidates.length;
    this.refEvents = state.refEvents;
    this.curEvents = state.curEvents;
    this.refNnz = state.refNnz;
    this.refNnz2 = state.refNnz2;
    this.curNnz = state.curNnz;
    this.curNnz2 = state.curNnz2;
    this.seen = state.seen;
    this.detected = state.detected;
    this.last = state.last;
  }

  private closeWindow(): void {
    if (this.seen > this.warmupEvents && this.refEvents > 0) {
      const report = this.compare();
      if (report !== null) {
        this.detected = true;
        this.last = report;
        this.rebase();
        return;
      }
    }
    this.mergeIntoReference();
  }

  private compare(): InputSparsityReport | null {
    const nA = this.refEvents;
    const nB = this.curEvents;
    const tracked = Math.max(1, this.slotOf.size + this.nCandidates);
    const gCrit = chiSquare1UpperQuantile(this.alpha / tracked);
    const stopped: RateChange[] = [];
    const appeared: RateChange[] = [];
    const changed: RateChange[] = [];
    for (const [key, slot] of this.slotOf) {
      const a = this.refCounts[slot];
      const b = this.curCounts[slot];
      const expectedB = (a / nA) * nB;
      if (Math.max(expectedB, b) < this.minCount) continue;
      const ratio = (b / nB + 0.5 / nB) / (a / nA + 0.5 / nA);
      if (ratio < this.minRatio && ratio > 1 / this.minRatio) continue;
      const g = gStatistic(a, nA, b, nB);
      if (g <= gCrit) continue;
      const change: RateChange = { index: key, referenceRate: a / nA, recentRate: b / nB, statistic: g };
      if (b === 0) stopped.push(change);
      else if (expectedB < 1)
        appeared.push(change); // absent before (a sketch-derived count may be noise)
      else changed.push(change);
    }
    for (let c = 0; c < this.nCandidates; c++) {
      const key = this.candidates[c];
      const b = this.curSketch.estimate(key);
      const a = this.refSketch.estimate(key);
      const ratio = (b / nB + 0.5 / nB) / (a / nA + 0.5 / nA);
      if (ratio >= this.minRatio)
        appeared.push({ index: key, referenceRate: a / nA, recentRate: b / nB, statistic: 0 });
    }
    let nnz: InputSparsityReport['nnz'] = null;
    const meanA = this.refNnz / nA;
    const meanB = this.curNnz / nB;
    const varA = Math.max(0, this.refNnz2 / nA - meanA * meanA);
    const varB = Math.max(0, this.curNnz2 / nB - meanB * meanB);
    const se = Math.sqrt(varA / nA + varB / nB);
    const z = se > 0 ? (meanB - meanA) / se : meanB === meanA ? 0 : Infinity * Math.sign(meanB - meanA);
    if (Math.abs(z) > this.nnzZ && Math.abs(meanB - meanA) >= this.nnzMinChange * Math.max(meanA, 1e-12)) {
      nnz = { referenceMean: meanA, recentMean: meanB, z };
    }
    if (stopped.length + appeared.length + changed.length === 0 && nnz === null) return null;
    const byStatistic = (x: RateChange, y: RateChange) => y.statistic - x.statistic || x.index - y.index;
    return {
      stopped: stopped.sort(byStatistic),
      appeared: appeared.sort(byStatistic),
      changed: changed.sort(byStatistic),
      nnz,
      referenceEvents: nA,
      recentEvents: nB,
    };
  }

  /** The recent window becomes the reference (the new regime). */
  private rebase(): void {
    this.refSketch.copyFrom(this.curSketch);
    this.curSketch.clear();
    for (const slot of this.slotOf.values()) {
      this.refCounts[slot] = this.curCounts[slot];
      this.fromSketch[slot] = 0;
      this.curCounts[slot] = 0;
    }
    this.refEvents = this.curEvents;
    this.releaseRare();
    this.refNnz = this.curNnz;
    this.refNnz2 = this.curNnz2;
    this.startWindow();
  }

  private mergeIntoReference(): void {
    const total = this.refEvents + this.curEvents;
    const factor =
      total > this.maxReferenceEvents ? (this.maxReferenceEvents - this.curEvents) / this.refEvents : 1;
    for (const slot of this.slotOf.values()) {
      this.refCounts[slot] = this.refCounts[slot] * factor + this.curCounts[slot];
      this.fromSketch[slot] *= factor;
      this.curCounts[slot] = 0;
    }
    if (factor !== 1) this.refSketch.scale(factor);
    this.refSketch.merge(this.curSketch);
    this.curSketch.clear();
    this.refEvents = this.refEvents * factor + this.curEvents;
    this.releaseRare();
    this.refNnz = this.refNnz * factor + this.curNnz;
    this.refNnz2 = this.refNnz2 * factor + this.curNnz2;
    this.startWindow();
  }

  /** Doubles the tables (up to maxTracked); the new slots go on the (empty) free stack, lowest on top. */
  private grow(): void {
    const old = this.capacity;
    const next = Math.min(this.maxTracked, old * 2);
    const copy = <A extends Int32Array | Float64Array>(a: A, make: (n: number) => A): A => {
      const b = make(next);
      b.set(a);
      return b;
    };
    this.keyOf = copy(this.keyOf, (n) => new Int32Array(n));
    this.refCounts = copy(this.refCounts, (n) => new Float64Array(n));
    this.curCounts = copy(this.curCounts, (n) => new Float64Array(n));
    this.fromSketch = copy(this.fromSketch, (n) => new Float64Array(n));
    this.freeSlots = new Int32Array(next);
    for (let k = 0; k < next - old; k++) this.freeSlots[k] = next - 1 - k;
    this.free = next - old;
    this.capacity = next;
  }

  /** Fresh, empty tables of `capacity` slots (for restore, which fills them). */
  private allocate(capacity: number): void {
    this.capacity = capacity;
    this.keyOf = new Int32Array(capacity);
    this.refCounts = new Float64Array(capacity);
    this.curCounts = new Float64Array(capacity);
    this.fromSketch = new Float64Array(capacity);
    this.freeSlots = new Int32Array(capacity);
    this.free = 0;
  }

  /** The whole free stack as with full tables: the implicit never-used slots, then the materialized ones. */
  private logicalFreeSlots(): Int32Array {
    const implicit = this.maxTracked - this.capacity;
    const out = new Int32Array(implicit + this.free);
    for (let k = 0; k < implicit; k++) out[k] = this.maxTracked - 1 - k;
    out.set(this.freeSlots.subarray(0, this.free), implicit);
    return out;
  }

  private addCandidate(key: number): void {
    for (let c = 0; c < this.nCandidates; c++) if (this.candidates[c] === key) return;
    this.candidates[this.nCandidates++] = key;
  }

  private startWindow(): void {
    this.curEvents = 0;
    this.curNnz = this.curNnz2 = 0;
    this.nCandidates = 0;
  }

  /**
   * Frees the exact counters of features too rare to be judged (expected count in a window below
   * `minCount / 2`): their reference counts go back to the sketch, so a feature that returns is
   * counted from where it was. Keeps the table for features that matter under endless new ids.
   */
  private releaseRare(): void {
    const limit = (0.5 * this.minCount * this.refEvents) / this.windowEvents;
    for (const [key, slot] of this.slotOf) {
      if (this.refCounts[slot] >= limit) continue;
      const own = this.refCounts[slot] - this.fromSketch[slot];
      if (own > 0) this.refSketch.add(key, own);
      this.slotOf.delete(key);
      this.freeSlots[this.free++] = slot;
    }
  }
}

/** G = 2 Σ O ln(O/E) for the 2×2 table (present a of nA, present b of nB). */
export function gStatistic(a: number, nA: number, b: number, nB: number): number {
  const n = nA + nB;
  const present = a + b;
  const absent = n - present;
  let g = 0;
  const cell = (o: number, e: number) => (o > 0 && e > 0 ? o * Math.log(o / e) : 0);
  g += cell(a, (nA * present) / n);
  g += cell(nA - a, (nA * absent) / n);
  g += cell(b, (nB * present) / n);
  g += cell(nB - b, (nB * absent) / n);
  return 2 * g;
}

/** The state of an `InputSparsityDetector`; per-feature arrays are in the table's order. */
export interface InputSparsityState {
  readonly maxTracked: number;
  /** Column indices counted exactly, their slots and counters. */
  readonly keys: Int32Array;
  readonly slots: Int32Array;
  readonly refCounts: Float64Array;
  readonly curCounts: Float64Array;
  readonly fromSketch: Float64Array;
  /** Free slots, in the order they will be taken (last first). */
  readonly freeSlots: Int32Array;
  readonly refSketch: CountMinSketchState;
  readonly curSketch: CountMinSketchState;
  readonly candidates: Int32Array;
  readonly refEvents: number;
  readonly curEvents: number;
  readonly refNnz: number;
  readonly refNnz2: number;
  readonly curNnz: number;
  readonly curNnz2: number;
  readonly seen: number;
  readonly detected: boolean;
  readonly last: InputSparsityReport | null;
}

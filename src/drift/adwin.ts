import { StateError } from '../core/errors.js';
import { refuseUnknownOptions, requireOption, standardized, type ScalarDetector } from './protocol.js';

/** Options of `Adwin`; names and defaults are River's `drift.ADWIN`. */
export interface AdwinOptions {
  /** Confidence δ of the cut test (default 0.002); smaller means fewer false alarms, later detection. */
  readonly delta?: number;
  /** Check for a cut every `clock` updates (default 32). */
  readonly clock?: number;
  /** Buckets of each size kept before two are merged (default 5). */
  readonly maxBuckets?: number;
  /** Minimum length of each sub-window at a cut (default 5). */
  readonly minWindowLength?: number;
  /** No cut is tested until the window holds more than this many values (default 10). */
  readonly gracePeriod?: number;
}

/** Rows of the exponential histogram: row r holds buckets of 2^r values; 64 rows cover 2^64 values. */
const MAX_ROWS = 64;
/** Rows a new histogram has room for (about 5 · 2^4 values with the default `maxBuckets`); doubled as needed. */
const FIRST_ROWS = 4;
/** 2^r, the number of values in a bucket of row r. */
const BUCKET_SIZE = Float64Array.from({ length: MAX_ROWS }, (_, r) => 2 ** r);

/** The keys `Adwin` reads (others are refused: a misspelled one left its default). */
const ADWIN_KEYS: readonly (keyof AdwinOptions)[] = [
  'delta',
  'clock',
  'maxBuckets',
  'minWindowLength',
  'gracePeriod',
];

/**
 * ADWIN2 (Bifet & Gavaldà, 2007): an adaptive window kept as an exponential histogram of buckets
 * (row r holds at most `maxBuckets` buckets of 2^r values, each with its sum and variance), cut where
 * the means of the older and the newer part differ by more than the Bernstein-type bound
 * `ε = sqrt(2 m σ²_W δ') + (2/3) δ' m`, `δ' = ln(2 ln|W| / δ)`, `m = 1/(n0−ℓ+1) + 1/(n1−ℓ+1)`.
 *
 * This is the algorithm of River's `drift.ADWIN` (0.26: `rust_src/adwin.rs`) step for step: the same bucket
 * merges, the same cut order (oldest bucket first), the same window
 * variance, and the same full reset on the update after a detection, so both fire at the same
 * indices. Memory is O(maxBuckets · log W) in typed arrays that grow with the rows; an update is O(1) amortized
 * plus O(log W) for each clock tick.
 */
export class Adwin implements ScalarDetector {
  readonly delta: number;
  readonly clock: number;
  readonly maxBuckets: number;
  readonly minWindowLength: number;
  readonly gracePeriod: number;

  private readonly stride: number;
  /** The rows' buckets, `stride` slots a row, for `counts.length` rows (grown as rows are added). */
  private totals: Float64Array;
  private variances: Float64Array;
  /**
   * Each bucket's total of the values before a caller clipped them (`update`'s `unclipped`), merged
   * and dropped with `totals`: `meanSinceChange` alone reads them.
   */
  private rawTotals: Float64Array;
  private counts = new Int32Array(FIRST_ROWS);
  /** Each row is a ring of `stride` slots: where its oldest bucket is (merges move it, not the buckets). */
  private heads = new Int32Array(FIRST_ROWS);
  private rows = 1;
  // doubles from the start, set in the constructor (a field that starts as a small integer and
  // later holds a double changes the hidden class: optimized code of every method is dropped)
  private total = Number.NaN;
  private rawTotal = Number.NaN;
  private variance = Number.NaN;
  private w = 0;
  private tick = 0;
  /** The next multiple of `clock` (a cut is tested when `tick` reaches it; no modulo per update). */
  private nextTest = 0;
  private detected = false;
  private detections = 0;

  constructor(options: AdwinOptions = {}) {
    refuseUnknownOptions('Adwin', options, ADWIN_KEYS);
    this.delta = options.delta ?? 0.002;
    this.clock = options.clock ?? 32;
    this.maxBuckets = options.maxBuckets ?? 5;
    this.minWindowLength = options.minWindowLength ?? 5;
    this.gracePeriod = options.gracePeriod ?? 10;
    requireOption('delta', this.delta, this.delta > 0 && this.delta < 1, 'in (0, 1)');
    requireOption('clock', this.clock, Number.isInteger(this.clock) && this.clock >= 1, 'a whole number ≥ 1');
    requireOption(
      'maxBuckets',
      this.maxBuckets,
      Number.isInteger(this.maxBuckets) && this.maxBuckets >= 2,
      'a whole number ≥ 2',
    );
    requireOption(
      'minWindowLength',
      this.minWindowLength,
      Number.isInteger(this.minWindowLength) && this.minWindowLength >= 1,
      'a whole number ≥ 1',
    );
    requireOption(
      'gracePeriod',
      this.gracePeriod,
      Number.isInteger(this.gracePeriod) && this.gracePeriod >= 0,
      'a whole number ≥ 0',
    );
    this.nextTest = this.clock;
    this.total = this.rawTotal = this.variance = 0;
    this.stride = this.maxBuckets + 1;
    this.totals = new Float64Array(FIRST_ROWS * this.stride);
    this.variances = new Float64Array(FIRST_ROWS * this.stride);
    this.rawTotals = new Float64Array(FIRST_ROWS * this.stride);
  }

  /** Room for at least `rows` rows (doubling, at most `MAX_ROWS`); the rows in use are kept. */
  private reserve(rows: number): void {
    if (rows <= this.counts.length) return;
    let capacity = this.counts.length;
    while (capacity < rows) capacity *= 2;
    capacity = Math.min(capacity, MAX_ROWS);
    const counts = new Int32Array(capacity);
    const heads = new Int32Array(capacity);
    const totals = new Float64Array(capacity * this.stride);
    const variances = new Float64Array(capacity * this.stride);
    const rawTotals = new Float64Array(capacity * this.stride);
    counts.set(this.counts);
    heads.set(this.heads);
    totals.set(this.totals);
    variances.set(this.variances);
    rawTotals.set(this.rawTotals);
    this.counts = counts;
    this.heads = heads;
    this.totals = totals;
    this.variances = variances;
    this.rawTotals = rawTotals;
  }

  get driftDetected(): boolean {
    return this.detected;
  }

  /** The size of the part `meanSinceChange` averaged (0 before its first call). */
  countSinceChange = 0;

  /** Number of values in the current window. */
  get width(): number {
    return this.w;
  }

  /** Mean of the current window (0 when empty). */
  get estimation(): number {
    return this.w === 0 ? 0 : this.total / this.w;
  }

  /** Population variance of the current window. */
  get windowVariance(): number {
    return this.w === 0 ? 0 : this.variance / this.w;
  }

  /** Detections since construction (not cleared by the automatic reset after a detection). */
  get detectionCount(): number {
    return this.detections;
  }

  /** `unclipped`: x before a caller clipped it (`GuardedDetector`), for `meanSinceChange` alone. */
  update(x: number, unclipped = x): void {
    if (this.detected) this.clear();
    this.insert(x, unclipped);
    this.detected = this.detectChange();
    if (this.detected) this.detections++;
  }

  /**
   * `update(0.5 · standardized(values[i], mu0, sd0, clip))` for each i in [from, to) with `mask[i] === 1` and a
   * finite value, in order, up to and including the first update that detects a change: returns its
   * index (`driftDetected` is then true), or `to`.
   */
  updateStandardized(
    values: Float64Array,
    mask: Uint8Array,
    from: number,
    to: number,
    mu0: number,
    sd0: number,
    clip = Infinity,
  ): number {
    for (let i = from; i < to; i++) {
      if (mask[i] !== 1) continue;
      const v = values[i];
      if (!Number.isFinite(v)) continue;
      this.update(0.5 * standardized(v, mu0, sd0, clip), 0.5 * ((v - mu0) / sd0));
      if (this.detected) return i;
    }
    return to;
  }

  reset(): void {
    this.clear();
    this.detections = 0;
  }

  private clear(): void {
    this.counts.fill(0);
    this.heads.fill(0);
    this.totals.fill(0);
    this.variances.fill(0);
    this.rawTotals.fill(0);
    this.rows = 1;
    this.total = 0;
    this.rawTotal = 0;
    this.variance = 0;
    this.w = 0;
    this.tick = 0;
    this.nextTest = this.clock;
    this.detected = false;
  }

  /** The histogram's rows in use and the window's sums (a detection pending its reset included). */
  state(): AdwinState {
    const used = this.rows * this.stride;
    // oldest bucket first in each row, zeros after the row's count
    const totals = new Float64Array(used);
    const variances = new Float64Array(used);
    const rawTotals = new Float64Array(used);
    for (let row = 0; row < this.rows; row++) {
      const base = row * this.stride;
      for (let k = 0; k < this.counts[row]; k++) {
        const p = this.at(row, k);
        totals[base + k] = this.totals[p];
        variances[base + k] = this.variances[p];
        rawTotals[base + k] = this.rawTotals[p];
      }
    }
    return {
      maxBuckets: this.maxBuckets,
      rows: this.rows,
      counts: this.counts.slice(0, this.rows),
      totals,
      variances,
      rawTotals,
      total: this.total,
      rawTotal: this.rawTotal,
      variance: this.variance,
      width: this.w,
      tick: this.tick,
      detected: this.detected,
      detections: this.detections,
    };
  }

  restore(state: AdwinState): void {
    if (state.maxBuckets !== this.maxBuckets) {
      throw new StateError(
        `ADWIN checkpoint has maxBuckets ${state.maxBuckets} but the configuration says ${this.maxBuckets}`,
      );
    }
    const rows = state.rows;
    const used = rows * this.stride;
    if (
      !(Number.isInteger(rows) && rows >= 1 && rows <= MAX_ROWS) ||
      !(state.counts instanceof Int32Array && state.counts.length === rows) ||
      !(state.totals instanceof Float64Array && state.totals.length === used) ||
      !(state.variances instanceof Float64Array && state.variances.length === used) ||
      state.counts.some((c) => c < 0 || c > this.maxBuckets)
    ) {
      throw new StateError('ADWIN checkpoint is malformed (rows, counts or bucket arrays)');
    }
    this.clear();
    this.reserve(rows);
    this.counts.set(state.counts);
    this.totals.set(state.totals);
    this.variances.set(state.variances);
    // a checkpoint from before they were kept: the values were not clipped (or are taken as such)
    const raw = state.rawTotals instanceof Float64Array && state.rawTotals.length === used;
    this.rawTotals.set(raw ? state.rawTotals! : state.totals);
    this.rawTotal = raw && typeof state.rawTotal === 'number' ? state.rawTotal : state.total;
    this.rows = rows;
    this.total = state.total;
    this.variance = state.variance;
    this.w = state.width;
    this.tick = state.tick;
    this.nextTest = (Math.floor(state.tick / this.clock) + 1) * this.clock;
    this.detected = state.detected;
    this.detections = state.detections;
  }

  private insert(x: number, unclipped: number): void {
    this.push(0, x, 0, unclipped);
    this.rawTotal += unclipped;
    this.w += 1;
    if (this.w > 1) {
      const d = x - this.total / (this.w - 1);
      this.variance += ((this.w - 1) * d * d) / this.w;
    }
    this.total += x;
    this.compress();
  }

  /** Where bucket k (0 = oldest) of `row` is in `totals` and `variances`. */
  private at(row: number, k: number): number {
    let i = this.heads[row] + k;
    if (i >= this.stride) i -= this.stride;
    return row * this.stride + i;
  }

  private push(row: number, total: number, variance: number, rawTotal: number): void {
    const at = this.at(row, this.counts[row]);
    this.totals[at] = total;
    this.variances[at] = variance;
    this.rawTotals[at] = rawTotal;
    this.counts[row]++;
  }

  /** Drops the `n` oldest buckets of `row` (n ≤ its count): its ring's head moves on. */
  private shift(row: number, n: number): void {
    let head = this.heads[row] + n;
    if (head >= this.stride) head -= this.stride;
    this.heads[row] = head;
    this.counts[row] -= n;
  }

  private compress(): void {
    for (let row = 0; row < this.rows; row++) {
      if (this.counts[row] !== this.maxBuckets + 1) break;
      if (row + 1 === this.rows) {
        if (this.rows === MAX_ROWS) break;
        this.reserve(this.rows + 1);
        this.counts[this.rows] = 0;
        this.rows++;
      }
      const size = BUCKET_SIZE[row];
      const p0 = this.at(row, 0);
      const p1 = this.at(row, 1);
      const t0 = this.totals[p0];
      const t1 = this.totals[p1];
      const d = t0 / size - t1 / size;
      const merged = this.variances[p0] + this.variances[p1] + size * 0.5 * d * d;
      this.push(row + 1, t0 + t1, merged, this.rawTotals[p0] + this.rawTotals[p1]);
      this.shift(row, 2);
      if (this.counts[row + 1] <= this.maxBuckets) break;
    }
  }

  private removeOldest(): number {
    const row = this.rows - 1;
    const n = BUCKET_SIZE[row];
    const p = this.at(row, 0);
    const u = this.totals[p];
    const v = this.variances[p];
    this.w -= n;
    this.total -= u;
    this.rawTotal -= this.rawTotals[p];
    const d = u / n - this.total / this.w;
    this.variance -= v + (n * this.w * d * d) / (n + this.w);
    this.shift(row, 1);
    if (this.counts[row] === 0 && this.rows > 1) {
      this.rows--;
      this.heads[row] = 0;
    }
    return n;
  }

  private detectChange(): boolean {
    let changed = false;
    if (++this.tick < this.nextTest) return false;
    this.nextTest = this.tick + this.clock;
    if (!(this.w > this.gracePeriod)) return false;
    let cut = true;
    while (cut) {
      cut = false;
      let n0 = 0;
      let n1 = this.w;
      let u0 = 0;
      let u1 = this.total;
      // constant during one scan (River recomputes them per cut point; same values)
      const deltaPrime = Math.log((2 * Math.log(this.w)) / this.delta);
      const windowVariance = this.variance / this.w;
      scan: for (let row = this.rows - 1; row >= 0; row--) {
        const size = BUCKET_SIZE[row];
        const base = row * this.stride;
        const end = base + this.stride;
        const count = this.counts[row];
        for (let k = 0, p = base + this.heads[row]; k < count; k++, p++) {
          if (p === end) p = base;
          const t = this.totals[p];
          n0 += size;
          n1 -= size;
          u0 += t;
          u1 -= t;
          // the newest bucket closes the scan: W1 would be empty
          if (row === 0 && k === count - 1) break scan;
          if (
            n1 >= this.minWindowLength &&
            n0 >= this.minWindowLength &&
            this.isCut(n0, n1, u0 / n0 - u1 / n1, deltaPrime, windowVariance)
          ) {
            cut = true;
            changed = true;
            if (this.w > 0) {
              this.removeOldest();
              break scan;
            }
          }
        }
      }
    }
    return changed;
  }

  /**
   * The mean of the newer part of the window at its most significant split (the largest
   * |mean₀ − mean₁| / ε over the splits the cut test weighs): where the window points the change
   * to be, and the level after it, of the values as they were before a caller clipped them
   * (`update`'s `unclipped`). After a detection the window keeps the newest values that no cut
   * separates, often still mostly from before the change (one trial kept 43,000 values of which
   * 3,000 were after it), so its mean is not the level after the change. NaN when the window has
   * no such split; `countSinceChange` is the size of that part. O(buckets).
   */
  meanSinceChange(): number {
    this.countSinceChange = 0;
    if (this.w < 2 * this.minWindowLength) return Number.NaN;
    const deltaPrime = Math.log((2 * Math.log(this.w)) / this.delta);
    const windowVariance = this.variance / this.w;
    let n0 = 0;
    let n1 = this.w;
    let u0 = 0;
    let u1 = this.total;
    // the values before clipping, older part (the newer: rawTotal − raw0)
    let raw0 = 0;
    let best = -Infinity;
    let mean = Number.NaN;
    for (let row = this.rows - 1; row >= 0; row--) {
      const size = BUCKET_SIZE[row];
      const base = row * this.stride;
      const end = base + this.stride;
      const count = this.counts[row];
      for (let k = 0, p = base + this.heads[row]; k < count; k++, p++) {
        if (p === end) p = base;
        const t = this.totals[p];
        n0 += size;
        n1 -= size;
        u0 += t;
        u1 -= t;
        raw0 += this.rawTotals[p];
        if (n1 < this.minWindowLength) return mean;
        if (n0 < this.minWindowLength) continue;
        const score = Math.abs(u0 / n0 - u1 / n1) / this.epsilon(n0, n1, deltaPrime, windowVariance);
        if (score > best) {
          best = score;
          mean = (this.rawTotal - raw0) / n1;
          this.countSinceChange = n1;
        }
      }
    }
    return mean;
  }

  private isCut(
    n0: number,
    n1: number,
    deltaMean: number,
    deltaPrime: number,
    windowVariance: number,
  ): boolean {
    return Math.abs(deltaMean) > this.epsilon(n0, n1, deltaPrime, windowVariance);
  }

  /** ADWIN's bound ε_cut for the split of the window into n0 older and n1 newer values. */
  private epsilon(n0: number, n1: number, deltaPrime: number, windowVariance: number): number {
    const mRecip = 1 / (n0 - this.minWindowLength + 1) + 1 / (n1 - this.minWindowLength + 1);
    return Math.sqrt(2 * mRecip * windowVariance * deltaPrime) + (2 / 3) * deltaPrime * mRecip;
  }
}

/** ADWIN's exponential histogram (rows in use, `maxBuckets + 1` slots a row) and window sums. */
export interface AdwinState {
  readonly maxBuckets: number;
  readonly rows: number;
  readonly counts: Int32Array;
  readonly totals: Float64Array;
  readonly variances: Float64Array;
  /** Bucket totals of the values before clipping (absent in older checkpoints: `totals`). */
  readonly rawTotals?: Float64Array;
  readonly total: number;
  readonly rawTotal?: number;
  readonly variance: number;
  readonly width: number;
  readonly tick: number;
  readonly detected: boolean;
  readonly detections: number;
}

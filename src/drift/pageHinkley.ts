import { StateError } from '../core/errors.js';
import { refuseUnknownOptions, requireOption, standardized, type ScalarDetector } from './protocol.js';

/** Which direction of change Page-Hinkley looks for. */
export type PageHinkleyMode = 'up' | 'down' | 'both';

/** Options of `PageHinkley`; names and defaults are River's `drift.PageHinkley`. */
export interface PageHinkleyOptions {
  /** Observations before the test may fire (default 30). */
  readonly minInstances?: number;
  /** Magnitude of change tolerated (default 0.005). */
  readonly delta?: number;
  /** λ: the cumulative deviation that signals a change (default 50). */
  readonly threshold?: number;
  /** Forgetting factor of the cumulative sums (default 1 − 1e−4). */
  readonly alpha?: number;
  /** `up` (increase of the mean), `down`, or `both` (default). */
  readonly mode?: PageHinkleyMode;
}

/** The keys `PageHinkley` reads (others are refused: a misspelled one left its default). */
const PAGEHINKLEY_KEYS: readonly (keyof PageHinkleyOptions)[] = [
  'minInstances',
  'delta',
  'threshold',
  'alpha',
  'mode',
];

/**
 * Page-Hinkley test for a change in the mean (Page, 1954), exactly as River's `drift.PageHinkley`
 * (same update order, same initial values, so it fires at the same indices): the running mean is
 * updated first, then the faded cumulative deviations `m_up = α m_up + (x − x̄) − δ` and
 * `m_down = α m_down + (x − x̄) + δ` are compared with their running extremes. After a detection
 * the next update starts from scratch. O(1) time and memory per update.
 *
 * @example
 * const ph = new PageHinkley({ threshold: 50 });
 * for (const x of losses) { ph.update(x); if (ph.driftDetected) console.log('change'); }
 */
export class PageHinkley implements ScalarDetector {
  readonly minInstances: number;
  readonly delta: number;
  readonly threshold: number;
  readonly alpha: number;
  readonly mode: PageHinkleyMode;
  /** The statistic's level at or under which it is taken to be before a change (`meanSinceChange`). */
  private readonly calm: number;

  private n = 0;
  // doubles from the start, set in the constructor (a field that starts as a small integer and
  // later holds a double changes the hidden class: optimized code of every method is dropped)
  private mean = Number.NaN;
  private sumIncrease = Number.NaN;
  private sumDecrease = Number.NaN;
  private minIncrease = Infinity;
  private maxDecrease = Number.NaN;
  /** Σx since the reset, and its value and the count when each statistic was last calm (`meanSinceChange`). */
  private total = Number.NaN;
  private totalAtCalmIncrease = Number.NaN;
  private countAtCalmIncrease = Number.NaN;
  private totalAtCalmDecrease = Number.NaN;
  private countAtCalmDecrease = Number.NaN;
  private detected = false;

  constructor(options: PageHinkleyOptions = {}) {
    refuseUnknownOptions('PageHinkley', options, PAGEHINKLEY_KEYS);
    this.minInstances = options.minInstances ?? 30;
    this.delta = options.delta ?? 0.005;
    this.threshold = options.threshold ?? 50;
    this.alpha = options.alpha ?? 1 - 0.0001;
    this.mode = options.mode ?? 'both';
    this.calm = this.threshold / 10;
    this.reset();
    requireOption(
      'minInstances',
      this.minInstances,
      Number.isInteger(this.minInstances) && this.minInstances >= 1,
      'a whole number ≥ 1',
    );
    requireOption('delta', this.delta, this.delta >= 0 && Number.isFinite(this.delta), 'finite and ≥ 0');
    requireOption(
      'threshold',
      this.threshold,
      this.threshold > 0 && Number.isFinite(this.threshold),
      'finite and > 0',
    );
    requireOption('alpha', this.alpha, this.alpha > 0 && this.alpha <= 1, 'in (0, 1]');
    if (!['up', 'down', 'both'].includes(this.mode))
      throw new RangeError(`mode must be up, down or both, got ${String(this.mode)}`);
  }

  get driftDetected(): boolean {
    return this.detected;
  }

  /** Observations since the last reset. */
  get count(): number {
    return this.n;
  }

  /** The larger of the two test statistics (how close the test is to `threshold`). */
  get statistic(): number {
    const up = this.sumIncrease - this.minIncrease;
    const down = this.maxDecrease - this.sumDecrease;
    if (this.mode === 'up') return up;
    if (this.mode === 'down') return down;
    return Math.max(up, down);
  }

  /** Running mean since the last reset. */
  get estimation(): number {
    return this.mean;
  }

  /**
   * The mean of the values after the change the test points to: those since its statistic (of the
   * direction whose statistic is larger) was last at most `threshold / 10`, its estimate of when the
   * mean moved. The last time it was 0 (the extreme of the cumulative sum, CUSUM's estimate) came
   * hundreds of values before a change with δ = 0.1 sd: between changes the statistic wanders a few
   * units above 0 and often takes that long to come back, so a change found 17 values after it was
   * averaged over 300 values. After a change the statistic climbs and does not come back under a
   * tenth of the threshold. NaN when no value came after that point.
   */
  get meanSinceChange(): number {
    // with fading (alpha < 1) the sums drift back while the extremes stay: the statistic is not
    // calm again for thousands of values, and the mean since then is near the baseline
    if (this.alpha < 1) return NaN;
    const after = this.countSinceChange;
    return after > 0
      ? (this.total - (this.up() ? this.totalAtCalmIncrease : this.totalAtCalmDecrease)) / after
      : NaN;
  }

  /** How many values `meanSinceChange` averages. */
  get countSinceChange(): number {
    return this.n - (this.up() ? this.countAtCalmIncrease : this.countAtCalmDecrease);
  }

  /** The direction of change the statistics point to is up. */
  private up(): boolean {
    return (
      this.mode === 'up' ||
      (this.mode === 'both' && this.sumIncrease - this.minIncrease >= this.maxDecrease - this.sumDecrease)
    );
  }

  /** `unclipped`: x before a caller clipped it (`GuardedDetector`), for `meanSinceChange` alone. */
  update(x: number, unclipped = x): void {
    if (this.detected) this.reset();
    this.n++;
    this.mean += (1 / this.n) * (x - this.mean);
    const dev = x - this.mean;
    this.sumIncrease = this.alpha * this.sumIncrease + dev - this.delta;
    this.sumDecrease = this.alpha * this.sumDecrease + dev + this.delta;
    this.total += unclipped;
    if (this.sumIncrease < this.minIncrease) this.minIncrease = this.sumIncrease;
    if (this.sumDecrease > this.maxDecrease) this.maxDecrease = this.sumDecrease;
    if (this.sumIncrease - this.minIncrease <= this.calm) {
      this.totalAtCalmIncrease = this.total;
      this.countAtCalmIncrease = this.n;
    }
    if (this.maxDecrease - this.sumDecrease <= this.calm) {
      this.totalAtCalmDecrease = this.total;
      this.countAtCalmDecrease = this.n;
    }
    if (this.n >= this.minInstances) {
      const up = this.sumIncrease - this.minIncrease > this.threshold;
      const down = this.maxDecrease - this.sumDecrease > this.threshold;
      this.detected = this.mode === 'up' ? up : this.mode === 'down' ? down : up || down;
    }
  }

  /**
   * `update(standardized(values[i], mu0, sd0, clip))` for each i in [from, to) with `mask[i] === 1` and a
   * finite value, in order, up to and including the first update that detects a change: returns its
   * index (`driftDetected` is then true), or `to`. The same operations as `update`, on locals.
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
    const { alpha, delta, threshold, minInstances, mode, calm } = this;
    let n = this.n;
    let mean = this.mean;
    let sumIncrease = this.sumIncrease;
    let sumDecrease = this.sumDecrease;
    let minIncrease = this.minIncrease;
    let maxDecrease = this.maxDecrease;
    let total = this.total;
    let totalAtCalmIncrease = this.totalAtCalmIncrease;
    let countAtCalmIncrease = this.countAtCalmIncrease;
    let totalAtCalmDecrease = this.totalAtCalmDecrease;
    let countAtCalmDecrease = this.countAtCalmDecrease;
    let i = from;
    for (; i < to; i++) {
      if (mask[i] !== 1) continue;
      const v = values[i];
      if (!Number.isFinite(v)) continue;
      const x = standardized(v, mu0, sd0, clip);
      const unclipped = (v - mu0) / sd0;
      if (this.detected) {
        this.reset();
        n = 0;
        mean = 0;
        sumIncrease = sumDecrease = 0;
        minIncrease = Infinity;
        maxDecrease = -1;
        total = totalAtCalmIncrease = totalAtCalmDecrease = 0;
        countAtCalmIncrease = countAtCalmDecrease = 0;
      }
      n++;
      mean += (1 / n) * (x - mean);
      const dev = x - mean;
      sumIncrease = alpha * sumIncrease + dev - delta;
      sumDecrease = alpha * sumDecrease + dev + delta;
      total += unclipped;
      if (sumIncrease < minIncrease) minIncrease = sumIncrease;
      if (sumDecrease > maxDecrease) maxDecrease = sumDecrease;
      if (sumIncrease - minIncrease <= calm) {
        totalAtCalmIncrease = total;
        countAtCalmIncrease = n;
      }
      if (maxDecrease - sumDecrease <= calm) {
        totalAtCalmDecrease = total;
        countAtCalmDecrease = n;
      }
      if (n >= minInstances) {
        const up = sumIncrease - minIncrease > threshold;
        const down = maxDecrease - sumDecrease > threshold;
        if (mode === 'up' ? up : mode === 'down' ? down : up || down) {
          this.detected = true;
          break;
        }
      }
    }
    this.n = n;
    this.mean = mean;
    this.sumIncrease = sumIncrease;
    this.sumDecrease = sumDecrease;
    this.minIncrease = minIncrease;
    this.maxDecrease = maxDecrease;
    this.total = total;
    this.totalAtCalmIncrease = totalAtCalmIncrease;
    this.countAtCalmIncrease = countAtCalmIncrease;
    this.totalAtCalmDecrease = totalAtCalmDecrease;
    this.countAtCalmDecrease = countAtCalmDecrease;
    return i;
  }

  reset(): void {
    this.n = 0;
    this.mean = 0;
    this.sumIncrease = 0;
    this.sumDecrease = 0;
    this.minIncrease = Infinity;
    // River starts the running maximum at −1 (not −∞); kept so both fire at the same indices.
    this.maxDecrease = -1;
    this.total = this.totalAtCalmIncrease = this.totalAtCalmDecrease = 0;
    this.countAtCalmIncrease = this.countAtCalmDecrease = 0;
    this.detected = false;
  }

  /** The running sums and extremes (a detection still pending its reset included). */
  state(): PageHinkleyState {
    const { n, mean, sumIncrease, sumDecrease, minIncrease, maxDecrease, detected, total } = this;
    const since = [
      this.totalAtCalmIncrease,
      this.countAtCalmIncrease,
      this.totalAtCalmDecrease,
      this.countAtCalmDecrease,
    ];
    return { n, mean, sumIncrease, sumDecrease, minIncrease, maxDecrease, detected, total, since };
  }

  restore(state: PageHinkleyState): void {
    if (!(Number.isInteger(state.n) && state.n >= 0) || typeof state.detected !== 'boolean') {
      throw new StateError('Page-Hinkley checkpoint is malformed');
    }
    this.n = state.n;
    this.mean = state.mean;
    this.sumIncrease = state.sumIncrease;
    this.sumDecrease = state.sumDecrease;
    this.minIncrease = state.minIncrease;
    this.maxDecrease = state.maxDecrease;
    this.detected = state.detected;
    // a checkpoint from before these were kept: the change is taken to be after the restore
    const since = state.since;
    const kept = Array.isArray(since) && since.length === 4 && typeof state.total === 'number';
    this.total = kept ? state.total! : 0;
    this.totalAtCalmIncrease = kept ? since[0] : 0;
    this.countAtCalmIncrease = kept ? since[1] : this.n;
    this.totalAtCalmDecrease = kept ? since[2] : 0;
    this.countAtCalmDecrease = kept ? since[3] : this.n;
  }
}

export interface PageHinkleyState {
  readonly n: number;
  readonly mean: number;
  readonly sumIncrease: number;
  readonly sumDecrease: number;
  readonly minIncrease: number;
  readonly maxDecrease: number;
  readonly detected: boolean;
  /** Σx since the reset (absent in checkpoints written before it was kept: see `restore`). */
  readonly total?: number;
  /** Σx and the count when the increase statistic was last calm (`meanSinceChange`), then the decrease's. */
  readonly since?: readonly number[];
}

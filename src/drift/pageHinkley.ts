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

  private n = 0;
  // doubles from the start, set in the constructor (a field that starts as a small integer and
  // later holds a double changes the hidden class: optimized code of every method is dropped)
  private mean = Number.NaN;
  private sumIncrease = Number.NaN;
  private sumDecrease = Number.NaN;
  private minIncrease = Infinity;
  private maxDecrease = Number.NaN;
  /** Σx since the reset, and its value and the count at each extreme (`meanSinceChange`). */
  private total = Number.NaN;
  private totalAtMinIncrease = Number.NaN;
  private countAtMinIncrease = Number.NaN;
  private totalAtMaxDecrease = Number.NaN;
  private countAtMaxDecrease = Number.NaN;
  private detected = false;

  constructor(options: PageHinkleyOptions = {}) {
    refuseUnknownOptions('PageHinkley', options, PAGEHINKLEY_KEYS);
    this.minInstances = options.minInstances ?? 30;
    this.delta = options.delta ?? 0.005;
    this.threshold = options.threshold ?? 50;
    this.alpha = options.alpha ?? 1 - 0.0001;
    this.mode = options.mode ?? 'both';
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
   * The mean of the values after the change the test points to: those since the extreme of the
   * cumulative sum of the direction whose statistic is larger (its estimate of when the mean moved).
   * NaN when no value came after it.
   */
  get meanSinceChange(): number {
    const after = this.countSinceChange;
    return after > 0
      ? (this.total - (this.up() ? this.totalAtMinIncrease : this.totalAtMaxDecrease)) / after
      : NaN;
  }

  /** How many values `meanSinceChange` averages. */
  get countSinceChange(): number {
    return this.n - (this.up() ? this.countAtMinIncrease : this.countAtMaxDecrease);
  }

  /** The direction of change the statistics point to is up. */
  private up(): boolean {
    return (
      this.mode === 'up' ||
      (this.mode === 'both' && this.sumIncrease - this.minIncrease >= this.maxDecrease - this.sumDecrease)
    );
  }

  update(x: number): void {
    if (this.detected) this.reset();
    this.n++;
    this.mean += (1 / this.n) * (x - this.mean);
    const dev = x - this.mean;
    this.sumIncrease = this.alpha * this.sumIncrease + dev - this.delta;
    this.sumDecrease = this.alpha * this.sumDecrease + dev + this.delta;
    this.total += x;
    if (this.sumIncrease < this.minIncrease) {
      this.minIncrease = this.sumIncrease;
      this.totalAtMinIncrease = this.total;
      this.countAtMinIncrease = this.n;
    }
    if (this.sumDecrease > this.maxDecrease) {
      this.maxDecrease = this.sumDecrease;
      this.totalAtMaxDecrease = this.total;
      this.countAtMaxDecrease = this.n;
    }
    if (this.n >= this.minInstances) {
      const up = this.sumIncrease - this.minIncrease > this.threshold;
      const down = this.maxDecrease - this.sumDecrease > this.threshold;
      this.detected = this.mode === 'up' ? up : this.mode === 'down' ? down : up || down;
    }
  }

  /**
   * `update(standardized(values[i], mu0, sd0))` for each i in [from, to) with `mask[i] === 1` and a
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
  ): number {
    const { alpha, delta, threshold, minInstances, mode } = this;
    let n = this.n;
    let mean = this.mean;
    let sumIncrease = this.sumIncrease;
    let sumDecrease = this.sumDecrease;
    let minIncrease = this.minIncrease;
    let maxDecrease = this.maxDecrease;
    let total = this.total;
    let totalAtMinIncrease = this.totalAtMinIncrease;
    let countAtMinIncrease = this.countAtMinIncrease;
    let totalAtMaxDecrease = this.totalAtMaxDecrease;
    let countAtMaxDecrease = this.countAtMaxDecrease;
    let i = from;
    for (; i < to; i++) {
      if (mask[i] !== 1) continue;
      const v = values[i];
      if (!Number.isFinite(v)) continue;
      const x = standardized(v, mu0, sd0);
      if (this.detected) {
        this.reset();
        n = 0;
        mean = 0;
        sumIncrease = sumDecrease = 0;
        minIncrease = Infinity;
        maxDecrease = -1;
        total = totalAtMinIncrease = totalAtMaxDecrease = 0;
        countAtMinIncrease = countAtMaxDecrease = 0;
      }
      n++;
      mean += (1 / n) * (x - mean);
      const dev = x - mean;
      sumIncrease = alpha * sumIncrease + dev - delta;
      sumDecrease = alpha * sumDecrease + dev + delta;
      total += x;
      if (sumIncrease < minIncrease) {
        minIncrease = sumIncrease;
        totalAtMinIncrease = total;
        countAtMinIncrease = n;
      }
      if (sumDecrease > maxDecrease) {
        maxDecrease = sumDecrease;
        totalAtMaxDecrease = total;
        countAtMaxDecrease = n;
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
    this.totalAtMinIncrease = totalAtMinIncrease;
    this.countAtMinIncrease = countAtMinIncrease;
    this.totalAtMaxDecrease = totalAtMaxDecrease;
    this.countAtMaxDecrease = countAtMaxDecrease;
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
    this.total = this.totalAtMinIncrease = this.totalAtMaxDecrease = 0;
    this.countAtMinIncrease = this.countAtMaxDecrease = 0;
    this.detected = false;
  }

  /** The running sums and extremes (a detection still pending its reset included). */
  state(): PageHinkleyState {
    const { n, mean, sumIncrease, sumDecrease, minIncrease, maxDecrease, detected, total } = this;
    const since = [
      this.totalAtMinIncrease,
      this.countAtMinIncrease,
      this.totalAtMaxDecrease,
      this.countAtMaxDecrease,
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
    this.totalAtMinIncrease = kept ? since[0] : 0;
    this.countAtMinIncrease = kept ? since[1] : this.n;
    this.totalAtMaxDecrease = kept ? since[2] : 0;
    this.countAtMaxDecrease = kept ? since[3] : this.n;
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
  /** Σx and the count at the minimum of the increase sum, then at the maximum of the decrease sum. */
  readonly since?: readonly number[];
}

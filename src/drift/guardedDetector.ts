import type { Severity } from '../model/snapshot.js';
import { StateError } from '../core/errors.js';
import { Adwin, type AdwinOptions, type AdwinState } from './adwin.js';
import { PageHinkley, type PageHinkleyOptions, type PageHinkleyState } from './pageHinkley.js';
import { refuseUnknownOptions, standardized, type ScalarDetector } from './protocol.js';

export interface GuardedOptions {
  /** Values that only estimate the baseline mean and sd; no detection (default 2000). */
  readonly warmup?: number;
  /** Values after a detection before detection resumes; the baseline is re-estimated (default = warmup). */
  readonly cooldown?: number;
  /**
   * Baseline sds a value counts for at most in the test and the moving averages (default Infinity:
   * not clipped; the loss and label-rate tests use `TEST_CLIP`, so that one outlying value counts
   * for that many sds at most). The mean since a change (`recentMean`) takes the values as they are.
   */
  readonly clip?: number;
}

/** The shift found, in baseline standard deviations. */
export interface ScalarShift {
  /** Mean and sd of the warm-up (or of the cool-down after the previous detection). */
  readonly baselineMean: number;
  readonly baselineSd: number;
  /**
   * The level just before the change: a slow moving average of the watched values (weight
   * 1/(4·warm-up)), so a stream that drifted slowly since its warm-up (a model still learning) is
   * judged against where it was, not where it started.
   */
  readonly beforeMean: number;
  /** The level since the change: the mean of the values after the point the test puts the change at. */
  readonly recentMean: number;
  /** (recent − before) / baseline sd: the direction and size of the change. */
  readonly shift: number;
  readonly severity: Severity;
}

/**
 * Wraps a Page-Hinkley or ADWIN test with what a production alarm needs: a warm-up that estimates
 * the baseline mean μ₀ and sd σ₀, a scale-free input (Page-Hinkley sees `(x − μ₀)/σ₀`, so its δ and
 * λ are in baseline sds; ADWIN sees `(x − μ₀)/(2σ₀)`, values with sd ½ like a fair coin's, so the
 * range term of its bound means the same on every stream, whatever the unit of the loss), a cool-down after each detection during which the
 * baseline is re-estimated (one change, one alert), and a severity from the size of the shift.
 */
export class GuardedDetector implements ScalarDetector {
  readonly kind: 'page-hinkley' | 'adwin';
  readonly warmup: number;
  readonly cooldown: number;
  readonly clip: number;
  private readonly inner: ScalarDetector;
  private phase: 'warmup' | 'watch' = 'warmup';
  private phaseLength: number;
  private n = 0;
  // doubles from the start, set in the constructor (a field that starts as a small integer and
  // later holds a double changes the hidden class: optimized code of every method is dropped)
  private mean = Number.NaN;
  private m2 = Number.NaN;
  private mu0 = Number.NaN;
  private sd0 = Number.NaN;
  private recent = Number.NaN;
  private before = Number.NaN;
  private readonly recentRate: number;
  private readonly beforeRate: number;
  private detected = false;
  private last: ScalarShift | null = null;

  constructor(kind: 'page-hinkley', options: GuardedOptions & { readonly pageHinkley?: PageHinkleyOptions });
  constructor(kind: 'adwin', options: GuardedOptions & { readonly adwin?: AdwinOptions });
  constructor(
    kind: 'page-hinkley' | 'adwin',
    options: GuardedOptions & {
      readonly pageHinkley?: PageHinkleyOptions;
      readonly adwin?: AdwinOptions;
    } = {},
  ) {
    refuseUnknownOptions('GuardedDetector', options, [
      'warmup',
      'cooldown',
      'clip',
      kind === 'adwin' ? 'adwin' : 'pageHinkley',
    ]);
    this.kind = kind;
    this.warmup = options.warmup ?? 2000;
    this.cooldown = options.cooldown ?? this.warmup;
    this.clip = options.clip ?? Infinity;
    if (!(this.clip > 0)) throw new RangeError(`clip must be > 0, got ${this.clip}`);
    if (!(Number.isInteger(this.warmup) && this.warmup >= 2))
      throw new RangeError(`warmup must be a whole number ≥ 2, got ${this.warmup}`);
    if (!(Number.isInteger(this.cooldown) && this.cooldown >= 2))
      throw new RangeError(`cooldown must be a whole number ≥ 2, got ${this.cooldown}`);
    this.inner = kind === 'adwin' ? new Adwin(options.adwin) : new PageHinkley(options.pageHinkley);
    this.phaseLength = this.warmup;
    this.mean = this.m2 = this.mu0 = this.recent = this.before = 0;
    this.sd0 = 1;
    this.recentRate = 1 / Math.min(64, this.warmup);
    this.beforeRate = 1 / (4 * this.warmup);
  }

  get driftDetected(): boolean {
    return this.detected;
  }

  get report(): ScalarShift | null {
    return this.last;
  }

  update(x: number): void {
    this.detected = false;
    if (!Number.isFinite(x)) return;
    if (this.phase === 'warmup') {
      this.n++;
      const d = x - this.mean;
      this.mean += d / this.n;
      this.m2 += d * (x - this.mean);
      if (this.n >= this.phaseLength) {
        this.mu0 = this.mean;
        this.sd0 = Math.sqrt(this.m2 / this.n);
        if (!(this.sd0 > 1e-12 * Math.max(1, Math.abs(this.mu0))))
          this.sd0 = Math.max(1e-12, 1e-6 * Math.abs(this.mu0));
        this.recent = this.mu0;
        this.before = this.mu0;
        this.phase = 'watch';
        this.inner.reset();
      }
      return;
    }
    // the test and the moving averages see the value clipped (`clip`: one outlier moved the level
    // before a change by 1.25 sd); the mean since the change, the value itself
    const z = standardized(x, this.mu0, this.sd0, this.clip);
    const unclipped = (x - this.mu0) / this.sd0;
    const xc = this.mu0 + z * this.sd0;
    this.recent += this.recentRate * (xc - this.recent);
    if (this.inner instanceof Adwin) this.inner.update(0.5 * z, 0.5 * unclipped);
    else (this.inner as PageHinkley).update(z, unclipped);
    if (!this.inner.driftDetected) {
      this.before += this.beforeRate * (xc - this.before);
      return;
    }
    this.detect();
  }

  /**
   * The level since the change, in the unit of the values: the mean of the values after the point
   * the inner test puts the change at (Page-Hinkley: since its statistic was last calm, the values
   * as they are; ADWIN: the newer part of its window at its most significant split, the values as
   * the test saw them, clipped if it clips); the 64-value moving average when there is none. That average alone (used before)
   * reported noise: a label rate that moved from 0.45 to 0.50 was said to have risen to 0.66.
   */
  private levelSinceChange(): number {
    const inner = this.inner;
    const z = inner instanceof Adwin ? 2 * inner.meanSinceChange() : (inner as PageHinkley).meanSinceChange;
    return Number.isFinite(z) ? this.mu0 + z * this.sd0 : this.recent;
  }

  /** The inner test detected a change: the report, and a cool-down. */
  private detect(): void {
    this.recent = this.levelSinceChange();
    const shift = (this.recent - this.before) / this.sd0;
    const size = Math.abs(shift);
    this.last = {
      baselineMean: this.mu0,
      baselineSd: this.sd0,
      beforeMean: this.before,
      recentMean: this.recent,
      shift,
      severity: size >= 1 ? 'critical' : size >= 0.25 ? 'warning' : 'info',
    };
    this.detected = true;
    this.coolDown();
  }

  /**
   * Begins a cool-down without a detection of its own: the baseline is estimated again (a test
   * on the same values whose sibling found the change, which would find it again later). `report`:
   * the last report from now on (default: the one it has).
   */
  restart(report: ScalarShift | null = this.last): void {
    this.detected = false;
    this.last = report;
    // what the cool-down's end sets anew, set now: the same state whether the values after the
    // restart went through the test first (a batch run past it) or not
    this.inner.reset();
    this.recent = this.before = this.mu0;
    this.coolDown();
  }

  /** A warm-up of `cooldown` values: the baseline is estimated again, no test meanwhile. */
  private coolDown(): void {
    this.phase = 'warmup';
    this.phaseLength = this.cooldown;
    this.n = 0;
    this.mean = 0;
    this.m2 = 0;
  }

  /**
   * `update(values[i])` for each i in [from, to) with `mask[i] === 1`, in order, up to and including
   * the first update that detects a change: returns its index (then `driftDetected` and `report` are
   * that update's), or `to` when none did.
   */
  updateWhere(values: Float64Array, mask: Uint8Array, from: number, to: number): number {
    for (let i = from; i < to; i++) {
      if (mask[i] !== 1) continue;
      if (this.phase === 'watch') return this.watchWhere(values, mask, i, to);
      this.update(values[i]);
      if (this.detected) return i;
    }
    return to;
  }

  /**
   * `updateWhere` in the watch phase: the inner test runs over the values on its own (its loop),
   * then the moving averages over the same values (they do not feed the test), up to and including
   * the detecting one (which does not move `before`), and a detection is reported as `update` does.
   */
  private watchWhere(values: Float64Array, mask: Uint8Array, from: number, to: number): number {
    this.detected = false;
    const inner = this.inner;
    const end =
      inner instanceof Adwin
        ? inner.updateStandardized(values, mask, from, to, this.mu0, this.sd0, this.clip)
        : (inner as PageHinkley).updateStandardized(values, mask, from, to, this.mu0, this.sd0, this.clip);
    const last = end < to ? end : to - 1;
    let recent = this.recent;
    let before = this.before;
    const { recentRate, beforeRate, mu0, sd0, clip } = this;
    for (let i = from; i <= last; i++) {
      if (mask[i] !== 1) continue;
      const x = values[i];
      if (!Number.isFinite(x)) continue;
      const xc = mu0 + standardized(x, mu0, sd0, clip) * sd0;
      recent += recentRate * (xc - recent);
      if (i !== end) before += beforeRate * (xc - before);
    }
    this.recent = recent;
    this.before = before;
    if (end < to) this.detect();
    return end;
  }

  /** The phase, the baseline estimate and the inner test's state. */
  state(): GuardedDetectorState {
    const inner = this.inner instanceof Adwin ? this.inner.state() : (this.inner as PageHinkley).state();
    return {
      kind: this.kind,
      phase: this.phase,
      phaseLength: this.phaseLength,
      n: this.n,
      mean: this.mean,
      m2: this.m2,
      mu0: this.mu0,
      sd0: this.sd0,
      recent: this.recent,
      before: this.before,
      detected: this.detected,
      last: this.last === null ? null : { ...this.last },
      inner,
    };
  }

  restore(state: GuardedDetectorState): void {
    if (state.kind !== this.kind) {
      throw new StateError(
        `drift checkpoint holds a ${state.kind} test where the configuration has ${this.kind}`,
      );
    }
    if (state.phase !== 'warmup' && state.phase !== 'watch') {
      throw new StateError(`drift checkpoint has phase ${String(state.phase)}`);
    }
    if (this.inner instanceof Adwin) this.inner.restore(state.inner as AdwinState);
    else (this.inner as PageHinkley).restore(state.inner as PageHinkleyState);
    this.phase = state.phase;
    this.phaseLength = state.phaseLength;
    this.n = state.n;
    this.mean = state.mean;
    this.m2 = state.m2;
    this.mu0 = state.mu0;
    this.sd0 = state.sd0;
    this.recent = state.recent;
    this.before = state.before;
    this.detected = state.detected;
    this.last = state.last === null ? null : { ...state.last };
  }

  reset(): void {
    this.inner.reset();
    this.phase = 'warmup';
    this.phaseLength = this.warmup;
    this.n = 0;
    this.mean = this.m2 = 0;
    this.detected = false;
    this.last = null;
  }
}

export interface GuardedDetectorState {
  readonly kind: 'page-hinkley' | 'adwin';
  readonly phase: 'warmup' | 'watch';
  /** Values of the current warm-up (or cool-down) phase. */
  readonly phaseLength: number;
  readonly n: number;
  readonly mean: number;
  readonly m2: number;
  readonly mu0: number;
  readonly sd0: number;
  readonly recent: number;
  readonly before: number;
  readonly detected: boolean;
  readonly last: ScalarShift | null;
  readonly inner: AdwinState | PageHinkleyState;
}

import {
  capacityFor,
  checkColumns,
  packUsedColumns,
  UsedColumns,
  type ColumnArrays,
} from '../core/columns.js';
import { StateError } from '../core/errors.js';
import type { SparseBuffer } from '../core/sparse.js';

/**
 * Online standardization in O(nnz) per event (docs/conventions.md: unit population standard deviation).
 *
 * Column j's mean and variance are over ALL events seen (weighted), counting the events where j
 * was absent as zeros. Those zeros are never visited: each column remembers the total weight it
 * was last brought up to date with, and merges the zeros it missed in one step (Chan et al.'s
 * pairwise update, with a block of zeros as the other part) when it is next touched or read.
 *
 * Columns are only scaled, not centered: centering would make every update dense, and since the
 * intercept is unpenalized, a fit on scaled-only columns has exactly the same optimum (centering
 * merely reparametrizes the intercept). Coefficients on the original scale are w̃_j / sd_j.
 *
 * It also remembers which columns are 0/1 indicators so far (every value observed was 1, the
 * absences being the zeros) and each column's present weight: `standardize: "auto"` leaves the
 * indicators unscaled and divides the other columns by sd_j / √q_j (`scaleOf`).
 */
/** Float64 words per column in `OnlineScaler.stats`: synced weight, present weight, mean, m2. */
const STRIDE = 4;
const SYNCED = 0;
const PRESENT = 1;
const MEAN = 2;
const M2 = 3;
/** The largest weighted sum of squares a column may reach (`observeFinite`): headroom for later events. */
const SUM_OF_SQUARES_LIMIT = Number.MAX_VALUE / 16;

/** An event's weight this many times the total before it takes the spread's exact form (`update`). */
const DOMINANT = 65_536;

/**
 * wj (W − wj) / W: what a column synced at weight wj adds to its m2 per squared mean when it merges
 * the zeros of the weight since (W: the total now). Where wj (W − wj) overflows (a total weight
 * near the largest double: one event of weight 1e308), in the other order, which cannot.
 */
function missedZeros(wj: number, W: number): number {
  const product = wj * (W - wj);
  return product < Infinity ? product / W : wj * ((W - wj) / W);
}

export class OnlineScaler {
  private totalWeight = 0;
  /**
   * Per column j, at `STRIDE * j`: the weight of the events j has been brought up to date with,
   * the weighted sum of its value over its present events, its mean and its m2. One column's
   * statistics share a cache line (32 bytes, aligned), where an array each cost an event a cache
   * miss per array and column once the columns outgrow the caches.
   */
  private stats = new Float64Array(0);
  /** 1 once column j has been observed with a value other than 0 and 1. */
  private nonBinary = new Uint8Array(0);
  /** The columns observed since created or restored: a checkpoint reads only these. */
  private used = new UsedColumns();
  /** Columns in use (1 + the largest index observed); the arrays may be longer. */
  private dim = 0;
  /**
   * "auto" divides numeric columns by sd_j/√q_j (false only when restored from a checkpoint taken
   * before that rule, which divided them by sd_j: such a model goes on as it would have).
   */
  private perPresence = true;
  /** True once any column has been observed with a value other than 0 and 1 (`isNumeric` is false for all until then). */
  private anyNonBinary = false;
  /** `observeFinite`'s copy of its event's columns as they were (STRIDE + 1 words each), for `undo`. */
  private saved = new Float64Array(0);
  private savedWeight = 0;
  private savedDim = 0;
  private savedAnyNonBinary = false;
  /** `watchJumps`: the squared sd growth one event must reach to be noted (0: not watching). */
  private jumpGrowth2 = 0;
  private jumpMinPresent = Infinity;
  /** The last observed event's jumps: positions in x and each column's sd before and after. */
  private jumpCount = 0;
  private jumpPositions = new Int32Array(4);
  private jumpSds = new Float64Array(8);
  /** Per jump, the present events over which the sd grew (1: the event alone). */
  private jumpSpans = new Float64Array(4);
  /**
   * `watchJumps`, per column j at 2j: its variance when its present weight last crossed a multiple
   * of `minPresent` (0: not yet; Infinity: a jump was noted since), and that present weight. A
   * change of unit grows the sd over a few events, none of which alone doubles it. Not state: a
   * restored model compares from the next crossing on. `undo` takes an event's changes back.
   */
  private jumpReference = new Float64Array(0);
  /**
   * The `jumpReference` entries the last update overwrote, for `undo`: column j, then its two
   * entries as they were (3 words each). Few events write any (a crossing, a jump), so they are
   * logged as written rather than copied for every column of every event.
   */
  private referenceLog = new Float64Array(12);
  private referenceLogged = 0;

  /** Total weight of the events observed. */
  get weight(): number {
    return this.totalWeight;
  }

  /** Columns the arrays hold. */
  private get capacity(): number {
    return this.nonBinary.length;
  }

  private ensure(index: number): void {
    if (index >= this.dim) this.dim = index + 1;
    if (index < this.capacity) return;
    let cap = Math.max(16, this.capacity);
    while (cap <= index) cap *= 2;
    const stats = new Float64Array(STRIDE * cap);
    stats.set(this.stats);
    this.stats = stats;
    const nonBinary = new Uint8Array(cap);
    nonBinary.set(this.nonBinary);
    this.nonBinary = nonBinary;
    this.used.fit(cap);
  }

  /**
   * Notes every column whose running sd one event multiplies by `growth` or more once the column
   * has been present in `minPresent` (weighted) events before it: a value so far out that it alone
   * now sets the column's scale (`jumps` after each observed event). `growth` 0 stops watching.
   */
  watchJumps(growth: number, minPresent: number): void {
    this.jumpGrowth2 = growth * growth;
    this.jumpMinPresent = minPresent;
  }

  /** Columns of the last observed event whose sd jumped (`watchJumps`). */
  get jumps(): number {
    return this.jumpCount;
  }

  /** Jump i of the last observed event: its position in x and the column's sd before and after it. */
  jump(i: number): {
    readonly position: number;
    readonly sdBefore: number;
    readonly sdAfter: number;
    readonly events: number;
  } {
    if (i < 0 || i >= this.jumpCount) throw new RangeError(`no jump ${i} (${this.jumpCount} noted)`);
    return {
      position: this.jumpPositions[i],
      sdBefore: this.jumpSds[2 * i],
      sdAfter: this.jumpSds[2 * i + 1],
      events: this.jumpSpans[i],
    };
  }

  private noteJump(position: number, varianceBefore: number, varianceAfter: number, events: number): void {
    const i = this.jumpCount++;
    if (i >= this.jumpPositions.length) {
      const positions = new Int32Array(2 * i);
      positions.set(this.jumpPositions);
      this.jumpPositions = positions;
      const sds = new Float64Array(4 * i);
      sds.set(this.jumpSds);
      this.jumpSds = sds;
      const spans = new Float64Array(2 * i);
      spans.set(this.jumpSpans);
      this.jumpSpans = spans;
    }
    this.jumpPositions[i] = position;
    this.jumpSds[2 * i] = Math.sqrt(varianceBefore);
    this.jumpSds[2 * i + 1] = Math.sqrt(varianceAfter);
    this.jumpSpans[i] = events;
  }

  /**
   * `watchJumps` for column j (at position k of the event) just updated by weight w, its variance
   * var0 before and var1 after: a jump when this event alone multiplied its sd by the growth, or
   * when its sd grew that much since its present weight last crossed a multiple of `minPresent` (at
   * most one such per column between two crossings).
   */
  private watchScale(j: number, k: number, present: number, w: number, var0: number, var1: number): void {
    const min = this.jumpMinPresent;
    const growth2 = this.jumpGrowth2;
    if (2 * j >= this.jumpReference.length) {
      const grown = new Float64Array(2 * Math.max(this.capacity, j + 1));
      grown.set(this.jumpReference);
      this.jumpReference = grown;
    }
    const reference = this.jumpReference;
    if (var0 > 0 && present - w >= min && var1 >= growth2 * var0) {
      this.noteJump(k, var0, var1, 1);
      this.logReference(j);
      reference[2 * j] = Infinity;
    } else if (reference[2 * j] > 0 && var1 >= growth2 * reference[2 * j]) {
      this.noteJump(k, reference[2 * j], var1, present - reference[2 * j + 1]);
      this.logReference(j);
      reference[2 * j] = Infinity;
    }
    if (Math.floor(present / min) > Math.floor((present - w) / min)) {
      this.logReference(j);
      reference[2 * j] = var1;
      reference[2 * j + 1] = present;
    }
  }

  /** Keeps column j's two `jumpReference` entries for `undo` before they change (once per update). */
  private logReference(j: number): void {
    const n = this.referenceLogged;
    const log = this.referenceLog;
    if (n > 0 && log[3 * (n - 1)] === j) return;
    if (3 * n + 3 > log.length) {
      const grown = new Float64Array(2 * log.length);
      grown.set(log);
      this.referenceLog = grown;
    }
    this.referenceLog[3 * n] = j;
    this.referenceLog[3 * n + 1] = this.jumpReference[2 * j];
    this.referenceLog[3 * n + 2] = this.jumpReference[2 * j + 1];
    this.referenceLogged = n + 1;
  }

  /** Adds one event (weight `weight`) to the statistics. */
  observe(x: SparseBuffer, weight = 1): void {
    this.update(x, weight, false, null);
  }

  /**
   * `observe(x, weight)`, then `scaleInPlace(x, auto, scales)`, in one pass over x: a column's
   * divisor comes from the statistics just updated, by the same arithmetic. x's indices must be
   * distinct (a featurizer's are), so that each column's statistics are final when it is scaled.
   */
  observeAndScale(x: SparseBuffer, weight: number, auto: boolean, scales: Float64Array): void {
    if (weight > 0) {
      this.update(x, weight, auto, scales);
      return;
    }
    this.observe(x, weight);
    this.scaleInPlace(x, auto, scales);
  }

  /**
   * `observe`, and with `scales` (weight > 0) `scaleInPlace`'s scaling of each column after its
   * update. `checked` (`observeFinite`): each column is also copied to `saved` as it was, and the
   * result is `firstOverflow(x)`, found in the same pass.
   */
  private update(
    x: SparseBuffer,
    weight: number,
    auto: boolean,
    scales: Float64Array | null,
    checked = false,
  ): number {
    const before = this.totalWeight;
    this.totalWeight += weight;
    this.jumpCount = 0;
    this.referenceLogged = 0;
    if (weight === 0) return -1;
    const W = this.totalWeight;
    const { indices, values, nnz } = x;
    const perPresence = auto && this.perPresence;
    // arrays in locals (replaced when a column beyond them grows them). A column first merges the
    // zeros it missed since it was last synced (weight before − W_j) in one step, then the event;
    // its mean and m2 in locals, each read and written once (the same operations in the same order).
    let stats = this.stats;
    let nonBinary = this.nonBinary;
    const saved = this.saved;
    let top = -1;
    let bad = -1;
    const growth2 = this.jumpGrowth2;
    for (let k = 0; k < nnz; k++) {
      const j = indices[k];
      if (j > top) {
        top = j;
        if (j >= nonBinary.length) {
          this.ensure(j);
          stats = this.stats;
          nonBinary = this.nonBinary;
        }
      }
      const at = STRIDE * j;
      const wj = stats[at + SYNCED];
      // a column synced to a weight other than 0 was listed when it was (`fromState` lists those too)
      if (wj === 0) this.used.add(j);
      let mean = stats[at + MEAN];
      let m2 = stats[at + M2];
      let present = stats[at + PRESENT];
      const flag = nonBinary[j];
      if (checked) {
        const s = (STRIDE + 1) * k;
        saved[s + SYNCED] = wj;
        saved[s + PRESENT] = present;
        saved[s + MEAN] = mean;
        saved[s + M2] = m2;
        saved[s + STRIDE] = flag;
      }
      let binary = flag === 0;
      if (wj !== before && wj > 0 && mean !== 0) {
        m2 += mean * mean * missedZeros(wj, before);
        mean = (mean * wj) / before;
      }
      const v = values[k];
      const delta = v - mean;
      const m2Before = m2;
      // (where a weight near the largest double overflows the first product: the mean in another
      // order; where the product overflows or the event outweighs all before it 65,536 times over,
      // the spread as w δ² W_before / W, which w δ (v − mean) is but for rounding: that form would
      // multiply the new mean's rounding by the weight)
      const step = delta * weight;
      mean += Number.isFinite(step) ? step / W : delta * (weight / W);
      const spread = weight * delta * (v - mean);
      m2 +=
        Number.isFinite(spread) && !(before > 0 && weight > DOMINANT * before)
          ? spread
          : delta * delta * (weight * (before / W));
      present += weight;
      stats[at + MEAN] = mean;
      stats[at + M2] = m2;
      stats[at + SYNCED] = W;
      stats[at + PRESENT] = present;
      // m2 + W·mean² is the column's weighted sum of squares (see `observeFinite`)
      if (checked && bad < 0 && !(m2 + W * mean * mean <= SUM_OF_SQUARES_LIMIT)) bad = k;
      if (growth2 > 0) this.watchScale(j, k, present, weight, m2Before / before, m2 / W);
      if (v !== 1 && binary) {
        nonBinary[j] = 1;
        this.anyNonBinary = true;
        binary = false;
      }
      if (scales === null) continue;
      // `scaleInPlace`'s divisor of a column synced to W and present (W_j = W > 0, q_j > 0)
      let s = 0;
      if (auto && binary) s = 1;
      else if (m2 / W > 1e-26 * (1 + mean * mean)) s = Math.sqrt(perPresence ? m2 / present : m2 / W);
      scales[k] = s;
      values[k] = s > 0 ? v / s : 0;
    }
    if (top >= this.dim) this.dim = top + 1;
    return bad;
  }

  /** False while every column observed has had only 1s (then `isNumeric` is false for every column). */
  get hasNumeric(): boolean {
    return this.anyNonBinary;
  }

  /**
   * `observe` (with `scaling`, `observeAndScale`: x scaled in the same pass), checked: −1 when
   * every statistic it computes is finite; otherwise nothing changes but x's values and the result
   * is the position in x of the first column whose mean or m2 overflowed (x.nnz: the total
   * weight). `undo(x)` then takes the event back until the next call.
   */
  observeFinite(
    x: SparseBuffer,
    weight = 1,
    scaling: { readonly auto: boolean; readonly scales: Float64Array } | null = null,
  ): number {
    const nnz = x.nnz;
    if (this.saved.length < (STRIDE + 1) * nnz) this.saved = new Float64Array(2 * (STRIDE + 1) * nnz);
    this.savedWeight = this.totalWeight;
    this.savedDim = this.dim;
    this.savedAnyNonBinary = this.anyNonBinary;
    let bad: number;
    // weight > 0: saved, updated, scaled and checked in one pass; otherwise in turn (the same)
    if (weight > 0) bad = this.update(x, weight, scaling?.auto === true, scaling?.scales ?? null, true);
    else {
      this.save(x);
      if (scaling === null) this.observe(x, weight);
      else this.observeAndScale(x, weight, scaling.auto, scaling.scales);
      bad = this.firstOverflow(x);
    }
    if (!Number.isFinite(this.totalWeight)) bad = nnz;
    if (bad >= 0) this.undo(x);
    return bad;
  }

  /** Copies x's columns as they are to `saved` (STRIDE + 1 words each), for `undo`. */
  private save(x: SparseBuffer): void {
    const { indices, nnz } = x;
    const saved = this.saved;
    for (let k = 0; k < nnz; k++) {
      const j = indices[k];
      const at = STRIDE * j;
      for (let f = 0; f < STRIDE; f++)
        saved[(STRIDE + 1) * k + f] = j < this.capacity ? this.stats[at + f] : 0;
      saved[(STRIDE + 1) * k + STRIDE] = j < this.capacity ? this.nonBinary[j] : 0;
    }
  }

  /**
   * The position in x of the first column whose weighted sum of squares, m2 + W_j·mean², is above
   * SUM_OF_SQUARES_LIMIT or NaN (−1: none). It bounds every later m2: kept below the limit, no
   * ordinary later event overflows it (a model's first value of 1e200 has m2 0, and made every
   * later event with that column overflow).
   */
  private firstOverflow(x: SparseBuffer): number {
    for (let k = 0; k < x.nnz; k++) {
      const j = x.indices[k];
      // a column beyond the arrays has no statistics yet (a weight-0 event grows nothing)
      if (j >= this.capacity) continue;
      const at = STRIDE * j;
      const mean = this.stats[at + MEAN];
      if (!(this.stats[at + M2] + this.stats[at + SYNCED] * mean * mean <= SUM_OF_SQUARES_LIMIT)) return k;
    }
    return -1;
  }

  /** Takes back the event of the last `observeFinite` (x: its columns, in the same order). */
  undo(x: SparseBuffer): void {
    const saved = this.saved;
    for (let k = 0; k < x.nnz; k++) {
      const j = x.indices[k];
      for (let f = 0; f < STRIDE; f++) this.stats[STRIDE * j + f] = saved[(STRIDE + 1) * k + f];
      this.nonBinary[j] = saved[(STRIDE + 1) * k + STRIDE];
    }
    const log = this.referenceLog;
    // newest first: an entry logged twice ends as it was before the first
    for (let n = this.referenceLogged - 1; n >= 0; n--) {
      const j = log[3 * n];
      this.jumpReference[2 * j] = log[3 * n + 1];
      this.jumpReference[2 * j + 1] = log[3 * n + 2];
    }
    this.referenceLogged = 0;
    this.totalWeight = this.savedWeight;
    this.dim = this.savedDim;
    this.anyNonBinary = this.savedAnyNonBinary;
    this.jumpCount = 0;
  }

  /** Population standard deviation of column j over all events observed (0 if constant/unseen). */
  sd(j: number): number {
    return this.spread(j, false);
  }

  /**
   * sd_j, or with `perPresence` sd_j / √q_j (q_j: the share of the weight in which j was present):
   * one square root either way.
   */
  private spread(j: number, perPresence: boolean): number {
    if (j >= this.capacity) return 0;
    const W = this.totalWeight;
    const at = STRIDE * j;
    const wj = this.stats[at + SYNCED];
    if (W <= 0 || wj <= 0) return 0;
    const m = this.stats[at + MEAN];
    let m2 = this.stats[at + M2];
    if (wj !== W) m2 += m * m * missedZeros(wj, W);
    const variance = m2 / W;
    const meanNow = wj === W ? m : (m * wj) / W;
    // A column whose spread is at rounding level relative to its mean is constant.
    if (!(variance > 1e-26 * (1 + meanNow * meanNow))) return 0;
    return Math.sqrt(perPresence ? m2 / this.stats[at + PRESENT] : variance);
  }

  /** Weighted mean of column j over all events observed. */
  meanOf(j: number): number {
    if (j >= this.capacity || this.totalWeight <= 0) return 0;
    return (this.stats[STRIDE * j + MEAN] * this.stats[STRIDE * j + SYNCED]) / this.totalWeight;
  }

  /** True when column j has been observed (with weight) and every value so far was 1. */
  isIndicator(j: number): boolean {
    return j < this.dim && this.stats[STRIDE * j + PRESENT] > 0 && this.nonBinary[j] === 0;
  }

  /** The weight of the events in which column j was present. */
  presentWeight(j: number): number {
    return j < this.dim ? this.stats[STRIDE * j + PRESENT] : 0;
  }

  /** The share of the events' weight in which column j was present. */
  presentFraction(j: number): number {
    return j < this.dim && this.totalWeight > 0 ? this.stats[STRIDE * j + PRESENT] / this.totalWeight : 0;
  }

  /** True when column j has been observed (with weight) with a value other than 0 and 1. */
  isNumeric(j: number): boolean {
    return j < this.dim && this.stats[STRIDE * j + PRESENT] > 0 && this.nonBinary[j] === 1;
  }

  /**
   * The divisor of column j: its sd; or with `auto` (the `standardize: "auto"` rule), 1 for an
   * indicator and sd_j / √q_j for a numeric column present in a share q_j of the events (its sd
   * when always present; about the size of its values when rare, however rare).
   */
  scaleOf(j: number, auto: boolean): number {
    if (!auto) return this.sd(j);
    return this.isIndicator(j) ? 1 : this.spread(j, this.perPresence);
  }

  /**
   * Scales x in place to x_j / sd_j; a column with sd 0 (constant so far) gets value 0, as glmnet
   * gives constant columns a zero coefficient. With `auto`, the divisors of `scaleOf(j, true)`.
   * With `scales` (at least x.nnz long), each divisor `scaleOf` gave is written there too.
   */
  scaleInPlace(x: SparseBuffer, auto = false, scales?: Float64Array): void {
    // `scaleOf` for each column, in one loop over locals (the same arithmetic as `spread`)
    const { indices, values, nnz } = x;
    const stats = this.stats;
    const nonBinary = this.nonBinary;
    const capacity = nonBinary.length;
    const dim = this.dim;
    const W = this.totalWeight;
    const perPresence = auto && this.perPresence;
    for (let k = 0; k < nnz; k++) {
      const j = indices[k];
      const at = STRIDE * j;
      let s = 0;
      if (auto && j < dim && stats[at + PRESENT] > 0 && nonBinary[j] === 0) s = 1;
      else if (j < capacity) {
        const wj = stats[at + SYNCED];
        if (!(W <= 0 || wj <= 0)) {
          const m = stats[at + MEAN];
          let m2 = stats[at + M2];
          if (wj !== W) m2 += m * m * missedZeros(wj, W);
          const variance = m2 / W;
          const meanNow = wj === W ? m : (m * wj) / W;
          if (variance > 1e-26 * (1 + meanNow * meanNow))
            s = Math.sqrt(perPresence ? m2 / stats[at + PRESENT] : variance);
        }
      }
      if (scales !== undefined) scales[k] = s;
      values[k] = s > 0 ? values[k] / s : 0;
    }
  }

  /**
   * A copy of the statistics of the columns in use (only the observed ones when smaller), read
   * from the observed columns alone: O(columns observed), not O(dimension), for a hashed model.
   */
  state(): OnlineScalerState {
    const n = this.dim;
    const stats = this.stats;
    const field = (f: number) => (j: number) => stats[STRIDE * j + f];
    const fields = {
      syncedWeight: field(SYNCED),
      presentWeight: field(PRESENT),
      mean: field(MEAN),
      m2: field(M2),
      nonBinary: (j: number) => this.nonBinary[j],
    };
    return {
      totalWeight: this.totalWeight,
      dimension: n,
      perPresence: this.perPresence,
      ...packUsedColumns(fields, n, this.used.columns),
    };
  }

  /** A scaler continuing from `state()`, writing only the stored columns into fresh arrays. */
  static fromState(s: OnlineScalerState): OnlineScaler {
    if (!Number.isFinite(s.totalWeight)) throw new StateError('scaler checkpoint total weight is not finite');
    const n = s.dimension;
    const { columns, arrays: a } = checkColumns(
      s,
      n,
      'scaler',
      ['syncedWeight', 'presentWeight', 'mean', 'm2'],
      ['nonBinary'],
    );
    const o = new OnlineScaler();
    o.totalWeight = s.totalWeight;
    // the capacity `ensure` gives (so that new columns do not copy it all again)
    const cap = capacityFor(n);
    o.stats = new Float64Array(STRIDE * cap);
    o.nonBinary = new Uint8Array(cap);
    o.used = new UsedColumns(cap);
    // checkpoints from before indicators were tracked: every column counts as numeric (scaled)
    const legacy = a.nonBinary === undefined;
    if (legacy) o.nonBinary.fill(1, 0, n);
    const count = columns === null ? n : columns.length;
    for (let i = 0; i < count; i++) {
      const j = columns === null ? i : columns[i];
      const nonBinary = legacy || a.nonBinary[i] !== 0 ? 1 : 0;
      const at = STRIDE * j;
      o.stats[at + SYNCED] = a.syncedWeight[i];
      o.stats[at + PRESENT] = a.presentWeight[i];
      o.stats[at + MEAN] = a.mean[i];
      o.stats[at + M2] = a.m2[i];
      o.nonBinary[j] = nonBinary;
      const idle = nonBinary === 0 && [SYNCED, PRESENT, MEAN, M2].every((f) => Object.is(o.stats[at + f], 0));
      if (!idle) o.used.add(j);
      if (nonBinary === 1) o.anyNonBinary = true;
    }
    // (a legacy checkpoint's unlisted columns are numeric too: listed, so that they stay so)
    if (legacy) for (let j = 0; j < n; j++) o.used.add(j);
    o.anyNonBinary ||= legacy && n > 0;
    o.dim = n;
    o.perPresence = s.perPresence === true;
    return o;
  }
}

/**
 * Per-column statistics (`syncedWeight`, `presentWeight`, `mean`, `m2`, and `nonBinary`: 1 once a
 * value other than 0/1 was seen) of the `dimension` columns
 * in use, dense or only the observed columns (`ColumnArrays`).
 */
export interface OnlineScalerState extends ColumnArrays {
  readonly totalWeight: number;
  readonly dimension: number;
  /** The "auto" rule for numeric columns: sd_j/√q_j (true), or sd_j (absent: older checkpoints). */
  readonly perPresence?: boolean;
}

import { shownValue } from '../config/unknownKey.js';
import { StateError } from '../core/errors.js';
import { growFloat64 } from '../core/sparse.js';

/**
 * Exact ROC AUC (Mann–Whitney U with ties counted one half) over the scored events, kept in typed
 * arrays up to `capacity` events; past that, a uniform reservoir sample of `capacity` events is
 * kept (Vitter's algorithm R, seeded), so memory stays bounded on endless streams.
 *
 * `value()` runs on the stream's thread at every snapshot, over up to `capacity` events, so it is
 * incremental: each class's scores stay sorted between calls, and a call sorts only the events
 * added (and reservoir entries replaced) since the previous one and merges them in,
 * O(n + k log k) for k new events instead of O(n log n). Without `incremental` (for an AUC read
 * rarely: the engine's over all keys, read at the end of a run), `update` only samples and
 * `value()` sorts the whole sample: the same value, without the sorting cost per event.
 */
export class StreamingAuc {
  // small at first (a keyed model may score a handful of events): they double as they fill
  private scores = new Float64Array(16);
  /** 1 where the event at that slot is a positive (label 1). */
  private positive = new Uint8Array(16);
  private size = 0;
  private seen = 0;
  private rngState: number;
  private readonly positives = new SortedScores();
  private readonly negatives = new SortedScores();

  constructor(
    readonly capacity = 1 << 21,
    seed = 1,
    readonly incremental = true,
  ) {
    // from JavaScript, a capacity that is no number (`{ capacity }`, "x") kept no score: AUC NaN
    if (!(Number.isInteger(capacity) && capacity >= 1))
      throw new RangeError(
        `a streaming AUC needs a capacity of at least 1 score, got ${shownValue(capacity)}`,
      );
    this.rngState = seed >>> 0 || 1;
  }

  private random(): number {
    this.rngState = xorshift32(this.rngState);
    return this.rngState / 4294967296;
  }

  /** Records one scored event (`score` must not be NaN; labels other than 1 count as negative). */
  update(score: number, label: number): void {
    this.seen++;
    if (this.size < this.capacity) {
      if (this.size === this.scores.length) {
        this.scores = growFloat64(this.scores, this.size + 1);
        const positive = new Uint8Array(this.scores.length);
        positive.set(this.positive);
        this.positive = positive;
      }
      this.scores[this.size] = score;
      this.positive[this.size] = label === 1 ? 1 : 0;
      this.size++;
      if (this.incremental) this.classOf(label).add(score);
      return;
    }
    const r = Math.floor(this.random() * this.seen);
    if (r < this.capacity) {
      if (this.incremental) this.classOf(this.positive[r]).remove(this.scores[r]);
      this.scores[r] = score;
      this.positive[r] = label === 1 ? 1 : 0;
      if (this.incremental) this.classOf(label).add(score);
    }
  }

  private classOf(label: number): SortedScores {
    const c = label === 1 ? this.positives : this.negatives;
    // Bounds the queued changes when nobody reads the value for a long time.
    if (c.pending > this.capacity) c.sorted();
    return c;
  }

  /** Events the AUC is computed over (all of them until the reservoir is full). */
  get sampled(): number {
    return this.size;
  }

  /** The AUC, or NaN when only one class has been seen. */
  value(): number {
    if (!this.incremental) {
      const positive = this.positive;
      const labels = new Float64Array(this.size);
      for (let i = 0; i < labels.length; i++) labels[i] = positive[i];
      return aucOf(this.scores.subarray(0, this.size), labels);
    }
    return mannWhitneyAuc(this.positives.sorted(), this.negatives.sorted());
  }

  /**
   * The AUC over the events of several reservoirs together (the keys of a keyed run), NaN when
   * only one class was seen: `PooledAuc` with each part added in the order given.
   */
  static pooled(parts: readonly StreamingAuc[], capacity = POOLED_AUC_SAMPLE): number {
    const pool = new PooledAuc(capacity);
    for (const p of parts) pool.add(p);
    return pool.value();
  }

  /** The reservoir's scores and positive flags (views, valid until the next update), and the events seen. */
  reservoir(): { readonly scores: Float64Array; readonly positive: Uint8Array; readonly seen: number } {
    return {
      scores: this.scores.subarray(0, this.size),
      positive: this.positive.subarray(0, this.size),
      seen: this.seen,
    };
  }

  /**
   * A copy of the reservoir (scores and positive flags, in slot order) and of the sampler's state;
   * the sorted classes are rebuilt from it, and the AUC depends only on their contents.
   */
  state(): StreamingAucState {
    return {
      capacity: this.capacity,
      seen: this.seen,
      rngState: this.rngState,
      scores: this.scores.slice(0, this.size),
      positive: this.positive.slice(0, this.size),
    };
  }

  static fromState(state: StreamingAucState, incremental = true): StreamingAuc {
    const { capacity, seen, rngState, scores, positive } = state;
    if (!(scores instanceof Float64Array) || !(positive instanceof Uint8Array)) {
      throw new StateError('AUC checkpoint needs scores (Float64Array) and positive flags (Uint8Array)');
    }
    const size = scores.length;
    if (
      positive.length !== size ||
      !(Number.isInteger(capacity) && capacity >= 1) ||
      size > capacity ||
      size > seen ||
      !Number.isInteger(seen)
    ) {
      throw new StateError(
        `AUC checkpoint is inconsistent: ${size} scores, ${positive.length} flags, capacity ${capacity}, ${seen} seen`,
      );
    }
    const auc = new StreamingAuc(capacity, 1, incremental);
    auc.rngState = rngState >>> 0;
    auc.seen = seen;
    auc.size = size;
    auc.scores = new Float64Array(Math.max(16, size));
    auc.scores.set(scores);
    auc.positive = new Uint8Array(auc.scores.length);
    auc.positive.set(positive);
    if (incremental)
      for (let i = 0; i < size; i++) (positive[i] === 1 ? auc.positives : auc.negatives).add(scores[i]);
    return auc;
  }
}

/** Scores a keyed run's summary pools at most, unless `model.aucSample` is larger (about 25 MB). */
export const POOLED_AUC_SAMPLE = 1 << 20;

/**
 * The AUC over the events of several `StreamingAuc`s (the keys of a keyed run), added one at a
 * time, in memory bounded by `capacity` scores however many are added. Each event of a reservoir
 * weighs seen / sampled (the events it stands for), in a weighted Mann–Whitney U.
 *
 * While at most `capacity` scores were added in all, every one is kept and the value is exact
 * (with weights of 1 each, the same as `aucOf` over them). Past that, a priority sample
 * (Duffield, Lund & Thorup 2007) of `capacity` scores is kept: each score's priority is its
 * weight / u, u uniform from a seeded generator, the `capacity` highest are kept and each kept
 * weight becomes max(weight, τ), τ the highest priority left out, which estimates the weight of
 * every class and score range without bias. The AUC is then an estimate: over 20 seeds its
 * root-mean-square error was about 0.3 / √(scores of the rarer class kept) (0.015 with 400
 * positives kept, 0.004 with 4,000), so about 0.001 with 10⁶ kept and 10% positives. The same
 * parts added in the same order give the same value.
 */
export class PooledAuc {
  private scores = new Float64Array(16);
  private weights = new Float64Array(16);
  private positive = new Uint8Array(16);
  private priority = new Float64Array(16);
  /** Slots in a min-heap on priority, once `capacity` + 1 scores were added. */
  private heap = new Uint32Array(0);
  private size = 0;
  /** A part was a sample (weights other than 1). */
  private weighted = false;
  private rngState: number;
  private cached: number | undefined;

  constructor(
    readonly capacity = POOLED_AUC_SAMPLE,
    seed = 1,
  ) {
    if (!(Number.isInteger(capacity) && capacity >= 1))
      throw new RangeError(`a pooled AUC needs a capacity of at least 1 score, got ${capacity}`);
    this.rngState = seed >>> 0 || 1;
  }

  /** Uniform in (0, 1) (xorshift32, never 0). */
  private random(): number {
    this.rngState = xorshift32(this.rngState);
    return this.rngState / 4294967296;
  }

  /** Adds the events of `part` (its reservoir: each sampled event weighs seen / sampled). */
  add(part: StreamingAuc): void {
    const { scores, positive, seen } = part.reservoir();
    const n = scores.length;
    if (n === 0) return;
    this.cached = undefined;
    const weight = seen / n;
    if (weight !== 1) this.weighted = true;
    const slots = this.capacity + 1;
    for (let i = 0; i < n; i++) {
      const priority = weight / this.random();
      if (this.size < slots) {
        this.grow(this.size + 1);
        this.put(this.size++, scores[i], positive[i], weight, priority);
        if (this.size === slots) this.heapify();
      } else if (priority > this.priority[this.heap[0]]) {
        this.put(this.heap[0], scores[i], positive[i], weight, priority);
        this.siftDown(0);
      }
    }
  }

  private put(slot: number, score: number, positive: number, weight: number, priority: number): void {
    this.scores[slot] = score;
    this.positive[slot] = positive;
    this.weights[slot] = weight;
    this.priority[slot] = priority;
  }

  private grow(size: number): void {
    if (size <= this.scores.length) return;
    const cap = Math.min(this.capacity + 1, 2 * this.scores.length);
    this.scores = resized(this.scores, new Float64Array(cap));
    this.weights = resized(this.weights, new Float64Array(cap));
    this.priority = resized(this.priority, new Float64Array(cap));
    this.positive = resized(this.positive, new Uint8Array(cap));
  }

  private heapify(): void {
    this.heap = new Uint32Array(this.size);
    for (let i = 0; i < this.size; i++) this.heap[i] = i;
    for (let i = (this.size >> 1) - 1; i >= 0; i--) this.siftDown(i);
  }

  private siftDown(at: number): void {
    const { heap, priority } = this;
    const n = heap.length;
    const slot = heap[at];
    const p = priority[slot];
    for (;;) {
      let child = 2 * at + 1;
      if (child >= n) break;
      if (child + 1 < n && priority[heap[child + 1]] < priority[heap[child]]) child++;
      if (priority[heap[child]] >= p) break;
      heap[at] = heap[child];
      at = child;
    }
    heap[at] = slot;
  }

  /** Scores the value is computed over (at most `capacity`). */
  get sampled(): number {
    return Math.min(this.size, this.capacity);
  }

  /** The AUC over the events added, NaN when only one class was seen. */
  value(): number {
    this.cached ??= this.compute();
    return this.cached;
  }

  private compute(): number {
    const n = this.size;
    const scores = this.scores.subarray(0, n);
    if (n <= this.capacity && !this.weighted) {
      const labels = new Float64Array(n);
      for (let i = 0; i < n; i++) labels[i] = this.positive[i];
      return aucOf(scores, labels);
    }
    const weights = this.weights.slice(0, n);
    if (n > this.capacity) {
      const left = this.heap[0];
      const tau = this.priority[left];
      for (let i = 0; i < n; i++) weights[i] = Math.max(weights[i], tau);
      weights[left] = 0;
    }
    return weightedAuc(scores, this.positive, weights);
  }
}

/** The next state of a xorshift32 generator (never 0 after a state other than 0). */
function xorshift32(x: number): number {
  x ^= x << 13;
  x ^= x >>> 17;
  x ^= x << 5;
  return x >>> 0;
}

/** `to` with `from` copied to its start. */
function resized<T extends Float64Array<ArrayBuffer> | Uint8Array<ArrayBuffer>>(from: T, to: T): T {
  to.set(from);
  return to;
}

/**
 * The weighted Mann–Whitney AUC (ties count one half), NaN if a class has no weight. The distinct
 * scores are found by the typed arrays' native sort, and each event's weight is added to its
 * score's class totals by a binary search: no comparator call per comparison.
 */
function weightedAuc(scores: Float64Array, positive: Uint8Array, weights: Float64Array): number {
  const n = scores.length;
  const distinct = scores.slice().sort();
  let d = 0;
  for (let i = 0; i < n; i++) if (d === 0 || distinct[i] !== distinct[d - 1]) distinct[d++] = distinct[i];
  const pos = new Float64Array(d);
  const neg = new Float64Array(d);
  for (let i = 0; i < n; i++) {
    const s = scores[i];
    let lo = 0;
    let hi = d - 1;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (distinct[mid] < s) lo = mid + 1;
      else hi = mid;
    }
    if (positive[i] === 1) pos[lo] += weights[i];
    else neg[lo] += weights[i];
  }
  let below = 0; // weight of the negatives scored lower
  let u = 0;
  let positives = 0;
  for (let r = 0; r < d; r++) {
    u += pos[r] * (below + neg[r] / 2);
    below += neg[r];
    positives += pos[r];
  }
  return positives > 0 && below > 0 ? u / (positives * below) : NaN;
}

/** The reservoir of a `StreamingAuc`: scores and positive flags (1/0) in slot order. */
export interface StreamingAucState {
  readonly capacity: number;
  readonly seen: number;
  readonly rngState: number;
  readonly scores: Float64Array;
  readonly positive: Uint8Array;
}

/**
 * A multiset of scores, sorted lazily: additions and removals are queued, and `sorted()` sorts
 * the queues with the typed arrays' native numeric sort and merges them into the sorted array.
 */
class SortedScores {
  private values = new Float64Array(16);
  private spare = new Float64Array(16);
  private size = 0;
  private added = new Float64Array(16);
  private addedN = 0;
  private removed = new Float64Array(16);
  private removedN = 0;

  /** Changes queued since the last `sorted()`. */
  get pending(): number {
    return this.addedN + this.removedN;
  }

  add(score: number): void {
    if (this.addedN === this.added.length) this.added = growFloat64(this.added, this.addedN + 1);
    this.added[this.addedN++] = score;
  }

  /** Removes one occurrence of `score` (which must be in the multiset or queued for addition). */
  remove(score: number): void {
    if (this.removedN === this.removed.length) this.removed = growFloat64(this.removed, this.removedN + 1);
    this.removed[this.removedN++] = score;
  }

  /** The scores in ascending order (a view, valid until the next change). */
  sorted(): Float64Array {
    if (this.pending === 0) return this.values.subarray(0, this.size);
    const added = sortScores(this.added.subarray(0, this.addedN));
    const removed = sortScores(this.removed.subarray(0, this.removedN));
    // Removals cancel queued additions first (an event replaced before it was merged); what is
    // left of both is compacted in place. ±0 compare equal, which is all the AUC looks at.
    let nAdded = 0;
    let nRemoved = 0;
    let r = 0;
    for (let a = 0; a < added.length; a++) {
      const v = added[a];
      while (r < removed.length && removed[r] < v) removed[nRemoved++] = removed[r++];
      if (r < removed.length && removed[r] === v) r++;
      else added[nAdded++] = v;
    }
    while (r < removed.length) removed[nRemoved++] = removed[r++];
    const capacity = this.size + nAdded;
    if (this.spare.length < capacity) this.spare = new Float64Array(2 ** Math.ceil(Math.log2(capacity)));
    const out = this.spare;
    const values = this.values;
    let o = 0;
    let a = 0;
    r = 0;
    for (let i = 0; i < this.size; i++) {
      const v = values[i];
      if (r < nRemoved && removed[r] === v) {
        r++;
        continue;
      }
      while (a < nAdded && added[a] < v) out[o++] = added[a++];
      out[o++] = v;
    }
    while (a < nAdded) out[o++] = added[a++];
    this.spare = values;
    this.values = out;
    this.size = o;
    this.addedN = 0;
    this.removedN = 0;
    return out.subarray(0, o);
  }
}

/**
 * Queues shorter than this are sorted natively. A snapshot every 10,000 events sorts queues of a
 * few thousand, too rarely for V8 to optimize the radix sort's loops: unoptimized, it took 2.6 ms
 * for 5,000 scores where the native sort takes 0.4 ms, and 5 ms for 40,000 (native 3.3 ms); hot,
 * at 65,536 scores, it takes 2.9 ms to the native sort's 5.5 ms.
 */
const RADIX_MIN = 1 << 15;
const littleEndian = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;
/**
 * Digits of the radix sort: three per 32-bit word (bits 0–10, 11–21, 22–31), six per key. Small
 * histograms (2,048 counts) keep the fixed cost of a pass low: a snapshot sorts the ~10,000
 * scores queued since the previous one, and it runs too rarely for V8 to optimize it, where 16-bit
 * digits cost four passes over 65,536 counts each.
 */
const DIGIT_SHIFT = [0, 11, 22, 0, 11, 22];
const DIGIT_MASK = [0x7ff, 0x7ff, 0x3ff, 0x7ff, 0x7ff, 0x3ff];
const BUCKETS = 2048;
/** Scratch of `sortScores`: the six digits' histograms, and the second buffer of keys. */
const digitCounts = new Int32Array(6 * BUCKETS);
let keyScratch = new Uint32Array(0);

/**
 * Sorts `a` in place in the order of the typed arrays' native sort (ascending, −0 before +0), by
 * an LSD radix sort on the IEEE bits (keys mapped so that their unsigned order is the numeric
 * order): O(n) instead of the native sort's ~120 ns per element at 65,536 scores. Short arrays,
 * arrays with a NaN, and big-endian machines take the native sort.
 */
export function sortScores(a: Float64Array): Float64Array {
  const n = a.length;
  if (n < RADIX_MIN || !littleEndian) return a.sort();
  for (let i = 0; i < n; i++) if (a[i] !== a[i]) return a.sort();
  let src: Uint32Array<ArrayBufferLike> = new Uint32Array(a.buffer, a.byteOffset, 2 * n);
  const words = src;
  const counts = digitCounts;
  counts.fill(0);
  for (let i = 0; i < 2 * n; i += 2) {
    let lo = src[i];
    let hi = src[i + 1];
    if (hi >= 0x80000000) {
      hi = ~hi >>> 0;
      lo = ~lo >>> 0;
    } else hi = (hi | 0x80000000) >>> 0;
    src[i] = lo;
    src[i + 1] = hi;
    counts[lo & 0x7ff]++;
    counts[BUCKETS + ((lo >>> 11) & 0x7ff)]++;
    counts[2 * BUCKETS + (lo >>> 22)]++;
    counts[3 * BUCKETS + (hi & 0x7ff)]++;
    counts[4 * BUCKETS + ((hi >>> 11) & 0x7ff)]++;
    counts[5 * BUCKETS + (hi >>> 22)]++;
  }
  if (keyScratch.length < 2 * n) keyScratch = new Uint32Array(2 * n);
  let dst: Uint32Array<ArrayBufferLike> = keyScratch.subarray(0, 2 * n);
  for (let d = 0; d < 6; d++) {
    const base = d * BUCKETS;
    const word = d < 3 ? 0 : 1;
    const shift = DIGIT_SHIFT[d];
    const mask = DIGIT_MASK[d];
    if (counts[base + ((src[word] >>> shift) & mask)] === n) continue; // one digit for all
    let at = 0;
    for (let b = base; b < base + BUCKETS; b++) {
      const c = counts[b];
      counts[b] = at;
      at += c;
    }
    for (let i = 0; i < 2 * n; i += 2) {
      const o = 2 * counts[base + ((src[i + word] >>> shift) & mask)]++;
      dst[o] = src[i];
      dst[o + 1] = src[i + 1];
    }
    const t = src;
    src = dst;
    dst = t;
  }
  for (let i = 0; i < 2 * n; i += 2) {
    let lo = src[i];
    let hi = src[i + 1];
    if (hi >= 0x80000000) hi = (hi & 0x7fffffff) >>> 0;
    else {
      hi = ~hi >>> 0;
      lo = ~lo >>> 0;
    }
    words[i] = lo;
    words[i + 1] = hi;
  }
  return a;
}

/** AUC from each class's scores in ascending order: U / (P·N), NaN if a class is empty. */
function mannWhitneyAuc(pos: Float64Array, neg: Float64Array): number {
  const positives = pos.length;
  const negatives = neg.length;
  if (positives === 0 || negatives === 0) return NaN;
  let u = 0;
  let below = 0; // negatives with a score < the current positive score
  let i = 0;
  while (i < positives) {
    const s = pos[i];
    let j = i + 1;
    while (j < positives && pos[j] === s) j++;
    while (below < negatives && neg[below] < s) below++;
    let tied = 0;
    while (below + tied < negatives && neg[below + tied] === s) tied++;
    u += (j - i) * (below + tied / 2);
    i = j;
  }
  return u / (positives * negatives);
}

/**
 * Exact AUC of scores against 0/1 labels (NaN if a class is missing): the Mann–Whitney U of the
 * positives against the negatives, ties counted one half, in O(n log n). Each class's scores are
 * sorted with the typed arrays' native numeric sort (no comparator call per comparison).
 */
export function aucOf(scores: Float64Array, labels: Float64Array): number {
  const n = scores.length;
  let positives = 0;
  for (let i = 0; i < n; i++) if (labels[i] === 1) positives++;
  const pos = new Float64Array(positives);
  const neg = new Float64Array(n - positives);
  for (let i = 0, p = 0, q = 0; i < n; i++) {
    if (labels[i] === 1) pos[p++] = scores[i];
    else neg[q++] = scores[i];
  }
  return mannWhitneyAuc(pos.sort(), neg.sort());
}

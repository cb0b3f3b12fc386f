import { StateError } from '../core/errors.js';

/**
 * A count-min sketch (Cormode & Muthukrishnan, 2005) over integer keys: `depth` rows of `width`
 * counters, each row hashed independently; a key's estimate is the minimum of its counters, never
 * below its true count and above it by at most e·N/width with probability 1 − e^−depth.
 * Fixed memory, no allocation per update; the counters are allocated on the first count (a keyed
 * model whose features all fit the exact table never needs its sketch).
 */
export class CountMinSketch {
  readonly width: number;
  readonly depth: number;
  /** The counters, or null while every one is 0. */
  private counts: Float64Array | null = null;
  /** Row seeds as Int32 (the same bits as unsigned ones: the hash is all 32-bit integer ops). */
  private readonly seeds: Int32Array;
  /** width − 1 when the width is a power of two, else −1. */
  private readonly mask: number;
  private n = 0;

  constructor(width = 2048, depth = 4) {
    if (!(Number.isInteger(width) && width >= 16))
      throw new RangeError(`sketch width must be a whole number ≥ 16, got ${width}`);
    if (!(Number.isInteger(depth) && depth >= 1 && depth <= 16))
      throw new RangeError(`sketch depth must be a whole number in [1, 16], got ${depth}`);
    this.width = width;
    this.depth = depth;
    this.mask = (width & (width - 1)) === 0 && width <= 2 ** 30 ? width - 1 : -1;
    this.seeds = new Int32Array(depth);
    for (let r = 0; r < depth; r++) this.seeds[r] = Math.imul(r + 1, 0x9e3779b1) ^ 0x85ebca6b;
  }

  /** Total of all increments. */
  get total(): number {
    return this.n;
  }

  private slot(key: number, row: number): number {
    const h = mix(key ^ this.seeds[row]);
    // for a power-of-two width, the mask is the same column as the modulo, without a division
    const column = this.mask >= 0 ? h & this.mask : (h >>> 0) % this.width;
    return row * this.width + column;
  }

  private allocated(): Float64Array {
    return (this.counts ??= new Float64Array(this.width * this.depth));
  }

  add(key: number, count = 1): void {
    this.n += count;
    const counts = this.allocated();
    const mask = this.mask;
    if (mask < 0) {
      for (let r = 0; r < this.depth; r++) counts[this.slot(key, r)] += count;
      return;
    }
    // `slot` with the row's offset carried and the fields in locals (the per-occurrence path)
    const seeds = this.seeds;
    const width = this.width;
    for (let r = 0, at = 0; r < seeds.length; r++, at += width)
      counts[at + (mix(key ^ seeds[r]) & mask)] += count;
  }

  /** `add(key)` then `estimate(key)`, hashing the key once per row. */
  addEstimate(key: number): number {
    this.n += 1;
    const counts = this.allocated();
    let m = Infinity;
    for (let r = 0; r < this.depth; r++) {
      const c = ++counts[this.slot(key, r)];
      if (c < m) m = c;
    }
    return m;
  }

  estimate(key: number): number {
    const counts = this.counts;
    if (counts === null) return 0;
    let m = Infinity;
    for (let r = 0; r < this.depth; r++) {
      const c = counts[this.slot(key, r)];
      if (c < m) m = c;
    }
    return m;
  }

  /** Multiplies every counter by `factor` (ageing a reference). */
  scale(factor: number): void {
    const counts = this.counts;
    if (counts !== null) for (let i = 0; i < counts.length; i++) counts[i] *= factor;
    this.n *= factor;
  }

  /** Adds another sketch of the same shape into this one. */
  merge(other: CountMinSketch): void {
    if (other.width !== this.width || other.depth !== this.depth)
      throw new RangeError('sketches differ in shape');
    const theirs = other.counts;
    if (theirs !== null) {
      const counts = this.allocated();
      for (let i = 0; i < counts.length; i++) counts[i] += theirs[i];
    }
    this.n += other.n;
  }

  /** Copies another sketch of the same shape into this one. */
  copyFrom(other: CountMinSketch): void {
    if (other.counts === null) this.counts?.fill(0);
    else this.allocated().set(other.counts);
    this.n = other.n;
  }

  /**
   * The counters: sparse (`at`, `counts` of the non-zero ones) when that is smaller, else dense
   * (`at` null): a sketch of a few hundred features is a few kilobytes, not `width·depth` doubles.
   */
  state(): CountMinSketchState {
    const all = this.counts ?? new Float64Array(0);
    let nonZero = 0;
    for (let i = 0; i < all.length; i++) if (all[i] !== 0) nonZero++;
    if (nonZero * 12 >= this.width * this.depth * 8) {
      return { width: this.width, depth: this.depth, total: this.n, at: null, counts: all.slice() };
    }
    const at = new Int32Array(nonZero);
    const counts = new Float64Array(nonZero);
    for (let i = 0, k = 0; i < all.length; i++) {
      if (all[i] === 0) continue;
      at[k] = i;
      counts[k++] = all[i];
    }
    return { width: this.width, depth: this.depth, total: this.n, at, counts };
  }

  restore(state: CountMinSketchState): void {
    if (state.width !== this.width || state.depth !== this.depth) {
      throw new StateError(
        `sketch checkpoint is ${state.width} × ${state.depth} but the configuration says ${this.width} × ${this.depth}`,
      );
    }
    const { at, counts } = state;
    const size = this.width * this.depth;
    if (
      !(counts instanceof Float64Array) ||
      (at === null
        ? counts.length !== size
        : !(at instanceof Int32Array) || at.length !== counts.length || at.some((i) => !(i >= 0 && i < size)))
    ) {
      throw new StateError('sketch checkpoint is malformed (counter arrays)');
    }
    this.counts = null;
    if (at === null) this.allocated().set(counts);
    else if (at.length > 0) {
      const mine = this.allocated();
      for (let k = 0; k < at.length; k++) mine[at[k]] = counts[k];
    }
    this.n = state.total;
  }

  clear(): void {
    this.counts?.fill(0);
    this.n = 0;
  }
}

/** The finalizer of MurmurHash3 (fmix32) on a key xor a row's seed, as an Int32. */
function mix(h: number): number {
  h = Math.imul(h ^ (h >>> 16), 0x85ebca6b);
  h = Math.imul(h ^ (h >>> 13), 0xc2b2ae35);
  return h ^ (h >>> 16);
}

/** Counters of a `CountMinSketch`, dense (`at` null) or as non-zero positions and values. */
export interface CountMinSketchState {
  readonly width: number;
  readonly depth: number;
  readonly total: number;
  readonly at: Int32Array | null;
  readonly counts: Float64Array;
}

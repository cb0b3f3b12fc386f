/**
 * A count-min sketch (Cormode & Muthukrishnan, 2005) over integer keys: `depth` rows of `width`
 * counters, each row hashed independently; a key's estimate is the minimum of its counters, never
 * below its true count and above it by at most e·N/width with probability 1 − e^−depth.
 * Fixed memory, no allocation per update.
 */
export class CountMinSketch {
  readonly width: number;
  readonly depth: number;
  private readonly counts: Float64Array;
  private readonly seeds: Uint32Array;
  private n = 0;

  constructor(width = 2048, depth = 4) {
    if (!(Number.isInteger(width) && width >= 16))
      throw new RangeError(`sketch width must be a whole number ≥ 16, got ${width}`);
    if (!(Number.isInteger(depth) && depth >= 1 && depth <= 16))
      throw new RangeError(`sketch depth must be a whole number in [1, 16], got ${depth}`);
    this.width = width;
    this.depth = depth;
    this.counts = new Float64Array(width * depth);
    this.seeds = new Uint32Array(depth);
    for (let r = 0; r < depth; r++) this.seeds[r] = (Math.imul(r + 1, 0x9e3779b1) ^ 0x85ebca6b) >>> 0;
  }

  /** Total of all increments. */
  get total(): number {
    return this.n;
  }

  private slot(key: number, row: number): number {
    let h = (key ^ this.seeds[row]) >>> 0;
    h = Math.imul(h ^ (h >>> 16), 0x85ebca6b);
    h = Math.imul(h ^ (h >>> 13), 0xc2b2ae35);
    h ^= h >>> 16;
    return row * this.width + ((h >>> 0) % this.width);
  }

  add(key: number, count = 1): void {
    this.n += count;
    for (let r = 0; r < this.depth; r++) this.counts[this.slot(key, r)] += count;
  }

  estimate(key: number): number {
    let m = Infinity;
    for (let r = 0; r < this.depth; r++) {
      const c = this.counts[this.slot(key, r)];
      if (c < m) m = c;
    }
    return m;
  }

  /** Multiplies every counter by `factor` (ageing a reference). */
  scale(factor: number): void {
    for (let i = 0; i < this.counts.length; i++) this.counts[i] *= factor;
    this.n *= factor;
  }

  /** Adds another sketch of the same shape into this one. */
  merge(other: CountMinSketch): void {
    if (other.width !== this.width || other.depth !== this.depth)
      throw new RangeError('sketches differ in shape');
    for (let i = 0; i < this.counts.length; i++) this.counts[i] += other.counts[i];
    this.n += other.n;
  }

  /** Copies another sketch of the same shape into this one. */
  copyFrom(other: CountMinSketch): void {
    this.counts.set(other.counts);
    this.n = other.n;
  }

  clear(): void {
    this.counts.fill(0);
    this.n = 0;
  }
}

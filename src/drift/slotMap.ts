/**
 * A `Map` from column index to slot (both whole numbers ≥ 0) with a direct-mapped cache of
 * recent lookups in front of it, for the drift detectors that look up every active feature of
 * every event: a hit is two typed-array reads instead of a hash-table probe. The cache is only a
 * copy of entries of the map (kept in step by `set`, `delete` and `clear`), so everything reads
 * as the `Map` would; iteration, `size` and `has` are the `Map`'s own.
 */
export class SlotMap extends Map<number, number> {
  private readonly cachedKeys: Int32Array;
  private readonly cachedSlots: Int32Array;
  private readonly mask: number;

  /** `cacheSize`: entries in the cache, a power of two. */
  constructor(cacheSize = 4096) {
    super();
    if (!(cacheSize >= 1 && Number.isInteger(Math.log2(cacheSize))))
      throw new RangeError(`cacheSize must be a power of two, got ${cacheSize}`);
    this.cachedKeys = new Int32Array(cacheSize).fill(-1);
    this.cachedSlots = new Int32Array(cacheSize);
    this.mask = cacheSize - 1;
  }

  override get(key: number): number | undefined {
    const i = key & this.mask;
    if (this.cachedKeys[i] === key && key >= 0) return this.cachedSlots[i];
    const slot = super.get(key);
    if (slot !== undefined && cacheable(key) && cacheable(slot)) {
      this.cachedKeys[i] = key;
      this.cachedSlots[i] = slot;
    }
    return slot;
  }

  override set(key: number, slot: number): this {
    super.set(key, slot);
    const i = key & this.mask;
    if (this.cachedKeys[i] === key) {
      if (cacheable(slot)) this.cachedSlots[i] = slot;
      else this.cachedKeys[i] = -1;
    }
    return this;
  }

  override delete(key: number): boolean {
    const i = key & this.mask;
    if (this.cachedKeys[i] === key) this.cachedKeys[i] = -1;
    return super.delete(key);
  }

  override clear(): void {
    super.clear();
    this.cachedKeys.fill(-1);
  }
}

/** Fits an Int32Array cell as itself (and is not the empty marker, -1). */
function cacheable(n: number): boolean {
  return (n | 0) === n && n >= 0;
}

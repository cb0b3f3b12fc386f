/**
 * A `Map` from column index to slot with an index in front of it, for the drift detectors that
 * look up every active feature of every event: keys that fit an Int32Array cell (whole numbers
 * in [0, 2^31)) are also in an open-addressing hash table (linear probing, key and slot side by
 * side in one Int32Array, at most half full), so a lookup, found or not, is a probe or two in one
 * typed array instead of a hash-table probe in the `Map`. The index holds every such entry (kept
 * in step by `set`, `delete` and `clear`), so everything reads as the `Map` would; iteration,
 * `size` and `has` are the `Map`'s own. Other keys, and slots that do not fit a cell, are only in
 * the `Map`.
 */
export class SlotMap extends Map<number, number> {
  /** Cell i is cells[2i] (key, or EMPTY) and cells[2i + 1] (its slot, or ODD: ask the Map). */
  private cells: Int32Array;
  private mask: number;
  private shift: number;
  private indexed = 0;
  /** Counts `set`, `delete` and `clear` calls: a slot looked up earlier is current while it holds. */
  changes = 0;

  /** `initialSize`: cells the index starts with, a power of two (it doubles as entries come). */
  constructor(initialSize = 64) {
    super();
    if (!(initialSize >= 2 && Number.isInteger(Math.log2(initialSize))))
      throw new RangeError(`initialSize must be a power of two ≥ 2, got ${initialSize}`);
    this.cells = new Int32Array(2 * initialSize).fill(EMPTY);
    this.mask = initialSize - 1;
    this.shift = 32 - Math.log2(initialSize);
  }

  /** `get(key) ?? -1` (slots are never negative). */
  slotOf(key: number): number {
    if (!cacheable(key)) return super.get(key) ?? -1;
    const cells = this.cells;
    for (let i = this.home(key); ; i = (i + 1) & this.mask) {
      const k = cells[2 * i];
      if (k === key) {
        const slot = cells[2 * i + 1];
        return slot === ODD ? (super.get(key) ?? -1) : slot;
      }
      if (k === EMPTY) return -1;
    }
  }

  override get(key: number): number | undefined {
    if (!cacheable(key)) return super.get(key);
    const cells = this.cells;
    for (let i = this.home(key); ; i = (i + 1) & this.mask) {
      const k = cells[2 * i];
      if (k === key) {
        const slot = cells[2 * i + 1];
        return slot === ODD ? super.get(key) : slot;
      }
      if (k === EMPTY) return undefined;
    }
  }

  override set(key: number, slot: number): this {
    this.changes++;
    super.set(key, slot);
    if (!cacheable(key)) return this;
    const value = cacheable(slot) ? slot : ODD;
    let i = this.home(key);
    for (; ; i = (i + 1) & this.mask) {
      const k = this.cells[2 * i];
      if (k === key) {
        this.cells[2 * i + 1] = value;
        return this;
      }
      if (k === EMPTY) break;
    }
    if (2 * (this.indexed + 1) > this.mask + 1) {
      this.grow();
      this.insert(key, value);
    } else {
      this.cells[2 * i] = key;
      this.cells[2 * i + 1] = value;
    }
    this.indexed++;
    return this;
  }

  override delete(key: number): boolean {
    this.changes++;
    if (cacheable(key)) this.unindex(key);
    return super.delete(key);
  }

  override clear(): void {
    this.changes++;
    super.clear();
    this.cells.fill(EMPTY);
    this.indexed = 0;
  }

  /** The cell a key's probe starts at (Fibonacci hashing: consecutive keys spread). */
  private home(key: number): number {
    return Math.imul(key, 0x9e3779b1) >>> this.shift;
  }

  private insert(key: number, value: number): void {
    let i = this.home(key);
    while (this.cells[2 * i] !== EMPTY) i = (i + 1) & this.mask;
    this.cells[2 * i] = key;
    this.cells[2 * i + 1] = value;
  }

  /** Removes `key` from the index, moving later entries of its run back (no tombstones). */
  private unindex(key: number): void {
    const cells = this.cells;
    const mask = this.mask;
    let i = this.home(key);
    for (; ; i = (i + 1) & mask) {
      const k = cells[2 * i];
      if (k === key) break;
      if (k === EMPTY) return;
    }
    this.indexed--;
    // backward-shift deletion: an entry of the run after the hole moves into it unless its
    // home lies cyclically in (hole, its cell]
    for (let j = (i + 1) & mask; ; j = (j + 1) & mask) {
      const k = cells[2 * j];
      if (k === EMPTY) break;
      if (((j - this.home(k)) & mask) >= ((j - i) & mask)) {
        cells[2 * i] = k;
        cells[2 * i + 1] = cells[2 * j + 1];
        i = j;
      }
    }
    cells[2 * i] = EMPTY;
  }

  private grow(): void {
    const old = this.cells;
    const size = 2 * (this.mask + 1);
    this.cells = new Int32Array(2 * size).fill(EMPTY);
    this.mask = size - 1;
    this.shift--;
    for (let c = 0; c < old.length; c += 2) if (old[c] !== EMPTY) this.insert(old[c], old[c + 1]);
  }
}

const EMPTY = -1;
/** The slot does not fit a cell: the Map has it. */
const ODD = -1;

/** Fits an Int32Array cell as itself (and is not the empty marker, -1). */
function cacheable(n: number): boolean {
  return (n | 0) === n && n >= 0;
}

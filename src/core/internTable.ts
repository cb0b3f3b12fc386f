/** Distinct strings an `InternTable` holds at most, by default. */
export const DEFAULT_INTERN_CAPACITY = 1 << 20;

/** Strings longer than this are never interned (names are short). */
export const MAX_INTERNED_LENGTH = 64;

/**
 * Gives each distinct short string read from text a stable small integer id (0, 1, 2, ... in the
 * order first seen) and keeps one instance of it, so that readers hand out the same string and
 * consumers can index arrays by id instead of hashing the string (`Featurizer`).
 *
 * Open addressing on the hash the reader computed while scanning the characters. Ids are never
 * reused or reassigned: once `capacity` strings are held, a new string gets no id (-1) and goes
 * the plain way. An id is only meaningful with the table that gave it (`ListedEvent.idSource`).
 */
export class InternTable {
  readonly capacity: number;
  /** The strings by id. */
  private readonly strings: string[] = [];
  /**
   * Per slot, two words: 0 (empty) or a string's id + 1 in the low `idBits` bits and the high bits
   * of its scan hash above them (compared before its characters); then where its record starts in
   * `units`. A hit reads the slot and the record (its length and units side by side): two cache
   * lines, where a lookup through the id (slot, then the id's start, then the units) read three.
   */
  private slots = new Int32Array(2 * 512);
  private mask = 511;
  /** The bits of a slot that hold id + 1 (`capacity` fits), and the hash bits above them. */
  private readonly idMask: number;
  /** The strings' scan hashes by id (to place them again when the table grows). */
  private hashes = new Int32Array(1024);
  /**
   * The strings' records end to end: a string's length, then its UTF-16 units. Lookups compare
   * these, not the string's own object (strings lie scattered on the heap: a cache miss each).
   */
  private units = new Uint16Array(4096);
  /** Units in use. */
  private unitsEnd = 0;
  /** Where each string's record starts in `units`, by id. */
  private records = new Int32Array(1024);
  /** `idOf`'s copy of the units it looks up. */
  private readonly scratch = new Uint16Array(MAX_INTERNED_LENGTH);

  /** The bits of `scanHash` its readers keep (tests: 0 makes every string collide). */
  hashMask = -1;
  /**
   * Set by a consumer that hashes names as a hashed vocabulary of this seed does (a hashed
   * featurizer): readers that gave ids from this table then give `LineEvent`s with those hashes.
   */
  nameHashSeed: number | null = null;

  constructor(capacity = DEFAULT_INTERN_CAPACITY) {
    if (!(Number.isInteger(capacity) && capacity >= 0 && capacity <= 1 << 28)) {
      throw new RangeError(`intern capacity must be a whole number in 0..2^28, got ${capacity}`);
    }
    this.capacity = capacity;
    const idBits = Math.max(1, 32 - Math.clz32(capacity));
    this.idMask = idBits >= 32 ? -1 : (1 << idBits) - 1;
  }

  /** Strings held (the next id). */
  get size(): number {
    return this.strings.length;
  }

  /** The string of `id` (0 <= id < size). */
  stringOf(id: number): string {
    return this.strings[id];
  }

  /**
   * The id of `text[start, end)`, whose characters hash to `hash`, adding it if new and there is
   * room; -1 if it is too long or the table is full and does not hold it. The characters must be
   * the string's own (no escapes).
   */
  idOf(text: string, start: number, end: number, hash: number): number {
    const length = end - start;
    if (length > MAX_INTERNED_LENGTH) return -1;
    const scratch = this.scratch;
    for (let i = 0; i < length; i++) scratch[i] = text.charCodeAt(start + i);
    return this.find(scratch, 0, text, start, end, hash);
  }

  /**
   * `idOf(text, start, end, …)` with the readers' hash (`scanHash` & `hashMask`), for a caller
   * without the text's hash at hand.
   */
  intern(text: string, start: number, end: number): number {
    const length = end - start;
    if (length > MAX_INTERNED_LENGTH) return -1;
    // `idOf`'s copy, with `scanHash` in the same pass
    const scratch = this.scratch;
    let h = 0x811c9dc5;
    for (let i = 0; i < length; i++) {
      const c = text.charCodeAt(start + i);
      scratch[i] = c;
      h = Math.imul(h ^ c, 0x01000193);
    }
    return this.find(scratch, 0, text, start, end, h & this.hashMask);
  }

  /**
   * `idOf` for a reader that holds the text's UTF-16 code units in `codes` (at the same
   * positions): it compares those, since reading a typed array costs less than `charCodeAt` on a
   * line (itself a slice of a larger chunk).
   */
  idOfCodes(codes: Uint16Array, text: string, start: number, end: number, hash: number): number {
    if (end - start > MAX_INTERNED_LENGTH) return -1;
    return this.find(codes, start, text, start, end, hash);
  }

  /** True if string `id` is `codes[from, from + length)` (unit for unit). */
  matches(id: number, codes: Uint16Array, from: number, length: number): boolean {
    const at = this.records[id];
    const units = this.units;
    if (units[at] !== length) return false;
    let i = 0;
    while (i < length && units[at + 1 + i] === codes[from + i]) i++;
    return i === length;
  }

  /** The lookup of `text[start, end)`, whose units are `codes` from `from` on. */
  private find(
    codes: Uint16Array,
    from: number,
    text: string,
    start: number,
    end: number,
    hash: number,
  ): number {
    const length = end - start;
    hash |= 0;
    const slots = this.slots;
    const mask = this.mask;
    const idMask = this.idMask;
    const tag = hash & ~idMask;
    let slot = (hash ^ (hash >>> 15)) & mask;
    for (let e = slots[2 * slot]; e !== 0; e = slots[2 * slot]) {
      if ((e & ~idMask) === tag) {
        const at = slots[2 * slot + 1];
        const units = this.units;
        if (units[at] === length) {
          let i = 0;
          while (i < length && units[at + 1 + i] === codes[from + i]) i++;
          if (i === length) return (e & idMask) - 1;
        }
      }
      slot = (slot + 1) & mask;
    }
    return this.add(text, start, end, hash, slot);
  }

  /** Adds `text[start, end)` (not held; `slot` is the empty slot its probe ended on), if there is room. */
  private add(text: string, start: number, end: number, hash: number, slot: number): number {
    const id = this.strings.length;
    if (id >= this.capacity) return -1;
    this.strings.push(flatSlice(text, start, end));
    if (id + 1 > this.records.length) {
      const records = new Int32Array(2 * this.records.length);
      records.set(this.records);
      this.records = records;
      const hashes = new Int32Array(2 * this.hashes.length);
      hashes.set(this.hashes);
      this.hashes = hashes;
    }
    const at = this.unitsEnd;
    const length = end - start;
    if (at + 1 + length > this.units.length) {
      const units = new Uint16Array(2 * this.units.length);
      units.set(this.units);
      this.units = units;
    }
    this.units[at] = length;
    for (let i = 0; i < length; i++) this.units[at + 1 + i] = text.charCodeAt(start + i);
    this.unitsEnd = at + 1 + length;
    this.records[id] = at;
    this.hashes[id] = hash;
    this.slots[2 * slot] = (hash & ~this.idMask) | (id + 1);
    this.slots[2 * slot + 1] = at;
    // at most 3/4 full: probes stay short (1.18 slots a lookup on sparse ids at 61 %, mostly in one cache line)
    if (4 * (id + 1) > 3 * (this.mask + 1)) this.rehash(2 * (this.mask + 1));
    return id;
  }

  private rehash(size: number): void {
    const slots = new Int32Array(2 * size);
    const mask = size - 1;
    const hashes = this.hashes;
    const idMask = this.idMask;
    for (let id = 0; id < this.strings.length; id++) {
      const hash = hashes[id];
      let slot = (hash ^ (hash >>> 15)) & mask;
      while (slots[2 * slot] !== 0) slot = (slot + 1) & mask;
      slots[2 * slot] = (hash & ~idMask) | (id + 1);
      slots[2 * slot + 1] = this.records[id];
    }
    this.slots = slots;
    this.mask = mask;
  }
}

/** The hash readers give an `InternTable` for `text[start, end)`: FNV-1a over its UTF-16 units. */
export function scanHash(text: string, start: number, end: number): number {
  let h = 0x811c9dc5;
  for (let i = start; i < end; i++) h = Math.imul(h ^ text.charCodeAt(i), 0x01000193);
  return h;
}

/**
 * `text.slice(start, end)` as a string of its own: V8 makes a slice of 13 characters or more a
 * view that keeps its whole parent (a line, itself a view of a 1 MiB chunk) alive, and interned
 * strings live as long as the table. No quotes or escapes inside.
 */
export function flatSlice(text: string, start: number, end: number): string {
  if (end - start < 13) return text.slice(start, end);
  return JSON.parse(`"${text.slice(start, end)}"`) as string;
}

/** Distinct `field=value` pairs a `PairTable` holds at most, by default. */
export const DEFAULT_PAIR_CAPACITY = 1 << 20;

/** Distinct values a `PairTable` interns at most, by default (a small table stays in cache). */
export const DEFAULT_VALUE_CAPACITY = 1 << 16;

/**
 * Gives each distinct pair of a field (by its id in `names`) and a short string value (by its id
 * in `values`) a stable small id (0, 1, 2, ... in the order first seen), so that a featurizer
 * keeps what it derives from a one-hot `field=value` (its hash, its column, whether it is a
 * missing value) in arrays indexed by the pair's id and derives it once.
 *
 * A reader finds the value's id first (`values`, small: it stays in cache), then the pair's by
 * the two ids alone: a probe reads one slot of four words and compares integers. Ids are never
 * reused: once `capacity` pairs are held, a new pair gets no id (-1).
 *
 * Finding pairs costs a reader a probe of a table as large as the stream has pairs (a cache miss
 * each, measured more than hashing `field=value` again on a stream of 500k pairs), so a reader
 * finds them only once a consumer that uses them says so (`used`).
 */
export class PairTable {
  readonly capacity: number;
  /** Set by a consumer that uses pair ids (an exact vocabulary's featurizer); until then readers give none. */
  used = false;
  /** The values' strings (at most `valueCapacity`). */
  readonly values: InternTable;
  /** Per slot, at 4 * slot: the pair's id + 1 (0: empty), its field id, its value id, unused. */
  private slots = new Int32Array(4096);
  private mask = 1023;
  /** Pairs in `slots`. */
  private tableSize = 0;
  size = 0;
  /**
   * Per field id, the ids + 1 of its pairs by value id (0: none yet), while they fit
   * `denseBudget` (null: the field's pairs are in `slots`): a field's values are few (`values` is
   * small), so a lookup reads one word of a small array instead of probing a table as large as
   * the stream has pairs. The same ids either way.
   */
  private readonly dense: Array<Int32Array | null | undefined> = [];
  /** Entries the dense arrays may still take (by default 16 MB in all; 0: none). */
  private denseBudget: number;
  /** Fields with an id beyond this are never dense (the list stays short). */
  private readonly maxDenseFields = 1 << 20;

  /**
   * `names`: the table the field ids are from (`idSource` of the events read with this table).
   * `hashMask` is for tests: the bits of a pair's hash kept (0: every pair probes the same slots);
   * `denseBudget`: entries of the fields' dense arrays in all (tests: 0, every pair in the table).
   */
  constructor(
    readonly names: InternTable,
    capacity = DEFAULT_PAIR_CAPACITY,
    valueCapacity = DEFAULT_VALUE_CAPACITY,
    private readonly hashMask = -1,
    denseBudget = DENSE_BUDGET,
  ) {
    if (!(Number.isInteger(capacity) && capacity >= 0 && capacity <= 1 << 28)) {
      throw new RangeError(`pair capacity must be a whole number in 0..2^28, got ${capacity}`);
    }
    this.capacity = capacity;
    this.denseBudget = denseBudget;
    this.values = new InternTable(valueCapacity);
  }

  /**
   * The id of the pair of field `fieldId` and value `valueId`, adding it if new and there is
   * room; -1 if the table is full and does not hold it.
   */
  idOf(fieldId: number, valueId: number): number {
    const dense = this.dense[fieldId];
    if (dense !== undefined && dense !== null) {
      if (valueId < dense.length) {
        const e = dense[valueId];
        if (e !== 0) return e - 1;
        if (this.size >= this.capacity) return -1;
        const id = this.size++;
        dense[valueId] = id + 1;
        return id;
      }
      // a larger array, or (over the budget) the field's pairs into the table
      if (this.widen(fieldId, dense, valueId)) return this.idOf(fieldId, valueId);
    } else if (dense === undefined && fieldId < this.maxDenseFields) {
      this.dense[fieldId] = this.denseBudget >= MIN_DENSE ? this.allocate(MIN_DENSE) : null;
      return this.idOf(fieldId, valueId);
    }
    return this.probe(fieldId, valueId);
  }

  /** `dense` (field `fieldId`'s) made long enough for `valueId`, or its pairs moved to the table (false). */
  private widen(fieldId: number, dense: Int32Array, valueId: number): boolean {
    let length = 2 * dense.length;
    while (length <= valueId) length *= 2;
    if (length - dense.length <= this.denseBudget) {
      const wider = this.allocate(length);
      wider.set(dense);
      this.denseBudget += dense.length;
      this.dense[fieldId] = wider;
      return true;
    }
    this.dense[fieldId] = null;
    this.denseBudget += dense.length;
    for (let v = 0; v < dense.length; v++) if (dense[v] !== 0) this.insert(fieldId, v, dense[v] - 1);
    return false;
  }

  private allocate(length: number): Int32Array {
    this.denseBudget -= length;
    return new Int32Array(length);
  }

  /** `idOf` by the table. */
  private probe(fieldId: number, valueId: number): number {
    const slots = this.slots;
    const mask = this.mask;
    let slot = slotOfPair(fieldId, valueId, this.hashMask & mask);
    for (let e = slots[4 * slot]; e !== 0; e = slots[4 * slot]) {
      if (slots[4 * slot + 1] === fieldId && slots[4 * slot + 2] === valueId) return e - 1;
      slot = (slot + 1) & mask;
    }
    if (this.size >= this.capacity) return -1;
    const id = this.size++;
    this.fill(slot, fieldId, valueId, id);
    return id;
  }

  /** Enters pair `id` (not in the table) into the table. */
  private insert(fieldId: number, valueId: number, id: number): void {
    const slots = this.slots;
    const mask = this.mask;
    let slot = slotOfPair(fieldId, valueId, this.hashMask & mask);
    while (slots[4 * slot] !== 0) slot = (slot + 1) & mask;
    this.fill(slot, fieldId, valueId, id);
  }

  private fill(slot: number, fieldId: number, valueId: number, id: number): void {
    const slots = this.slots;
    slots[4 * slot] = id + 1;
    slots[4 * slot + 1] = fieldId;
    slots[4 * slot + 2] = valueId;
    // at most half full: probes stay short
    if (2 * ++this.tableSize > this.mask) this.rehash();
  }

  private rehash(): void {
    const old = this.slots;
    const count = 2 * (this.mask + 1);
    const slots = new Int32Array(4 * count);
    const mask = count - 1;
    for (let k = 0; k < old.length; k += 4) {
      if (old[k] === 0) continue;
      let slot = slotOfPair(old[k + 1], old[k + 2], this.hashMask & mask);
      while (slots[4 * slot] !== 0) slot = (slot + 1) & mask;
      slots[4 * slot] = old[k];
      slots[4 * slot + 1] = old[k + 1];
      slots[4 * slot + 2] = old[k + 2];
    }
    this.slots = slots;
    this.mask = mask;
  }
}

/** Entries of `PairTable`'s dense arrays in all, and the length of the first one of a field. */
const DENSE_BUDGET = 1 << 22;
const MIN_DENSE = 256;

function slotOfPair(fieldId: number, valueId: number, mask: number): number {
  const h = Math.imul(Math.imul(fieldId, 0x9e3779b1) ^ valueId, 0x85ebca6b);
  return (h ^ (h >>> 15)) & mask;
}

import { optionKeyProblems } from '../config/optionKeys.js';
import { shownValue } from '../config/unknownKey.js';
import { ConfigError, StateError, type ConfigProblem } from '../core/errors.js';
import { growInt32 } from '../core/sparse.js';
import { Murmur3 } from './murmur3.js';

/**
 * Maps feature names (docs/conventions.md, events: `age`, `country=DE`) to column indices. Two kinds:
 * - `ExactVocabulary`: every distinct name gets its own index (the default; grows as names appear);
 * - `HashedVocabulary`: the hashing trick, index = murmur3(name) mod 2^bits, with a bounded table
 *   of names for the indices in use and collision reporting.
 *
 * Lookups take the name in pieces (`field`, optional `value`) so that no string is built per event.
 */
export interface Vocabulary {
  /** Number of columns: grows for exact vocabularies, 2^bits for hashed ones. */
  readonly dimension: number;
  readonly hashed: boolean;
  /**
   * Column of a numeric/boolean feature named `field`, or of the one-hot `field=value`; -1 for a
   * new name when an exact vocabulary is full (`maxFeatures`).
   */
  indexOf(field: string, value?: string): number;
  /** The feature name of a column (for hashed columns, the first name seen there). */
  nameOf(index: number): string;
  /**
   * The field of `nameOf(index)` when that is a one-hot `field=value`, without building the name;
   * null for a numeric column or one without a name.
   */
  fieldOf?(index: number): string | null;
  /** True when the column has a name on record. */
  hasName(index: number): boolean;
  /**
   * Optional: false when no two columns with a name on record (`hasName`) have the same name, so a
   * model's coefficients can be told apart by name without comparing names (absent: they may).
   */
  readonly namesMayRepeat?: boolean;
  /**
   * Optional: writes the drift field code (`FIELD_UNKNOWN`, `FIELD_NONE` or an index of
   * `fieldNames`) of each column `indices[0, n)` to `out[at ..]`: the field of `nameOf(column)`
   * up to its first `=`, recorded when the column was named (the learning thread reads it while
   * the column's vocabulary entry is in cache; a drift detector groups columns by it).
   */
  fieldCodes?(indices: Int32Array, n: number, out: Int32Array, at: number): void;
  /** With `fieldCodes`: the field of each code ≥ `FIELD_FIRST` (the array grows in place). */
  readonly fieldNames?: readonly string[];
  /**
   * Collisions seen (hashed only): distinct names that landed on an already named column (a lower
   * bound beyond 2^20 distinct colliding names).
   */
  readonly collisions: number;
  /** Up to `limit` collisions as `[index, kept name, colliding name]`. */
  collisionExamples(limit?: number): Array<readonly [number, string, string]>;
  /** Drops names of columns for which `keep` is false (hashed only; bounded name table). */
  prune(keep: (index: number) => boolean): number;
  /** Serializable state. */
  state(): VocabularyState;
  /**
   * Optional: lookups bound to one field, for featurizers that see the same fields in every
   * event. They return what `indexOf` returns (with the same effects) without finding the
   * field's entry each time. Vocabularies whose indices can be cached offer it.
   */
  forField?(field: string): FieldColumns;
}

/** Names in pieces, built on demand (`HashedVocabulary.lookupFrom`): feature k's name, string `s`. */
export interface NameSource {
  nameAt(k: number): string;
  stringAt(s: number): string;
}

/** The columns of one field (`Vocabulary.forField`). */
export interface FieldColumns {
  /** `indexOf(field)`: the column of the numeric/boolean feature. */
  numeric(): number;
  /** `indexOf(field, value)`: the column of the one-hot `field=value`. */
  oneHot(value: string): number;
}

/** `fn: key` must be a whole number >= min (`more`: what else it may be). */
function wholeProblem(fn: string, key: string, value: unknown, min: number, more: string): ConfigProblem {
  return {
    path: `${fn}: ${key}`,
    message: `must be a whole number >= ${min}${more !== '' ? ` ${more}` : ''}, got ${shownValue(value)}`,
  };
}

/**
 * A vocabulary's state: its named columns, in the table's order, as parallel arrays (column index,
 * field, one-hot value or null), so that no name is ever an object key.
 */
export interface VocabularyState {
  readonly kind: 'exact' | 'hashed';
  readonly bits?: number;
  readonly seed?: number;
  readonly indices: Int32Array;
  readonly fields: readonly string[];
  readonly values: ReadonlyArray<string | null>;
  /** Hashed: collisions counted so far. */
  readonly collisions?: number;
  /** Hashed: full hashes of the names counted as collisions (each name is counted once). */
  readonly collided?: Uint32Array;
  /** Hashed: the collision examples kept, `[index, kept name, colliding name]`. */
  readonly collisionExamples?: ReadonlyArray<readonly [number, string, string]>;
  /**
   * Hashed with columns as seen (`HashedVocabularyOptions.compact`): each column's bucket, in
   * column order (absent: a column is its bucket).
   */
  readonly columnBuckets?: Int32Array;
}

/** Checks the parallel arrays of a vocabulary state. */
function checkNames(state: VocabularyState): void {
  const { indices, fields, values } = state;
  if (!(indices instanceof Int32Array) || !Array.isArray(fields) || !Array.isArray(values)) {
    throw new StateError('vocabulary checkpoint needs indices (Int32Array), fields and values (arrays)');
  }
  if (fields.length !== indices.length || values.length !== indices.length) {
    throw new StateError(
      `vocabulary checkpoint has ${indices.length} indices, ${fields.length} fields and ${values.length} values`,
    );
  }
}

/** A drift field code: ask the column's name (`nameOf`). */
export const FIELD_UNKNOWN = 0;
/** A drift field code: the column's name has no `=` (a number). */
export const FIELD_NONE = 1;
/** Drift field codes from this on are fields (`Vocabulary.fieldNames[code]`). */
export const FIELD_FIRST = 2;

/** The drift field codes of names (`Vocabulary.fieldCodes`): each field up to its first `=`, once. */
class FieldCodes {
  readonly names: string[] = ['', ''];
  private readonly codes = new Map<string, number>();
  /** The last one-hot field coded, and its code (names come field by field). */
  private lastField = '';
  private lastCode = FIELD_UNKNOWN;

  /** The code of the name `field` (value null) or `field=value`: what its first `=` ends. */
  codeOf(field: string, value: string | null | undefined): number {
    if (value !== null && value !== undefined && field === this.lastField && this.lastCode !== FIELD_UNKNOWN)
      return this.lastCode;
    const eq = field.indexOf('=');
    if (eq < 0 && (value === null || value === undefined)) return FIELD_NONE;
    const cut = eq < 0 ? field : field.slice(0, eq);
    let code = this.codes.get(cut);
    if (code === undefined) {
      code = this.names.length;
      this.names.push(cut);
      this.codes.set(cut, code);
    }
    if (eq < 0) {
      this.lastField = field;
      this.lastCode = code;
    }
    return code;
  }
}

export function featureName(field: string, value: string | undefined | null): string {
  return value === undefined || value === null ? field : `${field}=${value}`;
}

/** What a column's name comes from, in a warning: `number field "a=b"`, `value "b" of field "a"`. */
function describeSource(field: string, value: string | null): string {
  return value === null
    ? `the number (or boolean) field ${JSON.stringify(field)}`
    : `the value ${JSON.stringify(value)} of the string field ${JSON.stringify(field)}`;
}

/** Two columns of an exact vocabulary with one name (a field with a '='), as `nameCollisionExamples` gives them. */
export interface NameCollision {
  readonly name: string;
  /** What the first column of that name comes from (`describeSource`). */
  readonly first: string;
  /** What the later one comes from. */
  readonly second: string;
}

/**
 * The warning for `count` name collisions of which `examples` are the first: the model still
 * learns both columns, but an output keyed by name (a snapshot's `coefficients`) shows one of them.
 */
export function nameCollisionWarning(count: number, examples: readonly NameCollision[]): string {
  const shown = examples.slice(0, 3).map((c) => `"${c.name}" is both ${c.first} and ${c.second}`);
  const more = count > shown.length ? ` (and ${count - shown.length} more)` : '';
  return (
    `${count} feature name collision(s): ${shown.join('; ')}${more}; the model learns both, but ` +
    `outputs keyed by name (coefficients) show only one of them under that name: rename the field with "=" in its name`
  );
}

/** Name collisions an exact vocabulary keeps as examples (the rest are counted). */
const NAME_COLLISION_EXAMPLES = 20;

/** Columns an exact vocabulary gives at most, by default. */
export const DEFAULT_MAX_FEATURES = 1 << 20;
/** Names a hashed vocabulary keeps at most, by default. */
export const DEFAULT_NAME_CAPACITY = 1 << 20;

export class ExactVocabulary implements Vocabulary {
  readonly hashed = false;
  readonly collisions = 0;
  /** A field has a '=': a numeric `a=b` and the one-hot level `b` of `a` are both named "a=b". */
  private fieldWithEquals = false;
  /** Columns whose name an earlier column already has (`nameCollisionExamples`). */
  nameCollisions = 0;
  private readonly collisionList: NameCollision[] = [];
  /** The fields with a '=', up to their first '=' (`a` for `a=b`): only names of those fields can collide. */
  private readonly equalsPrefixes = new Set<string>();
  /** Columns at most: a new name beyond them gets no column (`indexOf` returns -1). */
  private limit: number;
  private readonly numeric = new Map<string, number>();
  private readonly oneHot = new Map<string, Map<string, number>>();
  private readonly fields: string[] = [];
  private readonly values: Array<string | null> = [];
  /** `field=value` of one-hot columns, once asked for (`nameOf`). */
  private readonly names: Array<string | undefined> = [];
  /** Per column, its drift field code (`fieldCodes`). */
  private codes = new Int32Array(64);
  private readonly coder = new FieldCodes();
  readonly fieldNames: readonly string[] = this.coder.names;

  constructor(options: { readonly maxFeatures?: number } = {}) {
    // from plain JavaScript: `maxfeatures` or `maxFeatures: "x"` left the columns unbounded
    const problems = optionKeyProblems('ExactVocabulary', options, ['maxFeatures']);
    const max: unknown = problems.length === 0 ? options.maxFeatures : undefined;
    if (max !== undefined && max !== Infinity && !(Number.isInteger(max) && (max as number) >= 1))
      problems.push(wholeProblem('ExactVocabulary', 'maxFeatures', max, 1, 'or Infinity'));
    if (problems.length > 0) throw new ConfigError(problems);
    this.limit = options.maxFeatures ?? DEFAULT_MAX_FEATURES;
  }

  get maxFeatures(): number {
    return this.limit;
  }

  get dimension(): number {
    return this.fields.length;
  }

  indexOf(field: string, value?: string): number {
    if (value === undefined) {
      let i = this.numeric.get(field);
      if (i === undefined) {
        if (this.full) return -1;
        i = this.add(field, null);
        this.numeric.set(field, i);
      }
      return i;
    }
    return this.oneHot.get(field)?.get(value) ?? this.addOneHot(field, value);
  }

  /** The column of a name, as `indexOf`, or -1 when it has none (none is made). */
  find(field: string, value?: string): number {
    return (value === undefined ? this.numeric.get(field) : this.oneHot.get(field)?.get(value)) ?? -1;
  }

  /** `indexOf(field, value)` for a one-hot name without a column (one map lookup fewer). */
  addOneHot(field: string, value: string): number {
    if (this.full) return -1;
    let byValue = this.oneHot.get(field);
    if (byValue === undefined) {
      byValue = new Map();
      this.oneHot.set(field, byValue);
    }
    const i = this.add(field, value);
    byValue.set(value, i);
    return i;
  }

  get namesMayRepeat(): boolean {
    return this.fieldWithEquals;
  }

  /** True when no new name gets a column. */
  get full(): boolean {
    return this.fields.length >= this.limit;
  }

  /** Indices never change once given, so the field's numeric column and value map are held. */
  forField(field: string): FieldColumns {
    return new ExactFieldColumns(this, field, this.oneHot);
  }

  private add(field: string, value: string | null): number {
    const eq = field.indexOf('=');
    if (eq >= 0) {
      this.fieldWithEquals = true;
      this.equalsPrefixes.add(field.slice(0, eq));
    }
    const i = this.fields.length;
    this.fields.push(field);
    this.values.push(value);
    if (i === this.codes.length) this.codes = growInt32(this.codes, 2 * i);
    this.codes[i] = this.coder.codeOf(field, value);
    // names are unique unless a field has a '=' (`a=b` and the value `b` of `a`): this one, or one
    // that begins with this field and a '='
    if (eq >= 0 || this.equalsPrefixes.has(field)) this.checkName(field, value);
    return i;
  }

  /** Counts a new column `field` / `field=value` whose name an earlier column has (before it is entered). */
  private checkName(field: string, value: string | null): void {
    const name = featureName(field, value);
    let other: number | undefined;
    let otherField = name;
    let otherValue: string | null = null;
    if (value !== null) other = this.numeric.get(name);
    for (let p = name.indexOf('='); other === undefined && p >= 0; p = name.indexOf('=', p + 1)) {
      otherField = name.slice(0, p);
      otherValue = name.slice(p + 1);
      if (otherField !== field) other = this.oneHot.get(otherField)?.get(otherValue);
    }
    if (other === undefined) return;
    this.nameCollisions++;
    if (this.collisionList.length < NAME_COLLISION_EXAMPLES)
      this.collisionList.push({
        name,
        first: describeSource(otherField, otherValue),
        second: describeSource(field, value),
      });
  }

  /** The first name collisions (`nameCollisions` counts them all). */
  nameCollisionExamples(): readonly NameCollision[] {
    return this.collisionList;
  }

  fieldCodes(indices: Int32Array, n: number, out: Int32Array, at: number): void {
    const codes = this.codes;
    for (let j = 0; j < n; j++) out[at + j] = codes[indices[j]];
  }

  nameOf(index: number): string {
    const field = this.fields[index];
    if (field === undefined) return `#${index}`;
    const value = this.values[index];
    if (value === null) return field;
    // built once: drift detectors name columns per event
    return (this.names[index] ??= featureName(field, value));
  }

  fieldOf(index: number): string | null {
    const value = this.values[index];
    return value === undefined || value === null ? null : this.fields[index];
  }

  hasName(index: number): boolean {
    return index >= 0 && index < this.fields.length;
  }

  collisionExamples(): Array<readonly [number, string, string]> {
    return [];
  }

  prune(): number {
    return 0;
  }

  state(): VocabularyState {
    return {
      kind: 'exact',
      indices: Int32Array.from(this.fields.keys()),
      fields: this.fields.slice(),
      values: this.values.slice(),
    };
  }

  /** The vocabulary of a checkpoint (it may hold more than `maxFeatures` names: they are kept). */
  static fromState(state: VocabularyState, maxFeatures?: number): ExactVocabulary {
    checkNames(state);
    const v = new ExactVocabulary({ maxFeatures: Infinity });
    state.indices.forEach((index, k) => {
      if (index !== k)
        throw new StateError(`exact vocabulary checkpoint has column ${index} at position ${k}`);
      const value = state.values[k];
      const got = v.indexOf(state.fields[k], value ?? undefined);
      if (got !== k) throw new StateError(`exact vocabulary checkpoint names column ${got} twice`);
    });
    v.limit = maxFeatures ?? DEFAULT_MAX_FEATURES;
    return v;
  }
}

class ExactFieldColumns implements FieldColumns {
  private numericIndex = -1;
  /** The field's one-hot map, once it has one (fetched lazily: a numeric field never gets one). */
  private byValue: ReadonlyMap<string, number> | undefined;

  constructor(
    private readonly vocabulary: ExactVocabulary,
    private readonly field: string,
    private readonly oneHots: ReadonlyMap<string, ReadonlyMap<string, number>>,
  ) {}

  numeric(): number {
    if (this.numericIndex < 0) this.numericIndex = this.vocabulary.indexOf(this.field);
    return this.numericIndex;
  }

  oneHot(value: string): number {
    const known = (this.byValue ??= this.oneHots.get(this.field))?.get(value);
    return known ?? this.vocabulary.addOneHot(this.field, value);
  }
}

export class HashedFieldColumns implements FieldColumns {
  /** The hash state after `field=`, and a hasher to continue it with each value. */
  private readonly prefix = new Murmur3();
  private readonly hasher = new Murmur3();
  /** The numeric feature's full hash (the name is the field alone). */
  private readonly numericHash: number;

  constructor(
    private readonly vocabulary: HashedVocabulary,
    private readonly field: string,
    seed: number,
  ) {
    this.numericHash = this.prefix.reset(seed).update(field).digest();
    this.prefix.update('=');
  }

  numeric(): number {
    return this.vocabulary.lookup(this.numericHash, this.field, undefined);
  }

  oneHot(value: string): number {
    return this.vocabulary.lookup(this.oneHotHash(value), this.field, value);
  }

  /** The full hash of `field=value` (`oneHot` without the lookup). */
  oneHotHash(value: string): number {
    return this.hasher.copyFrom(this.prefix).update(value).digest();
  }
}

export interface HashedVocabularyOptions {
  /** Number of hash bits: 2^bits columns (1..28). */
  readonly bits: number;
  readonly seed?: number;
  /** Names kept at most before `prune` drops names of inactive columns (default 2^20). */
  readonly nameCapacity?: number;
  /**
   * Columns as seen: a name's bucket (murmur3 mod 2^bits) gets the next column number the first
   * time it is seen, so `dimension` grows with the buckets in use (at most 2^bits) and so do the
   * arrays of a model over it; the names that share a column are the same. Default false: a
   * column is its bucket (`dimension` 2^bits; one lookup fewer per feature).
   */
  readonly compact?: boolean;
}

/**
 * The names of a hashed vocabulary's columns, in the order they were named (a `Map` from column
 * to name would keep that order too, at an object and a map entry per name: measured as most of a
 * lookup's cost on streams that keep naming new columns). Entries are parallel arrays; a dropped
 * entry is marked and the arrays are compacted once half are dropped.
 */
class NameTable {
  /** Per column, its entry + 1 (0: none), when the dimension is small enough for an array. */
  private entryByColumn: Int32Array<ArrayBuffer> | null;
  private readonly entryMap: Map<number, number> | null;
  private columns = new Int32Array(1024);
  /** Full hashes (signed). */
  private hashes = new Int32Array(1024);
  private fields: string[] = [];
  private values: Array<string | null> = [];
  /** `featureName(field, value)`, once asked for (drift detectors name columns per event). */
  private names: Array<string | undefined> = [];
  /** Entries made (live or dropped) and live. */
  private length = 0;
  size = 0;

  constructor(dimension: number, dense: boolean) {
    this.entryByColumn = dense ? new Int32Array(dimension) : null;
    this.entryMap = dense ? null : new Map();
  }

  /** The entry of `column`, or -1. */
  entry(column: number): number {
    return this.entryByColumn !== null
      ? (this.entryByColumn[column] ?? 0) - 1
      : (this.entryMap!.get(column) ?? -1);
  }

  /** Room for columns up to `dimension` (a dense table whose columns grow: `compact`). */
  grow(dimension: number): void {
    if (this.entryByColumn !== null) this.entryByColumn = growInt32(this.entryByColumn, dimension);
  }

  /** Names `column` (replacing its name in place if it has one). */
  set(column: number, field: string, value: string | null, hash: number): void {
    const k = this.entry(column);
    if (k < 0) this.add(column, field, value, hash);
    else this.write(k, field, value, hash);
  }

  /**
   * Names `column`, which has no name (`set` without reading its entry first: on a large table
   * that read is a cache miss the lookup would wait for, where the write is not).
   */
  add(column: number, field: string, value: string | null, hash: number): void {
    const k = this.length++;
    if (k === this.columns.length) {
      this.columns = growInt32(this.columns, 2 * k);
      this.hashes = growInt32(this.hashes, 2 * k);
    }
    this.columns[k] = column;
    if (this.entryByColumn !== null) this.entryByColumn[column] = k + 1;
    else this.entryMap!.set(column, k);
    this.size++;
    this.write(k, field, value, hash);
  }

  private write(k: number, field: string, value: string | null, hash: number): void {
    this.hashes[k] = hash;
    this.fields[k] = field;
    this.values[k] = value;
    this.names[k] = undefined;
  }

  hashAt(k: number): number {
    return this.hashes[k];
  }

  fieldAt(k: number): string {
    return this.fields[k];
  }

  valueAt(k: number): string | null {
    return this.values[k];
  }

  nameAt(k: number): string {
    return (this.names[k] ??= featureName(this.fields[k], this.values[k]));
  }

  /** The named columns, in the order named (a column dropped by `keep` is skipped). */
  forEach(visit: (column: number, k: number) => void): void {
    const n = this.length;
    for (let k = 0; k < n; k++) if (this.columns[k] >= 0) visit(this.columns[k], k);
  }

  /** Drops the names of the columns `keep` rejects (in the order named); the columns dropped. */
  drop(keep: (column: number) => boolean): number[] {
    const dropped: number[] = [];
    const n = this.length;
    for (let k = 0; k < n; k++) {
      const column = this.columns[k];
      if (column < 0 || keep(column)) continue;
      this.columns[k] = -1;
      this.fields[k] = '';
      this.values[k] = null;
      this.names[k] = undefined;
      if (this.entryByColumn !== null) this.entryByColumn[column] = 0;
      else this.entryMap!.delete(column);
      dropped.push(column);
    }
    this.size -= dropped.length;
    if (2 * this.size < this.length) this.compact();
    return dropped;
  }

  private compact(): void {
    let m = 0;
    for (let k = 0; k < this.length; k++) {
      const column = this.columns[k];
      if (column < 0) continue;
      this.columns[m] = column;
      this.hashes[m] = this.hashes[k];
      this.fields[m] = this.fields[k];
      this.values[m] = this.values[k];
      this.names[m] = this.names[k];
      if (this.entryByColumn !== null) this.entryByColumn[column] = m + 1;
      else this.entryMap!.set(column, m);
      m++;
    }
    this.length = m;
    this.fields.length = m;
    this.values.length = m;
    this.names.length = m;
  }
}

/**
 * A set of 32-bit hashes in typed arrays, in insertion order (a `Set<number>` boxes every hash
 * above 2^30 as a heap number: a set of a million colliding names was a visible part of a lookup).
 * A hash's position in that order is its number (`positionOf`).
 */
class HashSet32 {
  /** The hashes in insertion order (signed). */
  list = new Int32Array(64);
  /** Open addressing: per slot, the hash's position in `list` + 1 (0: empty). */
  private slots = new Int32Array(128);
  size = 0;

  has(hash: number): boolean {
    return this.slotOf(hash | 0) < 0;
  }

  add(hash: number): void {
    this.positionOf(hash);
  }

  /** The position of `hash` in insertion order, added at the end if it is not held. */
  positionOf(hash: number): number {
    const h = hash | 0;
    const mask = this.slots.length - 1;
    let slot = (Math.imul(h, 0x9e3779b1) >>> 0) & mask;
    for (; ; slot = (slot + 1) & mask) {
      const e = this.slots[slot];
      if (e === 0) break;
      if (this.list[e - 1] === h) return e - 1;
    }
    if (this.size === this.list.length) this.list = growInt32(this.list, 2 * this.size);
    const position = this.size++;
    this.list[position] = h;
    this.slots[slot] = this.size;
    // at most half full: probes stay short
    if (2 * this.size > this.slots.length) this.rehash();
    return position;
  }

  /** The empty slot where `h` would go, or -1 when it is held. */
  private slotOf(h: number): number {
    const mask = this.slots.length - 1;
    for (let slot = (Math.imul(h, 0x9e3779b1) >>> 0) & mask; ; slot = (slot + 1) & mask) {
      const e = this.slots[slot];
      if (e === 0) return slot;
      if (this.list[e - 1] === h) return -1;
    }
  }

  private rehash(): void {
    this.slots = new Int32Array(2 * this.slots.length);
    const mask = this.slots.length - 1;
    for (let k = 0; k < this.size; k++) {
      let slot = (Math.imul(this.list[k], 0x9e3779b1) >>> 0) & mask;
      while (this.slots[slot] !== 0) slot = (slot + 1) & mask;
      this.slots[slot] = k + 1;
    }
  }

  /** The hashes in insertion order, unsigned. */
  toUint32Array(): Uint32Array {
    return new Uint32Array(this.list.buffer.slice(0, 4 * this.size));
  }
}

/** Hashed vocabularies up to 2^FAST_BITS columns keep a typed-array copy of their name hashes. */
const FAST_BITS = 24;

/** Distinct colliding names remembered for de-duplication; beyond it the count is a lower bound. */
const MAX_TRACKED_COLLISIONS = 1 << 20;

export class HashedVocabulary implements Vocabulary {
  readonly hashed = true;
  /** A name's full hash (of `field=value` as one string) decides its column: one column per name. */
  readonly namesMayRepeat = false;
  readonly bits: number;
  /** 2^bits. */
  private readonly buckets: number;
  /** Columns as seen (`compact`): the buckets in column order; else null (a column is its bucket). */
  private readonly compactColumns: HashSet32 | null;
  /** Columns the per-column arrays below have room for. */
  private capacity: number;
  readonly seed: number;
  readonly nameCapacity: number;
  private readonly mask: number;
  private readonly hasher = new Murmur3();
  private readonly names: NameTable;
  private collisionCount = 0;
  private readonly examples: Array<readonly [number, string, string]> = [];
  /** Full hashes of the names counted as collisions (a name is counted once). */
  private readonly collided = new HashSet32();
  /**
   * Hot path for up to 2^FAST_BITS columns: per column, the tag of its name's hash (`owners`),
   * and of the last name that collided there and is counted already (`colliders`: a name that
   * keeps colliding is answered without the `collided` set). A column's own index gives a hash's
   * low `bits` bits, so a tag holds the others, plus one: `(hash >>> bits) + 1` (0: none). From
   * 17 bits on a tag fits 16 bits: the owners of 2^20 columns take 2 MB, not 8, and stay in cache
   * beside the learner's state (`colliders` is read only when a column's owner is another name).
   * `owners[2 · column]` is the tag and `owners[2 · column + 1]` the column's drift field code
   * (`fieldCodes`, FIELD_UNKNOWN when it does not fit), on the cache line the lookup reads.
   */
  private owners: Uint16Array | Int32Array | null;
  /** The largest drift field code `owners` holds. */
  private readonly maxCode: number;
  private readonly coder = new FieldCodes();
  readonly fieldNames: readonly string[] = this.coder.names;
  /**
   * Columns whose name was pruned (once `prune` drops one): a column named again keeps
   * FIELD_UNKNOWN, so a drift detector goes on naming it as it did (it remembers the first name).
   */
  private renamed: Uint8Array | null = null;
  private colliders: Uint16Array | Int32Array | null;

  constructor(options: HashedVocabularyOptions) {
    // from plain JavaScript: a misspelled `nameCapacity`, or one that is not a number, left the
    // name table unbounded
    const problems = optionKeyProblems('HashedVocabulary', options, [
      'bits',
      'seed',
      'nameCapacity',
      'compact',
    ]);
    if (problems.length === 0) {
      const { bits, seed, nameCapacity, compact } = options as {
        bits: unknown;
        seed?: unknown;
        nameCapacity?: unknown;
        compact?: unknown;
      };
      if (compact !== undefined && typeof compact !== 'boolean')
        problems.push({
          path: 'HashedVocabulary: compact',
          message: `must be true or false, got ${shownValue(compact)}`,
        });
      if (!(Number.isInteger(bits) && (bits as number) >= 1 && (bits as number) <= 28))
        problems.push({
          path: 'HashedVocabulary: bits',
          message: `hash bits must be a whole number in 1..28, got ${shownValue(bits)}`,
        });
      if (seed !== undefined && !Number.isInteger(seed))
        problems.push({
          path: 'HashedVocabulary: seed',
          message: `must be a whole number, got ${shownValue(seed)}`,
        });
      if (nameCapacity !== undefined && !(Number.isInteger(nameCapacity) && (nameCapacity as number) >= 1))
        problems.push(wholeProblem('HashedVocabulary', 'nameCapacity', nameCapacity, 1, ''));
    }
    if (problems.length > 0) throw new ConfigError(problems);
    this.bits = options.bits;
    this.seed = options.seed ?? 0;
    this.nameCapacity = options.nameCapacity ?? DEFAULT_NAME_CAPACITY;
    this.buckets = 2 ** options.bits;
    this.mask = this.buckets - 1;
    this.compactColumns = options.compact === true ? new HashSet32() : null;
    // columns as seen start with room for a few and grow (`grow`)
    this.capacity = this.compactColumns !== null ? Math.min(64, this.buckets) : this.buckets;
    const fast = options.bits <= FAST_BITS || this.compactColumns !== null;
    const narrow = options.bits >= 17;
    this.owners = !fast
      ? null
      : narrow
        ? new Uint16Array(2 * this.capacity)
        : new Int32Array(2 * this.capacity);
    this.maxCode = narrow ? 0xffff : 0x7fffffff;
    this.colliders = !fast ? null : narrow ? new Uint16Array(this.capacity) : new Int32Array(this.capacity);
    this.names = new NameTable(this.capacity, fast);
  }

  /** Columns: 2^bits, or with columns as seen (`compact`) the buckets seen so far. */
  get dimension(): number {
    return this.compactColumns !== null ? this.compactColumns.size : this.buckets;
  }

  /** True when columns are numbered as their buckets are first seen (`HashedVocabularyOptions.compact`). */
  get compact(): boolean {
    return this.compactColumns !== null;
  }

  /** The column of a name of full hash `hash`: its bucket, or with columns as seen its bucket's column. */
  private columnOf(hash: number): number {
    const compact = this.compactColumns;
    if (compact === null) return hash & this.mask;
    const column = compact.positionOf(hash & this.mask);
    if (column >= this.capacity) this.grow(column + 1);
    return column;
  }

  /** Room in the per-column arrays for `columns` columns (columns as seen). */
  private grow(columns: number): void {
    let capacity = this.capacity;
    while (capacity < columns) capacity *= 2;
    capacity = Math.min(capacity, this.buckets);
    const widen = <T extends Uint16Array | Int32Array | Uint8Array>(a: T, size: number): T => {
      const b = new (a.constructor as new (n: number) => T)(size);
      b.set(a);
      return b;
    };
    if (this.owners !== null) this.owners = widen(this.owners, 2 * capacity);
    if (this.colliders !== null) this.colliders = widen(this.colliders, capacity);
    if (this.renamed !== null) this.renamed = widen(this.renamed, capacity);
    this.names.grow(capacity);
    this.capacity = capacity;
  }

  get collisions(): number {
    return this.collisionCount;
  }

  indexOf(field: string, value?: string): number {
    return this.lookup(this.hashOf(field, value), field, value);
  }

  /** The full hash of the name `field` or `field=value` (`lookup` takes it). */
  hashOf(field: string, value?: string): number {
    const h = this.hasher.reset(this.seed).update(field);
    if (value !== undefined) h.update('=').update(value);
    return h.digest();
  }

  /**
   * The column of the name `field` or `field=value` without naming it or counting a collision (with
   * columns as seen, a bucket not met yet gets its column).
   */
  columnFor(field: string, value?: string): number {
    return this.columnOf(this.hashOf(field, value));
  }

  /** Hashing is the cost of a lookup: a field's prefix (`field=`) is hashed once (`indexOf`'s effects). */
  forField(field: string): FieldColumns {
    return new HashedFieldColumns(this, field, this.seed);
  }

  /**
   * Reads the owner tags of the columns of `hashes[0, n)` and returns their sum (meaningless):
   * a featurizer calls it before looking the same hashes up, so that the cache misses of an
   * event's columns overlap instead of coming one after the other.
   */
  touch(hashes: Int32Array, n: number): number {
    const owners = this.owners;
    // (with columns as seen, a bucket's column is found by the lookup itself)
    if (owners === null || this.compactColumns !== null) return 0;
    const mask = this.mask;
    let sum = 0;
    for (let k = 0; k < n; k++) sum += owners[(hashes[k] & mask) << 1];
    return sum;
  }

  fieldCodes(indices: Int32Array, n: number, out: Int32Array, at: number): void {
    const owners = this.owners;
    if (owners === null) out.fill(FIELD_UNKNOWN, at, at + n);
    else for (let j = 0; j < n; j++) out[at + j] = owners[(indices[j] << 1) + 1];
  }

  /** Names column `index` (which has no owner) with the name of full hash `hash`. */
  private own(
    owners: Uint16Array | Int32Array,
    index: number,
    hash: number,
    field: string,
    value: string | null,
  ): void {
    owners[index << 1] = this.tagOf(hash);
    const code =
      this.renamed !== null && this.renamed[index] === 1 ? FIELD_UNKNOWN : this.coder.codeOf(field, value);
    owners[(index << 1) + 1] = code <= this.maxCode ? code : FIELD_UNKNOWN;
  }

  /** The tag of a name of full hash `hash` in `owners` and `colliders` (never 0). */
  private tagOf(hash: number): number {
    return ((hash >>> this.bits) + 1) | 0;
  }

  /**
   * `lookup(hash, source.nameAt(k), item < 0 ? undefined : source.stringAt(item))`, with the
   * same effects, where the strings are built only if the vocabulary records them (a new column's
   * name, a collision example).
   */
  lookupFrom(hash: number, source: NameSource, k: number, item: number): number {
    if (this.owners === null)
      return this.lookup(hash, source.nameAt(k), item < 0 ? undefined : source.stringAt(item));
    const index = this.columnOf(hash);
    // (read after `columnOf`, which may have grown it)
    const owners = this.owners;
    const tag = this.tagOf(hash);
    const owner = owners[index << 1];
    if (owner === tag) return index;
    if (owner === 0) {
      // (a column without an owner has no name)
      const field = source.nameAt(k);
      const value = item < 0 ? null : source.stringAt(item);
      this.own(owners, index, hash, field, value);
      this.names.add(index, field, value, hash);
      return index;
    }
    const colliders = this.colliders!;
    if (colliders[index] === tag) return index;
    if (this.countCollision(hash) && this.examples.length < 1000) {
      const value = item < 0 ? undefined : source.stringAt(item);
      this.examples.push([
        index,
        this.names.nameAt(this.names.entry(index)),
        featureName(source.nameAt(k), value),
      ]);
    }
    colliders[index] = tag;
    return index;
  }

  /** `indexOf(field, value)` for the name's full murmur3 hash `hash`. */
  lookup(hash: number, field: string, value: string | undefined): number {
    const index = this.columnOf(hash);
    const owners = this.owners;
    if (owners !== null) {
      const tag = this.tagOf(hash);
      const owner = owners[index << 1];
      if (owner === tag) return index;
      if (owner === 0) {
        this.own(owners, index, hash, field, value ?? null);
        this.names.add(index, field, value ?? null, hash);
        return index;
      }
      const colliders = this.colliders!;
      if (colliders[index] === tag) return index;
      // counted now or before: either way this name's next collisions change nothing
      this.collide(index, this.names.entry(index), hash, field, value);
      colliders[index] = tag;
      return index;
    }
    const k = this.names.entry(index);
    if (k < 0) this.names.set(index, field, value ?? null, hash);
    else if (this.names.hashAt(k) !== (hash | 0)) this.collide(index, k, hash, field, value);
    return index;
  }

  /**
   * A name other than the column's recorded one (entry `k`) landed on it: counted once per
   * distinct name (by its full 32-bit hash; two names with equal full hashes cannot be told apart
   * by any hashing model). O(1).
   */
  private collide(index: number, k: number, hash: number, field: string, value: string | undefined): void {
    if (this.countCollision(hash) && this.examples.length < 1000) {
      this.examples.push([index, this.names.nameAt(k), featureName(field, value)]);
    }
  }

  /** Counts the colliding name of full hash `hash` if it is not counted yet; true if counted now. */
  private countCollision(hash: number): boolean {
    if (this.collided.has(hash)) return false;
    if (this.collided.size >= MAX_TRACKED_COLLISIONS) return false;
    this.collided.add(hash);
    this.collisionCount++;
    return true;
  }

  nameOf(index: number): string {
    const k = this.names.entry(index);
    return k < 0 ? `#${index}` : this.names.nameAt(k);
  }

  fieldOf(index: number): string | null {
    const k = this.names.entry(index);
    return !(k >= 0) || this.names.valueAt(k) === null ? null : this.names.fieldAt(k);
  }

  hasName(index: number): boolean {
    return this.names.entry(index) >= 0;
  }

  collisionExamples(limit = 20): Array<readonly [number, string, string]> {
    return this.examples.slice(0, limit);
  }

  /** Drops names of columns that `keep` rejects, when the table is over its capacity. */
  prune(keep: (index: number) => boolean): number {
    if (this.names.size <= this.nameCapacity) return 0;
    const dropped = this.names.drop(keep);
    // a colliding name remembered stays counted whoever names the column next
    if (this.owners !== null) {
      const renamed = (this.renamed ??= new Uint8Array(this.capacity));
      for (const index of dropped) {
        this.owners[index << 1] = this.owners[(index << 1) + 1] = 0;
        renamed[index] = 1;
      }
    }
    return dropped.length;
  }

  get namedColumns(): number {
    return this.names.size;
  }

  state(): VocabularyState {
    const n = this.names.size;
    const indices = new Int32Array(n);
    const fields = new Array<string>(n);
    const values = new Array<string | null>(n);
    let m = 0;
    this.names.forEach((index, k) => {
      indices[m] = index;
      fields[m] = this.names.fieldAt(k);
      values[m] = this.names.valueAt(k);
      m++;
    });
    return {
      kind: 'hashed',
      bits: this.bits,
      seed: this.seed,
      indices,
      fields,
      values,
      collisions: this.collisionCount,
      collided: this.collided.toUint32Array(),
      collisionExamples: this.examples.slice(),
      ...(this.compactColumns !== null
        ? { columnBuckets: this.compactColumns.list.slice(0, this.compactColumns.size) }
        : {}),
    };
  }

  static fromState(state: VocabularyState, nameCapacity?: number): HashedVocabulary {
    checkNames(state);
    const buckets = state.columnBuckets;
    if (buckets !== undefined && !(buckets instanceof Int32Array))
      throw new StateError('hashed vocabulary checkpoint has columnBuckets that are not an Int32Array');
    const v = new HashedVocabulary({
      bits: state.bits ?? 18,
      seed: state.seed ?? 0,
      ...(nameCapacity ? { nameCapacity } : {}),
      ...(buckets !== undefined ? { compact: true } : {}),
    });
    if (buckets !== undefined) {
      for (let k = 0; k < buckets.length; k++) {
        const b = buckets[k];
        if (!(b >= 0 && b < v.buckets))
          throw new StateError(`hashed vocabulary checkpoint has bucket ${b} outside 0..${v.buckets - 1}`);
        if (v.columnOf(b) !== k)
          throw new StateError(`hashed vocabulary checkpoint gives bucket ${b} to two columns`);
      }
    }
    for (let k = 0; k < state.indices.length; k++) {
      const i = state.indices[k];
      const field = state.fields[k];
      const value = state.values[k];
      if (!(i >= 0 && i < v.dimension)) {
        throw new StateError(`hashed vocabulary checkpoint has column ${i} outside 0..${v.dimension - 1}`);
      }
      const h = v.hasher.reset(v.seed).update(field);
      if (value !== null) h.update('=').update(value);
      const hash = h.digest();
      // a column's tag holds only the hash bits its bucket does not give
      const bucket = buckets !== undefined ? buckets[i] : i;
      if ((hash & v.mask) !== bucket)
        throw new StateError(
          `hashed vocabulary checkpoint names column ${i} ${JSON.stringify(featureName(field, value))}, which hashes to ${buckets !== undefined ? 'bucket' : 'column'} ${hash & v.mask}${buckets !== undefined ? `, not ${bucket}` : ''}`,
        );
      v.names.set(i, field, value, hash);
      if (v.owners !== null) v.own(v.owners, i, hash, field, value);
    }
    v.collisionCount = state.collisions ?? 0;
    for (const h of state.collided ?? []) v.collided.add(h);
    v.examples.push(...(state.collisionExamples ?? []));
    return v;
  }
}

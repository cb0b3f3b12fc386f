import {
  ListedEvent,
  PACKED_ARRAY,
  PACKED_BOOLEAN,
  PACKED_NULL,
  PACKED_NUMBER,
  type FeatureValue,
  type L1Event,
  type PackedValues,
} from '../core/event.js';
import { optionKeyProblems } from '../config/optionKeys.js';
import { ConfigError } from '../core/errors.js';
import type { InternTable } from '../core/internTable.js';
import { IdListedEvent, LineEvent } from '../core/lineEvent.js';
import { growInt32, type SparseBuffer } from '../core/sparse.js';
import {
  ExactVocabulary,
  HashedFieldColumns,
  HashedVocabulary,
  type FieldColumns,
  type Vocabulary,
  type VocabularyState,
} from './vocabulary.js';

export interface FeaturizerOptions {
  /** Use the hashing trick with 2^hashBits columns; omit for an exact vocabulary (the default). */
  readonly hashBits?: number;
  readonly hashSeed?: number;
  /** Hashed only: names kept before names of inactive columns are pruned (default 2^20). */
  readonly nameCapacity?: number;
  /**
   * Hashed only: columns numbered as their buckets are first seen, so the dimension (and the
   * memory of a model over it) follows the buckets in use (`HashedVocabularyOptions.compact`;
   * keyed models). Default false.
   */
  readonly compactHashing?: boolean;
  /**
   * Exact only: columns at most (default 2^20). Once full, a feature with a new name is left out
   * of its event (the rest of the event is learned) and counted in `droppedFeatures`.
   */
  readonly maxFeatures?: number;
}

const featurizerKeys = ['hashBits', 'hashSeed', 'nameCapacity', 'maxFeatures', 'compactHashing'] as const;

/** `Featurizer.pairCodes`: not seen yet; a missing value; a value without a column; from 3 on, column + 3. */
const PAIR_NEW = 0;
const PAIR_MISSING = 1;
const PAIR_PRESENT = 2;
const PAIR_KNOWN = 3;
/**
 * `Featurizer.pairCodes` is paged: pair ids are the whole process's (every key's values), so a flat
 * array would cost each keyed model 4 bytes per pair any model has met; pages of 2^8 are allocated
 * for the pairs the model meets.
 */
const PAIR_PAGE_BITS = 8;
const PAIR_PAGE_MASK = (1 << PAIR_PAGE_BITS) - 1;
const NO_PAGE = new Int32Array(1 << PAIR_PAGE_BITS);

/** Fields whose column lookups are cached (the cache is a speed-up only: fields beyond it still work). */
const FIELD_CACHE = 1 << 14;

/**
 * Strings that mean "no value" (pandas.read_csv's default `na_values`): such a feature is absent,
 * like null, rather than the one-hot `field=NaN`. JSON converted from CSV carries them.
 */
export const MISSING: ReadonlySet<string> = new Set([
  '',
  '#N/A',
  '#N/A N/A',
  '#NA',
  '-1.#IND',
  '-1.#QNAN',
  '-NaN',
  '-nan',
  '1.#IND',
  '1.#QNAN',
  '<NA>',
  'N/A',
  'NA',
  'NULL',
  'NaN',
  'None',
  'n/a',
  'nan',
  'null',
]);

/** Flags the last characters of the `MISSING` strings (ASCII): any other ending is not one. */
const MISSING_LAST = new Uint8Array(128);
for (const m of MISSING) if (m.length > 0) MISSING_LAST[m.charCodeAt(m.length - 1)] = 1;

/** True for a string that stands for a missing value (see `MISSING`). */
export function isMissingString(s: string): boolean {
  const n = s.length;
  if (n === 0) return true;
  if (n > 8) return false;
  // a set lookup hashes the string: most values (ids, numbers as text) end otherwise
  const c = s.charCodeAt(n - 1);
  return c < 128 && MISSING_LAST[c] === 1 && MISSING.has(s);
}

/** `isMissingString(text.slice(start, end))`, whose units are `codes` at the same positions (sliced only when it may be). */
export function isMissingCodes(codes: Uint16Array, text: string, start: number, end: number): boolean {
  const n = end - start;
  if (n === 0) return true;
  if (n > 8) return false;
  const c = codes[end - 1];
  return c < 128 && MISSING_LAST[c] === 1 && MISSING.has(text.slice(start, end));
}

/** The name of an event's feature `k` (an `IdListedEvent`'s from its id). */
function featureName(event: ListedEvent, k: number): string {
  return event instanceof IdListedEvent ? event.nameAt(k) : event.fieldNames[k];
}

/** `FieldColumns` for vocabularies without `forField`: plain `indexOf` calls. */
class IndexOfColumns implements FieldColumns {
  constructor(
    private readonly vocabulary: Vocabulary,
    private readonly field: string,
  ) {}

  numeric(): number {
    return this.vocabulary.indexOf(this.field);
  }

  oneHot(value: string): number {
    return this.vocabulary.indexOf(this.field, value);
  }
}

/**
 * Entries the per-event scratch arrays start with (a power of 2); they double with the widest event.
 * Small, since a keyed engine has a featurizer per model.
 */
const SCRATCH = 16;

/**
 * Turns events (docs/conventions.md, events) into sparse vectors on reusable buffers: numbers by field name,
 * booleans as 0/1, strings as one-hot `field=value`, string arrays as several one-hots. Zeros,
 * nulls and missing-value strings (`"NaN"`, `""`, `"null"`, ... see `MISSING`) are absent.
 *
 * A field has no fixed type: each value is featurized by its own type, so a field that carries
 * numbers in some events and strings in others gives its numeric column `x0` and one-hots
 * `x0=high` side by side, and no event is rejected for it. Duplicate columns within one event (a
 * repeated array element, or a hash collision) are summed.
 */
export class Featurizer {
  readonly vocabulary: Vocabulary;
  /** Column lookups of the first `FIELD_CACHE` fields seen (bounded: field names are data). */
  private readonly slotByField = new Map<string, FieldColumns>();
  /** Scratch for the event being featurized: its fields, their values and slots, in order. */
  private fields: string[] = [];
  private readonly values: FeatureValue[] = [];
  private slots: Array<FieldColumns | undefined> = [];
  /** The previous event's fields and slots, in order. */
  private lastFields: string[] = [];
  private lastSlots: Array<FieldColumns | undefined> = [];
  private lastCount = 0;
  /**
   * The columns already in the current event's vector, by open addressing on the column's low
   * bits (small: it stays in cache, where an array over all columns would not): an entry is valid
   * while its stamp is `eventNo`, and holds the column and its position in the vector.
   */
  private stamp = new Int32Array(SCRATCH);
  private columnAt = new Int32Array(SCRATCH);
  private positionAt = new Int32Array(SCRATCH);
  private eventNo = 0;

  /** A new stamp for the next event's columns (all stamps cleared when the counter wraps). */
  private nextEvent(): void {
    if (++this.eventNo === 0x7fffffff) {
      this.eventNo = 1;
      this.stamp.fill(0);
    }
  }

  /**
   * Ids of the first `InternTable` seen (`ListedEvent.fieldIds`), and what they map to (events
   * from other tables take the by-name path): a field's numeric column (exact vocabulary) or the
   * full hash of its name (hashed; `numericKnown` marks those found), and the columns of a field
   * with one-hot values (the first `FIELD_CACHE` such fields).
   */
  private idSource: InternTable | null = null;
  private numericById = new Int32Array(0);
  private numericKnown = new Uint8Array(0);
  private slotById: Array<FieldColumns | undefined> = [];
  private slotsById = 0;
  private readonly hashedVocabulary: HashedVocabulary | null;
  /**
   * Hashed, events with ids: the full hashes of the event's columns in order, and for each the
   * feature it comes from and the item of an array value (-1: the value itself).
   */
  private hashes = new Int32Array(SCRATCH);
  private featureAt = new Int32Array(SCRATCH);
  private itemAt = new Int32Array(SCRATCH);
  /**
   * Exact vocabulary: per `field=value` pair of the `PairTable` of `idSource`
   * (`PackedValues.pairIds`), its state and, once known, its column, in one word (`PAIR_*`; they never change).
   */
  private pairCodes: Int32Array[] = [];
  /** Sink for `HashedVocabulary.touch`'s sum (never read). */
  private touched = 0;
  /** The reason of the last event rejected by pass 1. */
  private unsupported = '';
  /** Feature values left out because an exact vocabulary was full (`maxFeatures`). */
  droppedFeatures = 0;

  constructor(options: FeaturizerOptions = {}, vocabulary?: Vocabulary) {
    // from plain JavaScript: `hashbits: 10` made an exact vocabulary without a word (the values
    // are checked by the vocabulary that reads them)
    const problems = optionKeyProblems('Featurizer', options, featurizerKeys);
    if (problems.length > 0) throw new ConfigError(problems);
    this.vocabulary =
      vocabulary ??
      (options.hashBits === undefined
        ? new ExactVocabulary(options.maxFeatures !== undefined ? { maxFeatures: options.maxFeatures } : {})
        : new HashedVocabulary({
            bits: options.hashBits,
            ...(options.hashSeed !== undefined ? { seed: options.hashSeed } : {}),
            ...(options.nameCapacity !== undefined ? { nameCapacity: options.nameCapacity } : {}),
            ...(options.compactHashing === true ? { compact: true } : {}),
          }));
    this.hashedVocabulary = this.vocabulary instanceof HashedVocabulary ? this.vocabulary : null;
  }

  get dimension(): number {
    return this.vocabulary.dimension;
  }

  /** Columns are hashed names (several names can share one). */
  get hashed(): boolean {
    return this.hashedVocabulary !== null;
  }

  nameOf(index: number): string {
    return this.vocabulary.nameOf(index);
  }

  /** The field of a one-hot column's name, without building it (`Vocabulary.fieldOf`), else null. */
  fieldOf(index: number): string | null {
    return this.vocabulary.fieldOf !== undefined ? this.vocabulary.fieldOf(index) : null;
  }

  /**
   * Writes the event's features into `out` (cleared first). Returns null, or the reason the event
   * is rejected (a value of an unsupported type: then `out` is empty and no state changed).
   *
   * Streams repeat the same fields in the same order event after event, so each field's slot
   * (its columns) is looked up by position in the previous event's layout first (a string
   * compare, usually of the very same string) and in the field map only when that misses.
   */
  featurize(event: L1Event, out: SparseBuffer): string | null {
    out.clear();
    // Pass 1: check every value's type before changing anything.
    let m = 0;
    if (event instanceof ListedEvent) {
      const hashed = this.hashedVocabulary;
      if (event instanceof LineEvent && hashed !== null && event.hashSeed === hashed.seed)
        return this.featurizeLine(hashed, event, out);
      const ids = event.fieldIds;
      if (
        ids !== null &&
        event.idSource !== null &&
        (event.idSource === this.idSource || this.adopt(event.idSource))
      ) {
        const packed = event.packedValues;
        if (packed !== null) {
          return this.hashedVocabulary === null
            ? this.featurizePacked(event, packed, ids, event.fieldIdStart, out)
            : this.featurizePackedHashed(this.hashedVocabulary, event, packed, ids, event.fieldIdStart, out);
        }
        return this.featurizeIds(event.fieldNames, event.fieldValues, ids, event.fieldIdStart, out);
      }
      // the reader's list, in the record's key order: no record to build and walk
      const names = event.fieldNames;
      const list = event.fieldValues;
      for (let k = 0; k < names.length && m >= 0; k++) m = this.keep(names[k], list[k], m);
    } else {
      const features = event.features;
      for (const field in features) {
        m = this.keep(field, features[field], m);
        if (m < 0) break;
      }
    }
    if (m < 0) return this.unsupported;
    this.nextEvent();
    const fields = this.fields;
    const values = this.values;
    const slots = this.slots;
    // Pass 2: columns.
    for (let k = 0; k < m; k++) {
      const v = values[k];
      const slot = (slots[k] ??= this.slotFor(fields[k]));
      if (typeof v === 'number') {
        if (v !== 0) this.add(out, slot.numeric(), v);
      } else if (typeof v === 'boolean') {
        if (v) this.add(out, slot.numeric(), 1);
      } else if (typeof v === 'string') {
        if (!isMissingString(v)) this.add(out, slot.oneHot(v), 1);
      } else {
        for (const item of v as readonly string[])
          if (!isMissingString(item)) this.add(out, slot.oneHot(item), 1);
      }
    }
    // This event's layout is the next one's first guess (swap the scratch arrays).
    this.fields = this.lastFields;
    this.slots = this.lastSlots;
    this.lastFields = fields;
    this.lastSlots = slots;
    this.lastCount = m;
    return null;
  }

  /**
   * Takes `table` as the source of the ids this featurizer maps (only the first one). A hashed
   * featurizer asks its readers for the hashes of names instead (`LineEvent`).
   */
  private adopt(table: InternTable): boolean {
    if (this.idSource !== null) return false;
    this.idSource = table;
    if (this.hashedVocabulary !== null) table.nameHashSeed = this.hashedVocabulary.seed;
    return true;
  }

  /**
   * `featurizePackedHashed` for an event whose names the reader hashed: the same hashes, lookups
   * and vector, and a name is built only when the vocabulary records it.
   */
  private featurizeLine(hashed: HashedVocabulary, event: LineEvent, out: SparseBuffer): null {
    this.nextEvent();
    const packed = event.packedValues!;
    const spans = packed.spans!;
    const { kinds, numbers } = packed;
    const { nameHashes, itemHashes, missing } = spans;
    const at = event.packedAt;
    const count = event.count;
    let s = event.packedStringAt;
    let m = 0;
    for (let k = 0; k < count; k++) {
      const kind = kinds[at + k];
      const x = numbers[at + k];
      if (kind === PACKED_NUMBER || kind === PACKED_BOOLEAN) {
        if (x !== 0) m = this.pushHash(m, nameHashes[at + k], k, -1);
      } else if (kind === PACKED_NULL) continue;
      else {
        const n = kind === PACKED_ARRAY ? x : 1;
        for (let i = 0; i < n; i++, s++) if (missing[s] === 0) m = this.pushHash(m, itemHashes[s], k, s);
      }
    }
    this.touched = hashed.touch(this.hashes, m);
    for (let r = 0; r < m; r++) {
      const k = this.featureAt[r];
      const item = this.itemAt[r];
      const hash = this.hashes[r] >>> 0;
      this.add(out, hashed.lookupFrom(hash, event, k, item), item < 0 ? numbers[at + k] : 1);
    }
    return null;
  }

  /** `featurize` for an event whose names have ids from `idSource`. */
  private featurizeIds(
    names: readonly string[],
    list: ReadonlyArray<FeatureValue | null>,
    ids: Int32Array,
    idStart: number,
    out: SparseBuffer,
  ): string | null {
    for (let k = 0; k < list.length; k++) {
      const v = list[k];
      if (v === null) continue;
      const t = typeof v;
      if (t !== 'number' && t !== 'boolean' && t !== 'string' && !Array.isArray(v)) {
        return `feature "${names[k]}" has an unsupported type`;
      }
    }
    this.nextEvent();
    if (this.hashedVocabulary !== null) {
      this.featurizeHashed(this.hashedVocabulary, names, list, ids, idStart, out);
      return null;
    }
    for (let k = 0; k < list.length; k++) {
      const id = ids[idStart + k];
      const v = list[k];
      if (v === null) continue;
      if (typeof v === 'number') {
        if (v !== 0) this.add(out, this.numericOf(id, names[k]), v);
      } else if (typeof v === 'boolean') {
        if (v) this.add(out, this.numericOf(id, names[k]), 1);
      } else if (typeof v === 'string') {
        if (!isMissingString(v)) this.add(out, this.slotOf(id, names[k]).oneHot(v), 1);
      } else {
        const items = v as readonly string[];
        if (items.length === 0) continue;
        const slot = this.slotOf(id, names[k]);
        for (const item of items) if (!isMissingString(item)) this.add(out, slot.oneHot(item), 1);
      }
    }
    return null;
  }

  /**
   * `featurizeIds` (exact vocabulary) for an event whose values are packed: the same columns in the
   * same order, without a list (its values' types need no check).
   */
  private featurizePacked(
    event: ListedEvent,
    packed: PackedValues,
    ids: Int32Array,
    idStart: number,
    out: SparseBuffer,
  ): null {
    this.nextEvent();
    // names only where a column is looked up by name (an `IdListedEvent` builds no list)
    const count = event instanceof IdListedEvent ? event.count : event.fieldNames.length;
    const { kinds, numbers, strings } = packed;
    const pairIds = this.pairIdsOf(packed);
    // an exact column is found in an array by the pair's id, not in the field's map by the value
    if (pairIds !== null) packed.pairs!.used = true;
    const at = event.packedAt;
    let s = event.packedStringAt;
    // exact columns of ids already seen (numericOf's first case), read here
    const known = this.numericKnown;
    const byId = this.numericById;
    for (let k = 0; k < count; k++) {
      const id = ids[idStart + k];
      const kind = kinds[at + k];
      const x = numbers[at + k];
      if (kind === PACKED_NUMBER || kind === PACKED_BOOLEAN) {
        if (x === 0) continue;
        this.add(
          out,
          id >= 0 && id < known.length && known[id] === 1
            ? byId[id]
            : this.numericOf(id, featureName(event, k)),
          x,
        );
      } else if (kind === PACKED_NULL) continue;
      else {
        const n = kind === PACKED_ARRAY ? x : 1;
        for (let i = 0; i < n; i++, s++) {
          const pair = pairIds === null ? -1 : pairIds[s];
          if (pair < 0) {
            if (!isMissingString(strings[s]))
              this.add(out, this.slotOf(id, featureName(event, k)).oneHot(strings[s]), 1);
            continue;
          }
          // one word per pair (its state and column): one cache miss where two arrays cost two
          const page = pair >>> PAIR_PAGE_BITS;
          const codes = page < this.pairCodes.length ? this.pairCodes[page] : NO_PAGE;
          const code = codes[pair & PAIR_PAGE_MASK];
          if (code >= PAIR_KNOWN) {
            this.add(out, code - PAIR_KNOWN, 1);
            continue;
          }
          if (
            code === PAIR_MISSING ||
            (code === PAIR_NEW && this.judgePair(pair, strings[s]) === PAIR_MISSING)
          )
            continue;
          const column = this.slotOf(id, featureName(event, k)).oneHot(strings[s]);
          if (column >= 0) this.pairCodes[page][pair & PAIR_PAGE_MASK] = column + PAIR_KNOWN;
          this.add(out, column, 1);
        }
      }
    }
    return null;
  }

  /**
   * `featurizeHashed` for an event whose values are packed: the same hashes, lookups and vector.
   * (It ignores pair ids: keeping a hash per pair was measured slower than hashing the pair again.)
   */
  private featurizePackedHashed(
    hashed: HashedVocabulary,
    event: ListedEvent,
    packed: PackedValues,
    ids: Int32Array,
    idStart: number,
    out: SparseBuffer,
  ): null {
    this.nextEvent();
    const names = event.fieldNames;
    const { kinds, numbers, strings } = packed;
    const at = event.packedAt;
    let s = event.packedStringAt;
    let m = 0;
    for (let k = 0; k < names.length; k++) {
      const id = ids[idStart + k];
      const kind = kinds[at + k];
      const x = numbers[at + k];
      if (kind === PACKED_NUMBER || kind === PACKED_BOOLEAN) {
        if (x !== 0) m = this.pushHash(m, this.numericHashOf(hashed, id, names[k]), k, -1);
      } else if (kind === PACKED_NULL) continue;
      else {
        const n = kind === PACKED_ARRAY ? x : 1;
        for (let i = 0; i < n; i++, s++)
          if (!isMissingString(strings[s]))
            m = this.pushHash(m, this.oneHotHashOf(hashed, id, names[k], strings[s]), k, s);
      }
    }
    this.touched = hashed.touch(this.hashes, m);
    for (let r = 0; r < m; r++) {
      const k = this.featureAt[r];
      const item = this.itemAt[r];
      const hash = this.hashes[r] >>> 0;
      if (item < 0) this.add(out, hashed.lookup(hash, names[k], undefined), numbers[at + k]);
      else this.add(out, hashed.lookup(hash, names[k], strings[item]), 1);
    }
    return null;
  }

  /** The packed values' pair ids, if their pairs are of `idSource`'s fields. */
  private pairIdsOf(packed: PackedValues): Int32Array | null {
    return packed.pairs !== null && packed.pairs.names === this.idSource ? packed.pairIds : null;
  }

  /** Judges new pair `pair` (value `value`) missing or not (`PAIR_MISSING`, `PAIR_PRESENT`), and records it. */
  private judgePair(pair: number, value: string): number {
    const page = pair >>> PAIR_PAGE_BITS;
    // pages not met are the shared page of zeros (PAIR_NEW), so reads need no test
    while (this.pairCodes.length <= page) this.pairCodes.push(NO_PAGE);
    if (this.pairCodes[page] === NO_PAGE) this.pairCodes[page] = new Int32Array(1 << PAIR_PAGE_BITS);
    return (this.pairCodes[page][pair & PAIR_PAGE_MASK] = isMissingString(value)
      ? PAIR_MISSING
      : PAIR_PRESENT);
  }

  /**
   * `featurizeIds`' second pass for a hashed vocabulary, in two steps: every column's hash first,
   * then the lookups in the same order (the same names, collisions and vector), after touching
   * their table words so that an event's cache misses on a large table overlap.
   */
  private featurizeHashed(
    hashed: HashedVocabulary,
    names: readonly string[],
    list: ReadonlyArray<FeatureValue | null>,
    ids: Int32Array,
    idStart: number,
    out: SparseBuffer,
  ): void {
    let m = 0;
    for (let k = 0; k < list.length; k++) {
      const v = list[k];
      if (v === null) continue;
      const id = ids[idStart + k];
      if (typeof v === 'number' || typeof v === 'boolean') {
        if (v === 0 || v === false) continue;
        m = this.pushHash(m, this.numericHashOf(hashed, id, names[k]), k, -1);
      } else if (typeof v === 'string') {
        if (!isMissingString(v)) m = this.pushHash(m, this.oneHotHashOf(hashed, id, names[k], v), k, -1);
      } else {
        const items = v as readonly string[];
        for (let i = 0; i < items.length; i++)
          if (!isMissingString(items[i]))
            m = this.pushHash(m, this.oneHotHashOf(hashed, id, names[k], items[i]), k, i);
      }
    }
    this.touched = hashed.touch(this.hashes, m);
    for (let r = 0; r < m; r++) {
      const k = this.featureAt[r];
      const v = list[k];
      const i = this.itemAt[r];
      const hash = this.hashes[r] >>> 0;
      if (typeof v === 'number') this.add(out, hashed.lookup(hash, names[k], undefined), v);
      else if (typeof v === 'boolean') this.add(out, hashed.lookup(hash, names[k], undefined), 1);
      else {
        const value = i < 0 ? (v as string) : (v as readonly string[])[i];
        this.add(out, hashed.lookup(hash, names[k], value), 1);
      }
    }
  }

  private pushHash(m: number, hash: number, k: number, item: number): number {
    if (m === this.hashes.length) {
      this.hashes = growInt32(this.hashes, 2 * m);
      this.featureAt = growInt32(this.featureAt, 2 * m);
      this.itemAt = growInt32(this.itemAt, 2 * m);
    }
    this.hashes[m] = hash;
    this.featureAt[m] = k;
    this.itemAt[m] = item;
    return m + 1;
  }

  /** The full hash of the numeric feature `field` (id `id`, -1: none). */
  private numericHashOf(hashed: HashedVocabulary, id: number, field: string): number {
    if (id < 0) return hashed.hashOf(field);
    if (id < this.numericKnown.length && this.numericKnown[id] === 1) return this.numericById[id] >>> 0;
    const hash = hashed.hashOf(field);
    this.remember(id, hash);
    return hash;
  }

  /** The full hash of the one-hot `field=value` (field id `id`, -1: none). */
  private oneHotHashOf(hashed: HashedVocabulary, id: number, field: string, value: string): number {
    const slot = this.slotOf(id, field);
    return slot instanceof HashedFieldColumns ? slot.oneHotHash(value) : hashed.hashOf(field, value);
  }

  /** The numeric column of the field of id `id` (-1: none), named `field`. */
  private numericOf(id: number, field: string): number {
    if (id < 0) return this.slotFor(field).numeric();
    const hashed = this.hashedVocabulary;
    if (id < this.numericKnown.length && this.numericKnown[id] === 1) {
      // a hashed lookup has effects (naming the column, collisions) each time; exact indices never change
      // (hashes are unsigned: an Int32Array holds them signed)
      return hashed !== null
        ? hashed.lookup(this.numericById[id] >>> 0, field, undefined)
        : this.numericById[id];
    }
    let index: number;
    if (hashed !== null) {
      const hash = hashed.hashOf(field);
      this.remember(id, hash);
      index = hashed.lookup(hash, field, undefined);
    } else {
      index = this.vocabulary.indexOf(field);
      if (index >= 0) this.remember(id, index);
    }
    return index;
  }

  private remember(id: number, key: number): void {
    if (id >= this.numericKnown.length) {
      const known = new Uint8Array(Math.max(64, 2 * this.numericKnown.length, id + 1));
      known.set(this.numericKnown);
      this.numericKnown = known;
      this.numericById = growInt32(this.numericById, known.length);
    }
    this.numericById[id] = key;
    this.numericKnown[id] = 1;
  }

  /** The columns of the field of id `id` (-1: none), named `field`. */
  private slotOf(id: number, field: string): FieldColumns {
    if (id >= 0) {
      const slot = this.slotById[id];
      if (slot !== undefined) return slot;
      if (this.slotsById < FIELD_CACHE) {
        this.slotsById++;
        return (this.slotById[id] = this.columnsOf(field));
      }
    }
    return this.slotFor(field);
  }

  private columnsOf(field: string): FieldColumns {
    const vocabulary = this.vocabulary;
    return vocabulary.forField ? vocabulary.forField(field) : new IndexOfColumns(vocabulary, field);
  }

  /**
   * Pass 1 for one feature: a value of a supported type goes into the scratch at `m`, with its
   * slot if the previous event had the same field there. Returns the next `m` (the same for an
   * absent value), or -1 for an unsupported type (its reason in `unsupported`).
   */
  private keep(field: string, v: FeatureValue | null | undefined, m: number): number {
    if (v === null || v === undefined) return m;
    const t = typeof v;
    if (t !== 'number' && t !== 'boolean' && t !== 'string' && !Array.isArray(v)) {
      this.unsupported = `feature "${field}" has an unsupported type`;
      return -1;
    }
    this.fields[m] = field;
    this.values[m] = v;
    this.slots[m] = m < this.lastCount && this.lastFields[m] === field ? this.lastSlots[m] : undefined;
    return m + 1;
  }

  /** A field's columns: cached for the first `FIELD_CACHE` fields, made afresh beyond. */
  private slotFor(field: string): FieldColumns {
    let slot = this.slotByField.get(field);
    if (slot === undefined) {
      const vocabulary = this.vocabulary;
      // a field's own lookups pay off over events; beyond the cache, plain ones are cheaper to make
      if (this.slotByField.size < FIELD_CACHE && vocabulary.forField) {
        slot = vocabulary.forField(field);
        this.slotByField.set(field, slot);
      } else slot = new IndexOfColumns(vocabulary, field);
    }
    return slot;
  }

  private add(out: SparseBuffer, index: number, value: number): void {
    if (index < 0) {
      this.droppedFeatures++;
      return;
    }
    const stamp = this.stamp;
    const mask = stamp.length - 1;
    let slot = index & mask;
    for (; stamp[slot] === this.eventNo; slot = (slot + 1) & mask) {
      if (this.columnAt[slot] === index) {
        out.values[this.positionAt[slot]] += value;
        return;
      }
    }
    stamp[slot] = this.eventNo;
    this.columnAt[slot] = index;
    const nnz = out.nnz;
    this.positionAt[slot] = nnz;
    if (nnz < out.indices.length) {
      // SparseBuffer.push without the call
      out.indices[nnz] = index;
      out.values[nnz] = value;
      out.nnz = nnz + 1;
    } else out.push(index, value);
    // at most half full: probes stay short
    if (2 * out.nnz > mask) this.growSeen(out);
  }

  /** Doubles the table of the event's columns, re-entering those of `out`. */
  private growSeen(out: SparseBuffer): void {
    const size = 2 * this.stamp.length;
    const mask = size - 1;
    this.stamp = new Int32Array(size);
    this.columnAt = new Int32Array(size);
    this.positionAt = new Int32Array(size);
    for (let k = 0; k < out.nnz; k++) {
      let slot = out.indices[k] & mask;
      while (this.stamp[slot] === this.eventNo) slot = (slot + 1) & mask;
      this.stamp[slot] = this.eventNo;
      this.columnAt[slot] = out.indices[k];
      this.positionAt[slot] = k;
    }
  }

  state(): FeaturizerState {
    return { vocabulary: this.vocabulary.state(), droppedFeatures: this.droppedFeatures };
  }

  /** A featurizer continuing from `state` (checkpoints before field types were dropped carry `kinds`: ignored). */
  static fromState(state: FeaturizerState, options: FeaturizerOptions = {}): Featurizer {
    const vocabulary =
      state.vocabulary.kind === 'exact'
        ? ExactVocabulary.fromState(state.vocabulary, options.maxFeatures)
        : HashedVocabulary.fromState(state.vocabulary, options.nameCapacity);
    const f = new Featurizer(options, vocabulary);
    f.droppedFeatures = state.droppedFeatures ?? 0;
    return f;
  }
}

export interface FeaturizerState {
  readonly vocabulary: VocabularyState;
  /** Left out of events because the exact vocabulary was full (absent in older checkpoints). */
  readonly droppedFeatures?: number;
  /** Older checkpoints: the type each field was first seen with (no longer used). */
  readonly kinds?: ReadonlyArray<readonly [string, string]>;
}

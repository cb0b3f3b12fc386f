import type { InternTable, PairTable } from './internTable.js';
import { BINOMIAL_LABELS, MINUS_ONE_LABELS } from './labelHints.js';

/**
 * The event format of docs/conventions.md and its validation at the boundary. Validation happens once, when a
 * record enters the engine; nothing inside the learning loop re-checks types.
 */
export type FeatureValue = number | string | boolean | readonly string[];

export interface L1Event {
  // `| undefined`: classes that implement it (`ListedEvent`) hold undefined for an absent field,
  // which an application compiled with exactOptionalPropertyTypes must accept too
  readonly key?: string | undefined;
  readonly ts?: number | undefined;
  readonly label?: number | undefined;
  readonly weight?: number | undefined;
  readonly features: Readonly<Record<string, FeatureValue>>;
}

/** `ListedEvent.features`: an own, enumerable accessor, so spreads, JSON and deep equality see a property. */
const LISTED_FEATURES: PropertyDescriptor = {
  get(this: ListedEvent) {
    return this.record();
  },
  enumerable: true,
  configurable: true,
};

/** `PackedValues.kinds`: a number. */
export const PACKED_NUMBER = 0;
/** A string: the next of `strings`. */
export const PACKED_STRING = 1;
/** A boolean: `numbers` holds 0 or 1. */
export const PACKED_BOOLEAN = 2;
/** An array of strings: `numbers` holds its length, its items are the next ones of `strings`. */
export const PACKED_ARRAY = 3;
/** null (an absent value that the record keeps, as `JSON.parse` does). */
export const PACKED_NULL = 4;

/**
 * Feature values a reader packed for many events, so that no value is boxed and no array is made
 * per event: value f's kind is `kinds[f]` (`PACKED_*`), its number (or boolean, or item count)
 * `numbers[f]`; strings and array items follow each other in `strings`. An event owns a range of
 * each (`ListedEvent.packedAt`, `packedStringAt`); a reader never rewrites a range an event was
 * given, it starts a new chunk.
 *
 * A reader may add, parallel to `strings`, the id in `pairs` of each string's `field=value` pair
 * (-1: none), so that a featurizer derives a one-hot's hash or column once per pair.
 */
export class PackedValues {
  constructor(
    readonly kinds: Uint8Array,
    readonly numbers: Float64Array,
    readonly strings: string[],
    readonly pairIds: Int32Array | null = null,
    readonly pairs: PairTable | null = null,
    readonly spans: LineSpans | null = null,
  ) {}
}

/**
 * Where a reader found the names and string values in their lines, with their murmur3 hashes, in
 * parallel to a `PackedValues` chunk (`LineEvent`): per value (one per feature) its name's start
 * and end (`names`, two entries) and the name's hash (`nameHashes`, numbers and booleans only);
 * per string (parallel to `strings`, which stays empty) its start and end (`items`), the hash of
 * `field=value` (`itemHashes`) and 1 if it stands for a missing value (`missing`, then no hash).
 */
export class LineSpans {
  readonly names: Int32Array;
  readonly nameHashes: Int32Array;
  readonly items: Int32Array;
  readonly itemHashes: Int32Array;
  readonly missing: Uint8Array;

  /** Room for `values` values and `strings` strings, or (`arrays`) spans read elsewhere (a reader thread's). */
  constructor(
    values: number,
    strings: number,
    arrays?: {
      readonly names: Int32Array;
      readonly nameHashes: Int32Array;
      readonly items: Int32Array;
      readonly itemHashes: Int32Array;
      readonly missing: Uint8Array;
    },
  ) {
    this.names = arrays?.names ?? new Int32Array(2 * values);
    this.nameHashes = arrays?.nameHashes ?? new Int32Array(values);
    this.items = arrays?.items ?? new Int32Array(2 * strings);
    this.itemHashes = arrays?.itemHashes ?? new Int32Array(strings);
    this.missing = arrays?.missing ?? new Uint8Array(strings);
  }
}

/** The `count` values packed from `at` (strings from `stringAt`), as a list (no nulls). */
export function unpackValues(
  packed: PackedValues,
  at: number,
  stringAt: number,
  count: number,
): FeatureValue[] {
  return unpackListed(packed, at, stringAt, count) as FeatureValue[];
}

/** `unpackValues` where values may be null (`PACKED_NULL`). */
export function unpackListed(
  packed: PackedValues,
  at: number,
  stringAt: number,
  count: number,
): Array<FeatureValue | null> {
  const { kinds, numbers, strings } = packed;
  const list = new Array<FeatureValue | null>(count);
  let s = stringAt;
  for (let k = 0; k < count; k++) {
    const kind = kinds[at + k];
    const x = numbers[at + k];
    if (kind === PACKED_NUMBER) list[k] = x;
    else if (kind === PACKED_STRING) list[k] = strings[s++];
    else if (kind === PACKED_BOOLEAN) list[k] = x === 1;
    else if (kind === PACKED_NULL) list[k] = null;
    else {
      const items = new Array<string>(x);
      for (let i = 0; i < x; i++) items[i] = strings[s++];
      list[k] = items;
    }
  }
  return list;
}

/**
 * An event whose features are kept as the list a reader met them in (`JsonEventReader`): the
 * featurizer walks the list, and `features` (the same null-prototype record `JSON.parse` and
 * `validateEvent` give) is built only if something reads it. Building a record of thousands of
 * distinct names per event costs more than reading the line. The reader makes one only when the
 * list's order is the record's key order: distinct names, none that looks like an array index
 * (those come first in a record, in numeric order).
 *
 * A reader may add the ids its `InternTable` gave the names (`fieldIds`), and may give the values
 * packed (`PackedValues`) instead of as a list: `fieldValues` is then made when first read.
 */
export class ListedEvent implements L1Event {
  readonly key: string | undefined;
  readonly ts: number | undefined;
  readonly label: number | undefined;
  readonly weight: number | undefined;
  readonly #names: readonly string[];
  #values: ReadonlyArray<FeatureValue | null> | null;
  readonly #ids: Int32Array | null;
  readonly #idStart: number;
  readonly #idSource: InternTable | null;
  readonly #packed: PackedValues | null;
  readonly #packedAt: number;
  readonly #stringAt: number;
  #record: Record<string, FeatureValue> | null = null;

  /**
   * `values` may be null only with `packed`: the values of `names` from `packedAt` and `stringAt`.
   * `ownFeatures` false: `features` is left to the prototype's getter, not made an own property
   * (that costs ~0.13 µs per event): for events only the engine sees (`DecodeEventsOptions.engineEvents`),
   * which serialize the same (`toJSON`) but are not seen as plain events by spreads or deep equality.
   */
  constructor(
    key: string | undefined,
    ts: number | undefined,
    label: number | undefined,
    weight: number | undefined,
    names: readonly string[],
    values: ReadonlyArray<FeatureValue | null> | null,
    ids: Int32Array | null = null,
    idStart = 0,
    idSource: InternTable | null = null,
    packed: PackedValues | null = null,
    packedAt = 0,
    stringAt = 0,
    ownFeatures = true,
  ) {
    this.key = key;
    this.ts = ts;
    this.label = label;
    this.weight = weight;
    this.#names = names;
    this.#values = values;
    this.#ids = ids;
    this.#idStart = idStart;
    this.#idSource = idSource;
    this.#packed = packed;
    this.#packedAt = packedAt;
    this.#stringAt = stringAt;
    if (ownFeatures) Object.defineProperty(this, 'features', LISTED_FEATURES);
  }

  /** The features as a record (an instance's own accessor, when it has one, hides this one). */
  get features(): Readonly<Record<string, FeatureValue>> {
    return this.record();
  }

  /** What `JSON.stringify` gives for the plain event (the same with `features` own or not). */
  toJSON(): L1Event {
    return { key: this.key, ts: this.ts, label: this.label, weight: this.weight, features: this.record() };
  }

  /** Feature names in the order read (distinct). */
  get fieldNames(): readonly string[] {
    return this.#names;
  }

  /** Their values (null: absent), parallel to `fieldNames`. */
  get fieldValues(): ReadonlyArray<FeatureValue | null> {
    return (this.#values ??= unpackListed(this.#packed!, this.#packedAt, this.#stringAt, this.#names.length));
  }

  /** The values as the reader packed them (null: only `fieldValues`). */
  get packedValues(): PackedValues | null {
    return this.#packed;
  }

  /** Where this event's values start in `packedValues` (`kinds`, `numbers`). */
  get packedAt(): number {
    return this.#packedAt;
  }

  /** Where its strings start in `packedValues.strings`. */
  get packedStringAt(): number {
    return this.#stringAt;
  }

  /**
   * The names' ids from `idSource` (-1: none), parallel to `fieldNames` from `fieldIdStart` on
   * (readers share one array between events). Null when the reader gave none.
   */
  get fieldIds(): Int32Array | null {
    return this.#ids;
  }

  get fieldIdStart(): number {
    return this.#idStart;
  }

  /** The table the ids are from: an id means nothing with another table. */
  get idSource(): InternTable | null {
    return this.#idSource;
  }

  /** The features as a record (built once). */
  record(): Readonly<Record<string, FeatureValue>> {
    if (this.#record === null) {
      const r = Object.create(null) as Record<string, FeatureValue>;
      const names = this.fieldNames;
      const values = this.fieldValues;
      for (let k = 0; k < names.length; k++) r[names[k]] = values[k] as FeatureValue;
      this.#record = r;
    }
    return this.#record;
  }
}

export type Family = 'gaussian' | 'binomial';

/** The outcome of validating one decoded record: an event, or the reason it was rejected. */
export type Validated =
  { readonly ok: true; readonly event: L1Event } | { readonly ok: false; readonly reason: string };

function reject(reason: string): Validated {
  return { ok: false, reason };
}

/**
 * The model key of a number or boolean, in an event's `key` or a `--key-by` feature field: its
 * text, so that 7 and "7" key the same model, "7".
 */
export function keyText(value: number | boolean): string {
  return String(value);
}

/** `; the event has "feature": did you mean "features"?` when a field of the event is so named. */
function featuresNamedOtherwise(event: Record<string, unknown>): string {
  for (const name of Object.keys(event))
    if (name !== 'features' && name.toLowerCase().startsWith('feat'))
      return `; the event has ${JSON.stringify(name)}: did you mean "features"?`;
  return '';
}

function isPlainObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/**
 * Checks one decoded record against the event format of docs/conventions.md (structure and finiteness; per-field type
 * consistency across events is the featurizer's job, since it needs memory of earlier events).
 * For `binomial`, labels must be 0/1 (booleans accepted); `true`/`false` labels become 1/0. A label that
 * is absent, null or "" leaves the event unlabelled (scored, not learned).
 */
export function validateEvent(raw: unknown, family: Family): Validated {
  if (!isPlainObject(raw)) return reject('event is not a JSON object');
  const { key, ts, label, weight, features } = raw;
  let k: string | undefined;
  if (typeof key === 'string') k = key;
  else if (typeof key === 'boolean' || (typeof key === 'number' && Number.isFinite(key))) k = keyText(key);
  else if (key !== undefined && key !== null) {
    const got =
      typeof key === 'number'
        ? 'a number that is not finite'
        : Array.isArray(key)
          ? 'a list'
          : typeof key === 'object'
            ? 'an object'
            : typeof key;
    return reject(`"key" must be a string, a finite number or a boolean, got ${got}`);
  }
  if (ts !== undefined && ts !== null && (typeof ts !== 'number' || !Number.isFinite(ts))) {
    return reject('"ts" must be a finite number (milliseconds)');
  }
  let y: number | undefined;
  // absent, null or "" (a missing value, as for features): an unlabelled event, scored
  if (label !== undefined && label !== null && label !== '') {
    if (typeof label === 'boolean') y = label ? 1 : 0;
    else if (typeof label === 'number') {
      if (!Number.isFinite(label)) return reject(`"label" is not a finite number (${String(label)})`);
      y = label;
    } else if (typeof label === 'string' && label.trim() !== '' && Number.isFinite(Number(label.trim())))
      return reject(
        '"label" must be a number, got a number in quotes: send it without them ({"label": 1}, not {"label": "1"})',
      );
    else
      return reject(
        `"label" must be a number, got ${typeof label}${family === 'binomial' && typeof label === 'string' ? BINOMIAL_LABELS : ''}`,
      );
    if (family === 'binomial' && y !== 0 && y !== 1) {
      return reject(
        `"label" must be 0 or 1 for family binomial, got ${y}${y === -1 ? MINUS_ONE_LABELS : ''}`,
      );
    }
  }
  let w: number | undefined;
  if (weight !== undefined && weight !== null) {
    if (typeof weight === 'string' && Number.isFinite(Number(weight.trim())) && weight.trim() !== '')
      return reject(
        '"weight" must be a finite number >= 0, got a number in quotes: send it without them ({"weight": 2}, not {"weight": "2"})',
      );
    if (typeof weight !== 'number' || !Number.isFinite(weight) || weight < 0) {
      return reject('"weight" must be a finite number >= 0');
    }
    w = weight;
  }
  if (!isPlainObject(features))
    return reject(`"features" is missing or not an object${featuresNamedOtherwise(raw)}`);
  for (const name in features) {
    const v = features[name];
    if (typeof v === 'number') {
      if (!Number.isFinite(v)) return reject(`feature "${name}" is not a finite number (${String(v)})`);
    } else if (typeof v === 'string' || typeof v === 'boolean' || v === null) {
      // fine; null means absent
    } else if (Array.isArray(v)) {
      for (const item of v) {
        if (typeof item !== 'string')
          return reject(`feature "${name}" is an array with a non-string element`);
      }
    } else {
      return reject(
        `feature "${name}" has unsupported type ${typeof v} (use number, string, boolean or string[])`,
      );
    }
  }
  // One object literal of fixed shape (no spreads): this runs once per event.
  const event: L1Event = {
    key: k,
    ts: typeof ts === 'number' ? ts : undefined,
    label: y,
    weight: w,
    features: features as Record<string, FeatureValue>,
  };
  return { ok: true, event };
}

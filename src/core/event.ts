import type { InternTable } from './internTable.js';

/**
 * The event format of DESIGN §2 and its validation at the boundary. Validation happens once, when a
 * record enters the engine; nothing inside the learning loop re-checks types.
 */
export type FeatureValue = number | string | boolean | readonly string[];

export interface L1Event {
  readonly key?: string;
  readonly ts?: number;
  readonly label?: number;
  readonly weight?: number;
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

/**
 * An event whose features are kept as the list a reader met them in (`JsonEventReader`): the
 * featurizer walks the list, and `features` (the same null-prototype record `JSON.parse` and
 * `validateEvent` give) is built only if something reads it. Building a record of thousands of
 * distinct names per event costs more than reading the line. The reader makes one only when the
 * list's order is the record's key order: distinct names, none that looks like an array index
 * (those come first in a record, in numeric order).
 *
 * A reader may add the ids its `InternTable` gave the names (`fieldIds`).
 */
export class ListedEvent implements L1Event {
  readonly key: string | undefined;
  readonly ts: number | undefined;
  readonly label: number | undefined;
  readonly weight: number | undefined;
  declare readonly features: Readonly<Record<string, FeatureValue>>;
  readonly #names: readonly string[];
  readonly #values: ReadonlyArray<FeatureValue | null>;
  readonly #ids: Int32Array | null;
  readonly #idStart: number;
  readonly #idSource: InternTable | null;
  #record: Record<string, FeatureValue> | null = null;

  constructor(
    key: string | undefined,
    ts: number | undefined,
    label: number | undefined,
    weight: number | undefined,
    names: readonly string[],
    values: ReadonlyArray<FeatureValue | null>,
    ids: Int32Array | null = null,
    idStart = 0,
    idSource: InternTable | null = null,
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
    Object.defineProperty(this, 'features', LISTED_FEATURES);
  }

  /** Feature names in the order read (distinct). */
  get fieldNames(): readonly string[] {
    return this.#names;
  }

  /** Their values (null: absent), parallel to `fieldNames`. */
  get fieldValues(): ReadonlyArray<FeatureValue | null> {
    return this.#values;
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
      for (let k = 0; k < this.#names.length; k++) r[this.#names[k]] = this.#values[k] as FeatureValue;
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

function isPlainObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/**
 * Checks one decoded record against DESIGN §2 (structure and finiteness; per-field type
 * consistency across events is the featurizer's job, since it needs memory of earlier events).
 * For `binomial`, labels must be 0/1 (booleans accepted); `true`/`false` labels become 1/0.
 */
export function validateEvent(raw: unknown, family: Family): Validated {
  if (!isPlainObject(raw)) return reject('event is not a JSON object');
  const { key, ts, label, weight, features } = raw;
  if (key !== undefined && key !== null && typeof key !== 'string') return reject('"key" must be a string');
  if (ts !== undefined && ts !== null && (typeof ts !== 'number' || !Number.isFinite(ts))) {
    return reject('"ts" must be a finite number (milliseconds)');
  }
  let y: number | undefined;
  if (label !== undefined && label !== null) {
    if (typeof label === 'boolean') y = label ? 1 : 0;
    else if (typeof label === 'number') {
      if (!Number.isFinite(label)) return reject(`"label" is not a finite number (${String(label)})`);
      y = label;
    } else return reject(`"label" must be a number, got ${typeof label}`);
    if (family === 'binomial' && y !== 0 && y !== 1) {
      return reject(`"label" must be 0 or 1 for family binomial, got ${y}`);
    }
  }
  let w: number | undefined;
  if (weight !== undefined && weight !== null) {
    if (typeof weight !== 'number' || !Number.isFinite(weight) || weight < 0) {
      return reject('"weight" must be a finite number >= 0');
    }
    w = weight;
  }
  if (!isPlainObject(features)) return reject('"features" is missing or not an object');
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
    key: typeof key === 'string' ? key : undefined,
    ts: typeof ts === 'number' ? ts : undefined,
    label: y,
    weight: w,
    features: features as Record<string, FeatureValue>,
  };
  return { ok: true, event };
}

import {
  ListedEvent,
  PACKED_ARRAY,
  PACKED_BOOLEAN,
  PACKED_NULL,
  PACKED_NUMBER,
  type FeatureValue,
  type LineSpans,
  type PackedValues,
  unpackListed,
} from './event.js';
import { flatSlice, type InternTable } from './internTable.js';

const NO_NAMES: readonly string[] = [];

/**
 * A `ListedEvent` every name of which has an id in `idSource` (the reader's `InternTable`): its
 * names are those ids' strings, so the reader makes no array of names per event; `fieldNames`
 * and `fieldValues` are built when first read (a featurizer reads the ids, and `nameAt` for a
 * name it has not seen).
 */
export class IdListedEvent extends ListedEvent {
  readonly #count: number;
  #names: string[] | null = null;
  #list: Array<FeatureValue | null> | null = null;

  /** `count` features, their ids in `ids` from `idStart` on (all from `table`), values as `ListedEvent`'s. */
  constructor(
    key: string | undefined,
    ts: number | undefined,
    label: number | undefined,
    weight: number | undefined,
    count: number,
    ids: Int32Array,
    idStart: number,
    table: InternTable,
    packed: PackedValues,
    packedAt: number,
    stringAt: number,
    ownFeatures: boolean,
  ) {
    super(
      key,
      ts,
      label,
      weight,
      NO_NAMES,
      null,
      ids,
      idStart,
      table,
      packed,
      packedAt,
      stringAt,
      ownFeatures,
    );
    this.#count = count;
  }

  /** Features. */
  get count(): number {
    return this.#count;
  }

  /** The name of feature `k`. */
  nameAt(k: number): string {
    return this.idSource!.stringOf(this.fieldIds![this.fieldIdStart + k]);
  }

  override get fieldNames(): readonly string[] {
    return (this.#names ??= namesOf(this, this.#count));
  }

  override get fieldValues(): ReadonlyArray<FeatureValue | null> {
    return (this.#list ??= unpackListed(this.packedValues!, this.packedAt, this.packedStringAt, this.#count));
  }
}

/**
 * A `ListedEvent` whose names and string values are left in its line (`LineSpans`), with the
 * murmur3 hashes a hashed vocabulary of seed `hashSeed` takes: a hashed featurizer learns it from
 * the hashes and builds a name only when its vocabulary records one (`nameAt`, `stringAt`).
 * `fieldNames`, `fieldValues` and `features` are built from the line when first read. A one-hot
 * field's name and a string value come from the reader's tables when those hold them (a field or
 * value the vocabulary records with many others is one string); a numeric name is its own.
 */
export class LineEvent extends ListedEvent {
  // private fields: spreads and deep equality see an event's own properties only
  readonly #line: string;
  readonly #count: number;
  readonly #hashSeed: number;
  readonly #table: InternTable | null;
  readonly #values: InternTable | null;
  #names: string[] | null = null;
  #list: Array<FeatureValue | null> | null = null;

  /**
   * `line`: the line the spans point into; `count` features, each with one value in `packed`
   * from `packedAt` on; `table`: where one-hot fields' names are interned, `values` their values.
   */
  constructor(
    key: string | undefined,
    ts: number | undefined,
    label: number | undefined,
    weight: number | undefined,
    line: string,
    count: number,
    packed: PackedValues,
    packedAt: number,
    stringAt: number,
    hashSeed: number,
    table: InternTable | null,
    values: InternTable | null,
    ownFeatures: boolean,
  ) {
    super(key, ts, label, weight, NO_NAMES, null, null, 0, null, packed, packedAt, stringAt, ownFeatures);
    this.#line = line;
    this.#count = count;
    this.#hashSeed = hashSeed;
    this.#table = table;
    this.#values = values;
  }

  /** Features. */
  get count(): number {
    return this.#count;
  }

  /** The seed of the hashes (`LineSpans`). */
  get hashSeed(): number {
    return this.#hashSeed;
  }

  get spans(): LineSpans {
    return this.packedValues!.spans!;
  }

  /** The name of feature `k`. */
  nameAt(k: number): string {
    const names = this.spans.names;
    const at = 2 * (this.packedAt + k);
    // one-hot fields repeat over their values' names: one string; a numeric name is its own
    if (this.packedValues!.kinds[this.packedAt + k] === PACKED_NUMBER)
      return flatSlice(this.#line, names[at], names[at + 1]);
    return intern(this.#table, this.#line, names[at], names[at + 1]);
  }

  /** String `s` of `packedValues.strings`' positions (a string value or an array's item). */
  stringAt(s: number): string {
    const items = this.spans.items;
    return intern(this.#values, this.#line, items[2 * s], items[2 * s + 1]);
  }

  override get fieldNames(): readonly string[] {
    return (this.#names ??= namesOf(this, this.#count));
  }

  override get fieldValues(): ReadonlyArray<FeatureValue | null> {
    if (this.#list === null) {
      const { kinds, numbers } = this.packedValues!;
      const at = this.packedAt;
      const list = new Array<FeatureValue | null>(this.#count);
      let s = this.packedStringAt;
      for (let k = 0; k < this.#count; k++) {
        const kind = kinds[at + k];
        const x = numbers[at + k];
        if (kind === PACKED_NUMBER) list[k] = x;
        else if (kind === PACKED_BOOLEAN) list[k] = x === 1;
        else if (kind === PACKED_NULL) list[k] = null;
        else if (kind === PACKED_ARRAY) {
          const items = new Array<string>(x);
          for (let i = 0; i < x; i++) items[i] = this.stringAt(s++);
          list[k] = items;
        } else list[k] = this.stringAt(s++);
      }
      this.#list = list;
    }
    return this.#list;
  }
}

/** The names of an event's features 0 .. count − 1. */
function namesOf(event: { nameAt(k: number): string }, count: number): string[] {
  const names = new Array<string>(count);
  for (let k = 0; k < count; k++) names[k] = event.nameAt(k);
  return names;
}

/** `text[start, end)`, the table's instance when it holds it or takes it. */
function intern(table: InternTable | null, text: string, start: number, end: number): string {
  if (table !== null) {
    const id = table.intern(text, start, end);
    if (id >= 0) return table.stringOf(id);
  }
  return flatSlice(text, start, end);
}

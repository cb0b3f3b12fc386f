import {
  InternTable,
  ListedEvent,
  MAX_INTERNED_LENGTH,
  PACKED_ARRAY,
  PACKED_BOOLEAN,
  PACKED_NUMBER,
  PACKED_STRING,
  PackedValues,
  unpackValues,
  type Family,
  type FeatureValue,
  type L1Event,
} from '../../../src/index.js';
import { Utf8Cache } from './utf8Cache.js';

/** A body that is not valid Avro for the event schema (the message says what avsc would say). */
export class AvroBodyError extends Error {
  override readonly name = 'AvroBodyError';
}

/** The `__proto__` key: assigning it to a plain object would set the prototype, not a feature. */
const PROTO = '__proto__';

/** Values per chunk of `PackedValues`, at least, and strings (fewer: most values are numbers). */
const CHUNK = 1 << 13;
const STRING_CHUNK = 1 << 11;

/**
 * Slots of the reader's string cache: names, category values, tags and event keys of a stream;
 * at 4,096 the 1,000 keys of bench:kafka's events evicted each other 0.3 times per event.
 */
const STRING_SLOTS = 1 << 14;

/** Names above which `listable` checks repeats with a set rather than pairwise. */
const PAIRWISE = 32;

/**
 * True when a record of `names[0, count)` keeps them in this order: distinct, and none that may
 * be an array index (a record puts those first, in numeric order; any name starting with a
 * digit is taken to be one).
 */
function listable(names: readonly string[], count: number): boolean {
  for (let k = 0; k < count; k++) {
    const c0 = names[k].charCodeAt(0);
    if (c0 >= 0x30 && c0 <= 0x39) return false;
  }
  if (count <= PAIRWISE) {
    for (let k = 1; k < count; k++) for (let j = 0; j < k; j++) if (names[j] === names[k]) return false;
    return true;
  }
  return new Set(names.slice(0, count)).size === count;
}

/**
 * The id of `name` in `table` (adding it if there is room), or -1 for a name the table cannot
 * hold: too long, or with characters `InternTable` takes as escapes (it copies long names
 * through a JSON string).
 */
function internId(table: InternTable, name: string): number {
  const length = name.length;
  if (length > MAX_INTERNED_LENGTH) return -1;
  let h = 0x811c9dc5;
  for (let i = 0; i < length; i++) {
    const c = name.charCodeAt(i);
    if (c < 0x20 || c === 0x22 || c === 0x5c) return -1;
    h = Math.imul(h ^ c, 0x01000193);
  }
  return table.idOf(name, 0, length, h);
}

/**
 * A reader for the shipped event schema (`connectors/kafka/schemas/event.avsc`) in Avro binary,
 * written by hand for the hot path, used when a record's writer schema and the decoder's reader
 * schema are both that schema (same canonical form), so no schema resolution is needed:
 *
 * - it reads straight from the message bytes (no `Buffer` slice per record, no avsc `Tap`);
 * - map keys and short strings go through a `Utf8Cache`, so repeated names are not re-decoded;
 * - it builds the event (docs/conventions.md, events) that `validateEvent` would return, and checks on the way
 *   what the schema does not guarantee: finite numbers, a 0/1 label for binomial, weight ≥ 0;
 * - it keeps the features as the list it read (`ListedEvent`: no record unless something reads
 *   `features`), with the ids of their names in its `InternTable`, so the featurizer finds their
 *   columns by array index; records that repeat the previous listed record's names, in order,
 *   share its names and ids arrays (a name is looked up only when the layout changes). On the
 *   10-feature events of bench:kafka this took ~1 µs/event less CPU in the engine than building
 *   a record (bench/results/kafka.md).
 *
 * The schema already guarantees every type (key a string, ts a long, features numbers, strings,
 * booleans or string arrays), so nothing is walked twice. A record that is well-formed but not a
 * valid event (or that has a `__proto__` feature) is not judged here: `read` returns null and the
 * caller takes the general path (avsc + `validateEvent`), which names the exact reason. Malformed
 * bodies throw `AvroBodyError` with avsc's wording (`truncated buffer`, `trailing data`, ...).
 */
export class AvroEventReader {
  private readonly strings: Utf8Cache;
  private buf: Buffer = Buffer.alloc(0);
  private pos = 0;
  private end = 0;
  /**
   * Doubles are read through a DataView on the record's underlying memory (one load each once
   * optimized); it is kept while records come from the same fetch buffer.
   */
  private view: DataView<ArrayBufferLike> = new DataView(new ArrayBuffer(0));
  /** Offset of `buf` in `view`. */
  private viewBase = 0;
  /** Names of the last listed event (distinct, none an array index), and their ids. */
  private layout: readonly string[] = [];
  private layoutIds = new Int32Array(0);
  /**
   * The layout's names as read (each its length's varint and its UTF-8 bytes, one after the
   * other; `layoutEnds[k]`: the end of name k): a record repeating the layout is matched byte for
   * byte, without decoding its names.
   */
  private layoutBytes = new Uint8Array(0);
  private layoutEnds = new Int32Array(0);
  /** Where each name of the record being read starts and ends in `buf` (its varint included). */
  private nameStarts = new Int32Array(64);
  private nameEnds = new Int32Array(64);
  /** The names and their ids of the record being read. */
  private readonly names: string[] = [];
  private ids = new Int32Array(64);
  /**
   * The values read, packed (`ListedEvent.packedValues`): the record being read writes from
   * `packedAt` and `stringAt` on, which move past it only once it is an event; when the chunk is
   * full, a new one takes over (events keep theirs).
   */
  private packed = new PackedValues(
    new Uint8Array(CHUNK),
    new Float64Array(CHUNK),
    new Array<string>(STRING_CHUNK),
  );
  private packedAt = 0;
  private stringAt = 0;
  /** The next string's place in `packed.strings` while a record is read. */
  private stringEnd = 0;
  /**
   * Ids of the feature names (`ListedEvent.fieldIds`, which the featurizer maps to columns by
   * array index), and per `Utf8Cache` slot the name last given an id there and its id, so a name
   * is looked up in the table only when the cache decoded it afresh.
   */
  readonly nameTable: InternTable;
  private readonly slotNames: Array<string | undefined>;
  private readonly slotIds: Int32Array;
  /** Set by `readList`: the names just read are the layout's. */
  private same = false;
  /** False once the record is known to need the general path. */
  private ok = true;

  constructor(strings = new Utf8Cache(STRING_SLOTS), nameTable = new InternTable()) {
    this.strings = strings;
    this.nameTable = nameTable;
    this.slotNames = new Array<string | undefined>(strings.slots);
    this.slotIds = new Int32Array(strings.slots);
  }

  /**
   * Reads the body in `buf[start, end)`: the event, or null when it is well-formed Avro but must
   * be judged by the general path (invalid or unusual). Throws `AvroBodyError`. `ownFeatures`:
   * see `ListedEvent`.
   */
  read(buf: Buffer, start: number, family: Family, ownFeatures = true, end = buf.length): L1Event | null {
    if (buf !== this.buf) {
      // (`.buffer` is a runtime call: read once per Buffer, whose memory never changes)
      if (this.view.buffer !== buf.buffer) this.view = new DataView(buf.buffer);
      this.viewBase = buf.byteOffset;
      this.buf = buf;
    }
    this.pos = start;
    this.end = end;
    let ok = true;
    const key = this.readUnionIndex(2) === 1 ? this.readString() : undefined;
    const ts = this.readUnionIndex(2) === 1 ? this.readLong() : undefined;
    if (ts !== undefined && !Number.isSafeInteger(ts)) throw new AvroBodyError('potential precision loss');
    let label: number | undefined;
    if (this.readUnionIndex(2) === 1) {
      label = this.readDouble();
      if (family === 'binomial' ? label !== 0 && label !== 1 : !Number.isFinite(label)) ok = false;
    }
    let weight: number | undefined;
    if (this.readUnionIndex(2) === 1) {
      weight = this.readDouble();
      if (!(weight >= 0 && weight !== Infinity)) ok = false;
    }
    this.ok = ok;
    this.stringEnd = this.stringAt;
    const count = this.readList(this.readBlockCount());
    if (this.pos > this.end) throw new AvroBodyError('truncated buffer');
    if (this.pos < this.end) throw new AvroBodyError('trailing data');
    if (!this.ok) return null;
    const names = this.names;
    const table = this.nameTable;
    const packed = this.packed;
    const at = this.packedAt;
    const stringAt = this.stringAt;
    if (this.same && count === this.layout.length) {
      this.packedAt = at + count;
      this.stringAt = this.stringEnd;
      return new ListedEvent(
        key,
        ts,
        label,
        weight,
        this.layout,
        null,
        this.layoutIds,
        0,
        table,
        packed,
        at,
        stringAt,
        ownFeatures,
      );
    }
    if (listable(names, count)) {
      const listed = names.slice(0, count);
      const ids = this.ids.slice(0, count);
      this.layout = listed;
      this.layoutIds = ids;
      this.keepLayoutBytes(count);
      this.packedAt = at + count;
      this.stringAt = this.stringEnd;
      return new ListedEvent(
        key,
        ts,
        label,
        weight,
        listed,
        null,
        ids,
        0,
        table,
        packed,
        at,
        stringAt,
        ownFeatures,
      );
    }
    // a repeated or array-index name: the record avsc builds (first place, last value)
    const values = unpackValues(packed, at, stringAt, count);
    const record: Record<string, FeatureValue> = {};
    for (let k = 0; k < count; k++) record[names[k]] = values[k];
    return { key, ts, label, weight, features: record };
  }

  /**
   * Room for value `k` of the record being read (at `packedAt + k`) and `strings` more strings: if
   * the chunk lacks it, a new chunk with the record's values read so far.
   */
  private room(k: number, strings: number): void {
    const packed = this.packed;
    if (this.packedAt + k >= packed.kinds.length || this.stringEnd + strings > packed.strings.length)
      this.newChunk(k, strings);
  }

  private newChunk(k: number, strings: number): void {
    const old = this.packed;
    const at = this.packedAt;
    const size = Math.max(CHUNK, 2 * (k + 1));
    const stringsRead = this.stringEnd - this.stringAt;
    const next = new PackedValues(
      new Uint8Array(size),
      new Float64Array(size),
      new Array<string>(Math.max(STRING_CHUNK, 2 * (stringsRead + strings))),
    );
    next.kinds.set(old.kinds.subarray(at, at + k));
    next.numbers.set(old.numbers.subarray(at, at + k));
    for (let i = 0; i < stringsRead; i++) next.strings[i] = old.strings[this.stringAt + i];
    this.packed = next;
    this.packedAt = 0;
    this.stringAt = 0;
    this.stringEnd = stringsRead;
  }

  /**
   * The map's entries into `names`, `ids` and `values`, its first block of `n` entries read next;
   * returns their number and sets `same` (the names are the layout's, in order).
   */
  private readList(n: number): number {
    const names = this.names;
    const layout = this.layout;
    const layoutIds = this.layoutIds;
    let count = 0;
    let same = true;
    let filled = 0;
    for (; n !== 0; n = this.readBlockCount()) {
      if (same) {
        const run = this.readLayoutRun(count, n);
        count += run;
        n -= run;
      }
      if (n > 0 && filled < count) {
        // the run's entries as the loop below would have kept them
        this.fillFromLayout(filled, count);
        filled = count;
      }
      for (; n > 0; n--) {
        if (count === this.ids.length) this.growIds();
        const at = this.pos;
        let name: string;
        if (same && count < layout.length && this.atLayoutName(count)) name = layout[count];
        else {
          name = this.readString();
          if (name === PROTO) this.ok = false;
          if (same && (count >= layout.length || layout[count] !== name)) same = false;
        }
        this.nameStarts[count] = at;
        this.nameEnds[count] = this.pos;
        this.ids[count] = same ? layoutIds[count] : this.idOfLast(name);
        names[count] = name;
        this.readValue(count++);
        filled = count;
      }
    }
    // fewer entries than the layout: `read` takes the record's names
    if (filled < count && !(same && count === this.layout.length)) this.fillFromLayout(filled, count);
    this.same = same;
    return count;
  }

  /**
   * The entries from `count` on (at most `n`, the rest of the block) whose names are the layout's,
   * in order, as `readList` reads them, stopping at the first other name; returns how many. Only
   * where each name starts is kept (`fillFromLayout` completes them if the record turns out not
   * to be the layout's). Number values are read here, the other values by `readValue`.
   */
  private readLayoutRun(count: number, n: number): number {
    const layoutEnds = this.layoutEnds;
    const layoutBytes = this.layoutBytes;
    const last = Math.min(this.layout.length, count + n);
    const nameStarts = this.nameStarts;
    const buf = this.buf;
    const end = this.end;
    const view = this.view;
    const viewBase = this.viewBase;
    // the chunk's arrays (readValue may start a new chunk: read again after it)
    let at = this.packedAt;
    let kinds = this.packed.kinds;
    let numbers = this.packed.numbers;
    let pos = this.pos;
    let k = count;
    for (; k < last; k++) {
      const from = k === 0 ? 0 : layoutEnds[k - 1];
      const to = layoutEnds[k];
      if (pos + (to - from) > end) break;
      let i = from;
      let p = pos;
      while (i < to && buf[p] === layoutBytes[i]) {
        i++;
        p++;
      }
      if (i < to) break;
      nameStarts[k] = pos;
      // a double: union index 0 (one byte, 0) and its 8 bytes, with room in the chunk
      const f = at + k;
      if (buf[p] === 0 && p + 9 <= end && f < kinds.length) {
        const x = view.getFloat64(viewBase + p + 1, true);
        if (!Number.isFinite(x)) this.ok = false;
        kinds[f] = PACKED_NUMBER;
        numbers[f] = x;
        pos = p + 9;
        continue;
      }
      this.pos = p;
      this.readValue(k);
      pos = this.pos;
      at = this.packedAt;
      kinds = this.packed.kinds;
      numbers = this.packed.numbers;
    }
    this.pos = pos;
    return k - count;
  }

  /** Entries `[from, to)` of a layout run: their names, ids and name ends (`readList` keeps them all). */
  private fillFromLayout(from: number, to: number): void {
    const layoutEnds = this.layoutEnds;
    for (let k = from; k < to; k++) {
      this.names[k] = this.layout[k];
      this.ids[k] = this.layoutIds[k];
      this.nameEnds[k] = this.nameStarts[k] + layoutEnds[k] - (k === 0 ? 0 : layoutEnds[k - 1]);
    }
  }

  /** True, past it, if the bytes at `pos` are the layout's name `k` as read (varint and UTF-8). */
  private atLayoutName(k: number): boolean {
    const from = k === 0 ? 0 : this.layoutEnds[k - 1];
    const length = this.layoutEnds[k] - from;
    const pos = this.pos;
    if (pos + length > this.end) return false;
    const buf = this.buf;
    const bytes = this.layoutBytes;
    for (let i = 0; i < length; i++) if (buf[pos + i] !== bytes[from + i]) return false;
    this.pos = pos + length;
    return true;
  }

  /** The bytes of the `count` names just read, as the new layout's. */
  private keepLayoutBytes(count: number): void {
    const starts = this.nameStarts;
    const ends = this.nameEnds;
    let total = 0;
    for (let k = 0; k < count; k++) total += ends[k] - starts[k];
    const bytes = new Uint8Array(total);
    const layoutEnds = new Int32Array(count);
    const buf = this.buf;
    for (let k = 0, at = 0; k < count; k++) {
      for (let i = starts[k]; i < ends[k]; i++) bytes[at++] = buf[i];
      layoutEnds[k] = at;
    }
    this.layoutBytes = bytes;
    this.layoutEnds = layoutEnds;
  }

  private growIds(): void {
    const grow = (a: Int32Array) => {
      const b = new Int32Array(2 * a.length);
      b.set(a);
      return b;
    };
    this.ids = grow(this.ids);
    this.nameStarts = grow(this.nameStarts);
    this.nameEnds = grow(this.nameEnds);
  }

  /** The id of `name`, the string `readString` just returned (-1: none, the featurizer looks it up by name). */
  private idOfLast(name: string): number {
    const slot = this.strings.slot;
    if (slot >= 0 && this.slotNames[slot] === name) return this.slotIds[slot];
    const id = internId(this.nameTable, name);
    if (slot >= 0) {
      this.slotNames[slot] = name;
      this.slotIds[slot] = id;
    }
    return id;
  }

  /**
   * Value `k` of the record (the union of the map's values), into `packed`; a non-finite number
   * clears `ok`.
   */
  private readValue(k: number): void {
    const kind = this.readUnionIndex(4);
    this.room(k, kind === PACKED_STRING ? 1 : 0);
    const packed = this.packed;
    const f = this.packedAt + k;
    switch (kind) {
      case 0: {
        const x = this.readDouble();
        if (!Number.isFinite(x)) this.ok = false;
        packed.kinds[f] = PACKED_NUMBER;
        packed.numbers[f] = x;
        return;
      }
      case 1:
        packed.kinds[f] = PACKED_STRING;
        packed.strings[this.stringEnd++] = this.readString();
        return;
      case 2:
        packed.kinds[f] = PACKED_BOOLEAN;
        packed.numbers[f] = this.readBoolean() ? 1 : 0;
        return;
      default:
        this.readStringArray(k);
    }
  }

  /** A zigzag varint long, read as avsc does (integer arithmetic up to 28 bits, then floating). */
  private readLong(): number {
    const pos = this.pos;
    if (pos < this.end) {
      const b = this.buf[pos];
      if (b < 0x80) {
        // One byte: union indexes, short lengths, block counts.
        this.pos = pos + 1;
        return (b >> 1) ^ -(b & 1);
      }
    }
    return this.readLongBytes();
  }

  private readLongBytes(): number {
    const buf = this.buf;
    let pos = this.pos;
    let b = pos < this.end ? buf[pos] : 0;
    pos++;
    let n = b & 0x7f;
    let k = 7;
    while (b & 0x80 && k < 28) {
      b = pos < this.end ? buf[pos] : 0;
      pos++;
      n |= (b & 0x7f) << k;
      k += 7;
    }
    if (b & 0x80) {
      let f = n;
      let fk = 268435456; // 2^28
      do {
        b = pos < this.end ? buf[pos] : 0;
        pos++;
        f += (b & 0x7f) * fk;
        fk *= 128;
      } while (b & 0x80);
      this.pos = pos;
      // f % 2 exactly (f / 2 and its floor are exact), without the runtime call `%` makes
      return (f - 2 * Math.floor(f / 2) ? -(f + 1) : f) / 2;
    }
    this.pos = pos;
    return (n >> 1) ^ -(n & 1);
  }

  private readUnionIndex(branches: number): number {
    const index = this.readLong();
    if (index >= 0 && index < branches) return index;
    if (this.pos > this.end) throw new AvroBodyError('truncated buffer');
    throw new AvroBodyError(`invalid union index: ${index}`);
  }

  /** Items in the next array or map block (0 ends it); a negative count is followed by a byte size. */
  private readBlockCount(): number {
    let n = this.readLong();
    if (n < 0) {
      this.readLong();
      n = -n;
    }
    // A count the rest of the body cannot hold (each item takes at least one byte).
    if (n > this.end - this.pos) throw new AvroBodyError('truncated buffer');
    return n;
  }

  private readString(): string {
    const length = this.readLong();
    const start = this.pos;
    if (length < 0 || start + length > this.end) throw new AvroBodyError('truncated buffer');
    this.pos = start + length;
    return this.strings.decode(this.buf, start, start + length);
  }

  /** An array of strings as value `k` of the record: its items into `packed.strings`. */
  private readStringArray(k: number): void {
    let items = 0;
    for (let n = this.readBlockCount(); n !== 0; n = this.readBlockCount()) {
      this.room(k, n);
      const strings = this.packed.strings;
      for (; n > 0; n--) {
        strings[this.stringEnd++] = this.readString();
        items++;
      }
    }
    const f = this.packedAt + k;
    this.packed.kinds[f] = PACKED_ARRAY;
    this.packed.numbers[f] = items;
  }

  private readBoolean(): boolean {
    if (this.pos >= this.end) throw new AvroBodyError('truncated buffer');
    return this.buf[this.pos++] !== 0;
  }

  private readDouble(): number {
    const pos = this.pos;
    if (pos + 8 > this.end) throw new AvroBodyError('truncated buffer');
    this.pos = pos + 8;
    return this.view.getFloat64(this.viewBase + pos, true);
  }
}

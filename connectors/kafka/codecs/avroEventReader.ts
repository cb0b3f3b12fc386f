import { ListedEvent, type Family, type FeatureValue, type L1Event } from '../../../src/index.js';
import { Utf8Cache } from './utf8Cache.js';

/** A body that is not valid Avro for the event schema (the message says what avsc would say). */
export class AvroBodyError extends Error {
  override readonly name = 'AvroBodyError';
}

/** The `__proto__` key: assigning it to a plain object would set the prototype, not a feature. */
const PROTO = '__proto__';

/**
 * Features up to which an event's features are a record built here. Measured (bench/results/
 * kafka.md): with 10 names the record is cheaper than a `ListedEvent` (whose constructor defines
 * an accessor), with 16 they are even, with 22 the record costs ~3× as much.
 */
export const RECORD_MAX = 16;

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
 * A reader for the shipped event schema (`connectors/kafka/schemas/event.avsc`) in Avro binary,
 * written by hand for the hot path, used when a record's writer schema and the decoder's reader
 * schema are both that schema (same canonical form), so no schema resolution is needed:
 *
 * - it reads straight from the message bytes (no `Buffer` slice per record, no avsc `Tap`);
 * - map keys and short strings go through a `Utf8Cache`, so repeated names are not re-decoded;
 * - it builds the event (DESIGN §2) in the shape `validateEvent` returns, and checks on the way
 *   what the schema does not guarantee: finite numbers, a 0/1 label for binomial, weight ≥ 0;
 * - an event of more than `RECORD_MAX` features keeps them as the list it read (`ListedEvent`, no
 *   record unless something reads `features`); records that repeat the previous listed record's
 *   names, in order, share its names array.
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
  /** Names of the last listed event (distinct, none an array index). */
  private layout: readonly string[] = [];
  /** The names and values of the record being read. */
  private readonly names: string[] = [];
  private readonly values: FeatureValue[] = [];
  /** Set by `readList`: the names just read are the layout's. */
  private same = false;
  /** False once the record is known to need the general path. */
  private ok = true;

  constructor(strings = new Utf8Cache()) {
    this.strings = strings;
  }

  /**
   * Reads the body in `buf[start, buf.length)`: the event, or null when it is well-formed Avro
   * but must be judged by the general path (invalid or unusual). Throws `AvroBodyError`.
   */
  read(buf: Buffer, start: number, family: Family): L1Event | null {
    this.buf = buf;
    this.pos = start;
    this.end = buf.length;
    if (this.view.buffer !== buf.buffer) this.view = new DataView(buf.buffer);
    this.viewBase = buf.byteOffset;
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
    const first = this.readBlockCount();
    // avsc writes a map as one block: its count is the event's number of features
    const features = first > RECORD_MAX ? null : this.readRecord(first);
    const count = features === null ? this.readList(first) : 0;
    if (this.pos > this.end) throw new AvroBodyError('truncated buffer');
    if (this.pos < this.end) throw new AvroBodyError('trailing data');
    if (!this.ok) return null;
    // The same object shape as `validateEvent` returns (one hidden class for every event).
    if (features !== null) return { key, ts, label, weight, features };
    const names = this.names;
    const values = this.values.slice(0, count);
    if (this.same && count === this.layout.length)
      return new ListedEvent(key, ts, label, weight, this.layout, values);
    if (listable(names, count)) {
      const listed = names.slice(0, count);
      this.layout = listed;
      return new ListedEvent(key, ts, label, weight, listed, values);
    }
    // a repeated or array-index name: the record avsc builds (first place, last value)
    const record: Record<string, FeatureValue> = {};
    for (let k = 0; k < count; k++) record[names[k]] = values[k];
    return { key, ts, label, weight, features: record };
  }

  /** The map's entries as a record, its first block of `n` entries read next. */
  private readRecord(n: number): Record<string, FeatureValue> {
    const features: Record<string, FeatureValue> = {};
    for (; n !== 0; n = this.readBlockCount()) {
      for (; n > 0; n--) {
        const name = this.readString();
        if (name === PROTO) this.ok = false;
        const value = this.readValue();
        if (this.ok) features[name] = value;
      }
    }
    return features;
  }

  /**
   * The map's entries into `names` and `values`, its first block of `n` entries read next;
   * returns their number and sets `same` (the names are the layout's, in order).
   */
  private readList(n: number): number {
    const names = this.names;
    const values = this.values;
    const layout = this.layout;
    let count = 0;
    let same = true;
    for (; n !== 0; n = this.readBlockCount()) {
      for (; n > 0; n--) {
        const name = this.readString();
        if (name === PROTO) this.ok = false;
        if (same && (count >= layout.length || layout[count] !== name)) same = false;
        names[count] = name;
        values[count++] = this.readValue();
      }
    }
    this.same = same;
    return count;
  }

  /** A feature's value (the union of the map's values); a non-finite number clears `ok`. */
  private readValue(): FeatureValue {
    switch (this.readUnionIndex(4)) {
      case 0: {
        const x = this.readDouble();
        if (!Number.isFinite(x)) this.ok = false;
        return x;
      }
      case 1:
        return this.readString();
      case 2:
        return this.readBoolean();
      default:
        return this.readStringArray();
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
      return (f % 2 ? -(f + 1) : f) / 2;
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

  private readStringArray(): string[] {
    const items: string[] = [];
    for (let n = this.readBlockCount(); n !== 0; n = this.readBlockCount()) {
      for (; n > 0; n--) items.push(this.readString());
    }
    return items;
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

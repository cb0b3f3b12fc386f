import type { Family, FeatureValue, L1Event } from '../../../src/index.js';
import { Utf8Cache } from './utf8Cache.js';

/** A body that is not valid Avro for the event schema (the message says what avsc would say). */
export class AvroBodyError extends Error {
  override readonly name = 'AvroBodyError';
}

/** The `__proto__` key: assigning it to a plain object would set the prototype, not a feature. */
const PROTO = '__proto__';

/**
 * A reader for the shipped event schema (`connectors/kafka/schemas/event.avsc`) in Avro binary,
 * written by hand for the hot path, used when a record's writer schema and the decoder's reader
 * schema are both that schema (same canonical form), so no schema resolution is needed:
 *
 * - it reads straight from the message bytes (no `Buffer` slice per record, no avsc `Tap`);
 * - map keys and short strings go through a `Utf8Cache`, so repeated names are not re-decoded;
 * - it builds the event (DESIGN §2) in the shape `validateEvent` returns, and checks on the way
 *   what the schema does not guarantee: finite numbers, a 0/1 label for binomial, weight ≥ 0.
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
    const features: Record<string, FeatureValue> = {};
    for (let n = this.readBlockCount(); n !== 0; n = this.readBlockCount()) {
      for (; n > 0; n--) {
        const name = this.readString();
        if (name === PROTO) ok = false;
        let value: FeatureValue;
        switch (this.readUnionIndex(4)) {
          case 0:
            value = this.readDouble();
            if (!Number.isFinite(value)) ok = false;
            break;
          case 1:
            value = this.readString();
            break;
          case 2:
            value = this.readBoolean();
            break;
          default:
            value = this.readStringArray();
        }
        if (ok) features[name] = value;
      }
    }
    if (this.pos > this.end) throw new AvroBodyError('truncated buffer');
    if (this.pos < this.end) throw new AvroBodyError('trailing data');
    if (!ok) return null;
    // The same object shape as `validateEvent` returns (one hidden class for every event).
    return { key, ts, label, weight, features };
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

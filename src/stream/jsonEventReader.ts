import { isAscii } from 'node:buffer';

import {
  LineSpans,
  ListedEvent,
  PACKED_ARRAY,
  PACKED_BOOLEAN,
  PACKED_NULL,
  PACKED_NUMBER,
  PACKED_STRING,
  keyText,
  PackedValues,
  unpackListed,
  validateEvent,
  type Family,
  type FeatureValue,
  type L1Event,
  type Validated,
} from '../core/event.js';
import { flatSlice, InternTable, MAX_INTERNED_LENGTH, PairTable } from '../core/internTable.js';
import { IdListedEvent, LineEvent } from '../core/lineEvent.js';
import { isMissingCodes } from '../features/featurizer.js';
import { Murmur3 } from '../features/murmur3.js';
import { jsonDecoder, type EventDecoder } from './decodeEvents.js';
import { eiselLemire, MAX_POWER, MIN_POWER } from './decimalToDouble.js';

/** Powers of ten that are exact doubles (10^0 … 10^22). */
const POW10 = Array.from({ length: 23 }, (_, k) => Number(`1e${k}`));

/** A number's significant digits read so far: the first 15 (`head`), the next 4 (`tail`), how many in all. */
const digitRun = { head: 0, tail: 0, digits: 0 };

/**
 * Reads the digits from `codes[pos]` on into `digitRun` and returns where they end: up to 8 at a
 * time as a 32-bit integer (a shorter chain of dependent operations than a double per digit).
 */
function readDigits(codes: Uint16Array, pos: number): number {
  const run = digitRun;
  let c = codes[pos];
  while (c >= 0x30 && c <= 0x39) {
    const digits = run.digits;
    if (digits >= 19) {
      // past the 19 kept: only counted
      let n = digits;
      do {
        n++;
        c = codes[++pos];
      } while (c >= 0x30 && c <= 0x39);
      run.digits = n;
      return pos;
    }
    // head's 15 digits in two chunks (8 and 7), tail's 4 in one
    const room = digits < 15 ? Math.min(8, 15 - digits) : 19 - digits;
    let chunk = 0;
    let n = 0;
    do {
      chunk = chunk * 10 + (c - 0x30);
      n++;
      c = codes[++pos];
    } while (n < room && c >= 0x30 && c <= 0x39);
    if (digits < 15) run.head = run.head * POW10[n] + chunk;
    else run.tail = run.tail * POW10[n] + chunk;
    run.digits = digits + n;
  }
  return pos;
}

/**
 * The plain way for short strings the `InternTable` does not hold (event keys, strings beyond its
 * capacity): a direct-mapped cache keyed by their characters, so a string that events repeat is
 * mostly one instance. Misses are copied flat (`flatSlice`).
 */
class StringCache {
  private readonly mask: number;
  private readonly strings: string[];

  // 2^16: on bench:online's stream (16,384 distinct values) 7 % of lookups miss, against 22 % at 2^14
  constructor(slots = 1 << 16) {
    this.mask = slots - 1;
    this.strings = new Array<string>(slots).fill('\u0000');
  }

  /** The string `line[start, end)` (code units in `codes`), whose characters hash to `hash` (and are escape-free). */
  get(codes: Uint16Array, line: string, start: number, end: number, hash: number): string {
    const length = end - start;
    if (length > MAX_INTERNED_LENGTH) return flatSlice(line, start, end);
    const slot = (hash ^ (hash >>> 15)) & this.mask;
    const s = this.strings[slot];
    if (s.length === length) {
      let i = 0;
      while (i < length && s.charCodeAt(i) === codes[start + i]) i++;
      if (i === length) return s;
    }
    return (this.strings[slot] = flatSlice(line, start, end));
  }
}

/** Ids per array that events share (`JsonEventReader.ids`). */
const ID_CHUNK = 1 << 16;

/**
 * Ids and values of the reader's first arrays: small, so that they are renewed within the first
 * events, while the reader's code still runs unoptimized. Renewed first when optimized, they cost
 * the hot functions a deoptimization each (no feedback for the renewal's code yet, and `ids` and
 * `packed` no longer constant) and a stretch in the interpreter.
 */
const FIRST_CHUNK = 256;

/** Values per `PackedValues` chunk that events share (and strings at most, unless a line needs more). */
const VALUE_CHUNK = 1 << 16;

/**
 * Strings of the first chunk, and at least of any: a chunk then gets room for about as many strings
 * as the previous one used (numeric streams use none), doubled when they ran out first.
 */
const MIN_STRING_CHUNK = 1 << 13;

/** A chunk for `values` values and `strings` strings: with spans (`LineEvent`s), no strings or pair ids. */
function packedChunk(values: number, strings: number, pairs: PairTable | null, spans: boolean): PackedValues {
  return new PackedValues(
    new Uint8Array(values),
    new Float64Array(values),
    spans ? [] : new Array<string>(strings),
    spans ? null : new Int32Array(strings),
    pairs,
    spans ? new LineSpans(values, strings) : null,
  );
}

/** The strings a chunk has room for. */
function stringRoom(packed: PackedValues): number {
  return packed.spans !== null ? packed.spans.missing.length : packed.strings.length;
}

/** Features an event may have and still be a `ListedEvent` (the repeated-name check's table holds twice as many). */
const MAX_LISTED = 1024;

/**
 * The names of one event by their scan hash (open addressing, entries valid while their stamp is
 * the event's): finds a repeated name without a set per event.
 */
class NameSet {
  readonly stamp = new Int32Array(2 * MAX_LISTED);
  private readonly at = new Int32Array(2 * MAX_LISTED);

  /**
   * True if the name of id `id` is already among this `stamp`'s entries, by the names' ids (`ids` from `base` on; -1: none, then `name` is
   * compared): a string has an id in a table either always or never.
   */
  hasId(
    id: number,
    name: string,
    hash: number,
    stamp: number,
    ids: Int32Array,
    base: number,
    names: readonly string[],
  ): boolean {
    const mask = this.stamp.length - 1;
    for (let slot = hash & mask; this.stamp[slot] === stamp; slot = (slot + 1) & mask) {
      const k = this.at[slot];
      if (ids[base + k] === id && (id >= 0 || names[k] === name)) return true;
    }
    return false;
  }

  /**
   * `hasId` for a name left in the line: `codes[start, end)` against the names of this `stamp`,
   * feature k's at `spans[2 * (base + k)]` to `spans[2 * (base + k) + 1]`.
   */
  hasCodes(
    codes: Uint16Array,
    start: number,
    end: number,
    hash: number,
    stamp: number,
    spans: Int32Array,
    base: number,
  ): boolean {
    const mask = this.stamp.length - 1;
    const length = end - start;
    for (let slot = hash & mask; this.stamp[slot] === stamp; slot = (slot + 1) & mask) {
      const at = 2 * (base + this.at[slot]);
      const from = spans[at];
      if (spans[at + 1] - from !== length) continue;
      let i = 0;
      while (i < length && codes[from + i] === codes[start + i]) i++;
      if (i === length) return true;
    }
    return false;
  }

  /** Records the name at position `index` of the event (known not to be there yet). */
  add(hash: number, stamp: number, index: number): void {
    const mask = this.stamp.length - 1;
    let slot = hash & mask;
    while (this.stamp[slot] === stamp) slot = (slot + 1) & mask;
    this.stamp[slot] = stamp;
    this.at[slot] = index;
  }
}

/**
 * The feature names of the record read last, as far as they were read and kept their list place
 * (not repeated, not an array index): their code units end to end, and what reading each gave
 * (id, scan hash, string; or, for `LineEvent`s, the murmur3 state after it). A record whose names
 * start the same, unit for unit, takes those instead of hashing and looking each one up again.
 */
class Shape {
  /** Names held (the first `count` of the last record's). */
  count = 0;
  /** The hashed reading's seed the entries are for (`states`), or null: `readFeatures`' (`ids`, `names`). */
  seed: number | null = null;
  /** Name k is `units[from[k], from[k + 1])`. */
  units = new Uint16Array(1024);
  readonly from = new Int32Array(MAX_LISTED + 1);
  readonly ids = new Int32Array(MAX_LISTED);
  readonly hashes = new Int32Array(MAX_LISTED);
  readonly names: string[] = [];
  readonly states: Murmur3[] = [];
  /** A numeric or boolean feature's name hash (the murmur3 digest of the name alone). */
  readonly digests = new Int32Array(MAX_LISTED);
  /**
   * The last record's first name was not the one held. After two such records in a row (ids that
   * differ from event to event) `readFeatures` and `readFeaturesHashed` hold only first names: a
   * record that starts like the last one makes the shape hold its names again.
   */
  missed = false;

  /**
   * The end (closing quote) of name k if `codes` from `start` on are its units and then a quote, else -1.
   * Names held have no quote, escape or control character, so this is where `scanString` ends.
   */
  match(k: number, codes: Uint16Array, start: number): number {
    const from = this.from[k];
    const length = this.from[k + 1] - from;
    const units = this.units;
    let i = 0;
    while (i < length && units[from + i] === codes[start + i]) i++;
    return i === length && codes[start + length] === 0x22 ? start + length : -1;
  }

  /**
   * Name k of the record being read (`stamp`) is not the last record's, whose first k names it
   * has: those enter the check of repeated names, and names from k on are dropped.
   */
  differs(k: number, seen: NameSet, stamp: number): void {
    this.count = k;
    for (let i = 0; i < k; i++) seen.add(this.hashes[i], stamp, i);
  }

  /** Holds name k, `codes[start, end)`, as the last (entries past it are dropped). */
  put(k: number, codes: Uint16Array, start: number, end: number, hash: number): void {
    const at = this.from[k];
    const length = end - start;
    if (at + length > this.units.length) {
      const units = new Uint16Array(2 * (at + length));
      units.set(this.units.subarray(0, at));
      this.units = units;
    }
    // a loop, not `set(subarray)`: a name is a few units, and a subarray is an allocation
    const units = this.units;
    for (let i = 0; i < length; i++) units[at + i] = codes[start + i];
    this.from[k + 1] = at + length;
    this.hashes[k] = hash;
    this.count = k + 1;
  }
}

const utf8 = new TextDecoder('utf-8', { fatal: true });

/** The bytes as UTF-8 text, or null if they are not valid UTF-8. */
function utf8OrNull(bytes: Uint8Array): string | null {
  try {
    return utf8.decode(bytes);
  } catch {
    return null;
  }
}

/**
 * ASCII bytes as text (their Latin-1 reading is their UTF-8 one, made without validating or
 * decoding UTF-8), or null when they are not all ASCII.
 */
function asciiOrNull(bytes: Uint8Array): string | null {
  if (!isAscii(bytes)) return null;
  const buffer =
    bytes instanceof Buffer ? bytes : Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  return buffer.toString('latin1');
}

/**
 * A JSON `EventDecoder` (docs/conventions.md, events) that reads the common event straight from the line's
 * characters: top-level `key`, `ts`, `label`, `weight`, `features`, plain scalar fields beside
 * them, and features that are numbers, strings, booleans, null or string arrays. It returns
 * exactly what `validateEvent(JSON.parse(line))` returns, as a `ListedEvent` when it can: then
 * feature names come from an `InternTable` with their ids (`fieldIds`), so that a featurizer
 * finds their columns by id. The values are packed (`PackedValues`, no list or array per event),
 * and a short string value of a named field is interned with its field as a pair (`PairTable`):
 * its string is made once, and the featurizer finds the pair's column by its id.
 *
 * It only ever accepts: any line it is not sure of (invalid JSON, an invalid event, a string with
 * an escape, a number it cannot convert exactly, nested values, a `__proto__` name, bytes that
 * are not UTF-8) goes, whole, through `JSON.parse` and `validateEvent`, which give the event or the
 * exact reason for the dead letter.
 */
export class JsonEventReader implements EventDecoder {
  /** Feature names, with ids (bounded by `internCapacity`). */
  readonly internTable: InternTable;
  /** Short strings the table does not give (values, keys, names beyond its capacity). */
  private readonly strings = new StringCache();
  private line = '';
  /**
   * The line's UTF-16 code units (`Buffer.write` as UTF-16LE: one native copy per line), then a
   * 0 (no token starts with it, so a number or a keyword ends there). The scan reads these: a
   * typed array's element costs less than `charCodeAt` on the line, a slice of a 1 MiB chunk.
   */
  private codeBytes = Buffer.alloc(2 * 1024);
  private lineCodes = new Uint16Array(this.codeBytes.buffer, this.codeBytes.byteOffset, 1024);
  /** The code units being read: `lineCodes`, or a batch's (`readEventAt`). */
  private codes = this.lineCodes;
  /** Where the record being read ends in `line` and `codes` (`codes[end]` is 0 meanwhile). */
  private end = 0;
  /**
   * The batch `readEventAt` reads records of: its bytes (null: none yet), whether they are all
   * ASCII, and then their text and its code units (with room for the 0 after the last record).
   */
  private batchBytes: Uint8Array | null = null;
  private batchAscii = false;
  private batchLine = '';
  private batchCodes = new Uint16Array(0);
  private pos = 0;
  /** The number just read by `readNumber` (valid when it returned true). */
  private number = 0;
  /** Hash of the string just scanned by `scanString`. */
  private hash = 0;
  /** The names of the line being read, in order (`readFeatures`; reused, `count` valid); the event gets a copy. */
  private count = 0;
  private readonly nameScratch: string[] = [];
  /**
   * Their ids (`ListedEvent.fieldIds`): the events read share `ids` (a new one when it is full),
   * each from its own start; the line's are at `idStart` to `idEnd`.
   */
  private ids = new Int32Array(FIRST_CHUNK);
  private idStart = 0;
  private idEnd = 0;
  /** True while the names read so far can stay a list (`ListedEvent`). */
  private listed = true;
  /** True while every name read so far has an id (`IdListedEvent`). */
  private allIds = true;
  /** The names of the line being read, to find a repeated one. */
  private readonly seen = new NameSet();
  private seenStamp = 0;
  /** The last record's names, for the next one to reuse if they are the same (`Shape`). */
  private readonly shape = new Shape();

  /** `field=value` pairs with ids (null: none, `pairCapacity` 0). */
  readonly pairTable: PairTable | null;
  /**
   * The values read (`ListedEvent.packedValues`): the line being read writes from `packedAt` and
   * `stringAt` on (to `valueEnd`, `stringEnd`), which move past it only once it is an event; when
   * the chunk is full, a new one takes over (events keep theirs).
   */
  private packed: PackedValues;
  private packedAt = 0;
  private valueEnd = 0;
  private stringAt = 0;
  private stringEnd = 0;
  /** Bits of the scan hash kept (tests: 0 makes every string collide). */
  private readonly hashMask: number;
  /** Murmur3 of the name being read (then with `=`), and of a value after it (`LineEvent`s). */
  private readonly prefix = new Murmur3();
  private readonly item = new Murmur3();

  /**
   * `internCapacity`: distinct feature names given ids at most (`InternTable`); `pairCapacity`:
   * distinct `field=value` pairs given ids at most (`PairTable`; 0: none). `hashMask` is for
   * tests: the bits of each string's scan hash the tables see (0: all strings collide), and so is
   * `pairDenseBudget` (`PairTable`'s; 0: every pair in its table).
   */
  constructor(
    options: {
      readonly internCapacity?: number;
      readonly pairCapacity?: number;
      readonly hashMask?: number;
      readonly pairDenseBudget?: number;
    } = {},
  ) {
    this.internTable = new InternTable(options.internCapacity);
    this.hashMask = options.hashMask ?? -1;
    this.internTable.hashMask = this.hashMask;
    this.pairTable =
      options.pairCapacity === 0
        ? null
        : new PairTable(
            this.internTable,
            options.pairCapacity,
            undefined,
            this.hashMask,
            options.pairDenseBudget,
          );
    if (this.pairTable !== null) this.pairTable.values.hashMask = this.hashMask;
    this.packed = packedChunk(FIRST_CHUNK, FIRST_CHUNK, this.pairTable, false);
  }

  /**
   * `decodeEvent`'s event for the engine alone (`EventDecoder.readEvent`): a `ListedEvent` gets no
   * own `features` property. Null for anything else (then `decodeEvent` says what).
   */
  readEvent(value: string | Uint8Array, family: Family): L1Event | null {
    if (typeof value === 'string') return this.read(value, family, false);
    // ASCII bytes (Kafka "json"): the line's code units are the bytes, copied as they are
    const ascii = asciiOrNull(value);
    if (ascii !== null) return this.read(ascii, family, false, value);
    const text = utf8OrNull(value);
    return text === null ? null : this.read(text, family, false);
  }

  /**
   * `readEvent` for the record at `bytes[start, end)`, a batch of records on one buffer (the Kafka
   * worker's): the first call on a buffer turns the whole buffer into text and code units at once
   * (when it is all ASCII), and its records are then read where they are, without a copy each.
   * The buffer must not change while its records are read. A buffer with any non-ASCII byte is
   * read record by record (`readEvent` on a view), as before.
   */
  readEventAt(bytes: Uint8Array, start: number, end: number, family: Family): L1Event | null {
    if (bytes !== this.batchBytes) this.loadBatch(bytes);
    if (!this.batchAscii) return this.readEvent(bytes.subarray(start, end), family);
    const codes = this.batchCodes;
    // the record ends with a 0, as a line does (a number or keyword stops there)
    const next = codes[end];
    codes[end] = 0;
    this.line = this.batchLine;
    this.codes = codes;
    this.pos = start;
    this.end = end;
    try {
      return this.readHere(family, false);
    } finally {
      codes[end] = next;
    }
  }

  /** Makes `bytes` the batch `readEventAt` reads: its text and code units when it is all ASCII. */
  private loadBatch(bytes: Uint8Array): void {
    this.batchBytes = bytes;
    this.batchAscii = isAscii(bytes);
    if (!this.batchAscii) {
      this.batchLine = '';
      return;
    }
    const buffer =
      bytes instanceof Buffer ? bytes : Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    this.batchLine = buffer.toString('latin1');
    if (this.batchCodes.length <= bytes.length)
      this.batchCodes = new Uint16Array(Math.max(bytes.length + 1, 2 * this.batchCodes.length));
    this.batchCodes.set(bytes);
    this.batchCodes[bytes.length] = 0;
  }

  decodeEvent(value: string | Uint8Array, family: Family): Validated {
    // bytes (Kafka "json") are read as text when they are valid UTF-8; else `jsonDecoder` says why not
    const ascii = typeof value === 'string' ? null : asciiOrNull(value);
    const text = typeof value === 'string' ? value : (ascii ?? utf8OrNull(value));
    if (text !== null) {
      const event =
        ascii !== null ? this.read(text, family, true, value as Uint8Array) : this.read(text, family);
      if (event !== null) return { ok: true, event };
      return validateEvent(jsonDecoder(text), family);
    }
    return validateEvent(jsonDecoder(value), family);
  }

  /**
   * The valid event on `line`, or null for anything the general path must judge. `ownFeatures`:
   * see `ListedEvent`. `ascii`: the line's bytes when it is their ASCII text (its code units).
   */
  read(line: string, family: Family, ownFeatures = true, ascii?: Uint8Array): L1Event | null {
    this.line = line;
    this.pos = 0;
    this.end = line.length;
    if (line.length >= this.lineCodes.length) {
      const units = Math.max(2 * this.lineCodes.length, line.length + 1);
      this.codeBytes = Buffer.alloc(2 * units);
      this.lineCodes = new Uint16Array(this.codeBytes.buffer, this.codeBytes.byteOffset, units);
    }
    const codes = (this.codes = this.lineCodes);
    if (ascii !== undefined) codes.set(ascii);
    else this.codeBytes.write(line, 0, 'utf16le');
    codes[line.length] = 0;
    return this.readHere(family, ownFeatures);
  }

  /** `read` on `line` and `codes` from `pos` to `end` (all positions are in them). */
  private readHere(family: Family, ownFeatures: boolean): L1Event | null {
    const line = this.line;
    if (this.nextToken() !== 0x7b /* { */) return null;
    this.pos++;
    let key: string | undefined;
    let ts: number | undefined;
    let label: number | undefined;
    let weight: number | undefined;
    let features = false;
    // a hashed featurizer takes this table's events by the hashes of their names (`LineEvent`)
    const seed = this.internTable.nameHashSeed;
    if (this.nextToken() === 0x7d /* } */) return null;
    for (;;) {
      if (this.nextToken() !== 0x22) return null;
      const start = this.pos + 1;
      const end = this.scanString();
      if (end < 0 || this.nextToken() !== 0x3a /* : */) return null;
      this.pos++;
      const c = this.nextToken();
      const length = end - start;
      const at = start;
      if (length === 8 && line.startsWith('features', at)) {
        if (c !== 0x7b) return null;
        if (!(seed === null ? this.readFeatures() : this.readFeaturesHashed(seed))) return null;
        features = true;
      } else if (length === 3 && line.startsWith('key', at)) {
        if (c === 0x22) {
          const s = this.readString();
          if (s === null) return null;
          key = s;
        } else if (this.readNumber()) key = keyText(this.number);
        else if (this.readNull()) key = undefined;
        else {
          // a number or boolean key is its text, as validateEvent has it
          const b = this.readBoolean();
          if (b < 0) return null;
          key = keyText(b === 1);
        }
      } else if (length === 2 && line.startsWith('ts', at)) {
        if (this.readNumber()) ts = this.number;
        else if (this.readNull()) ts = undefined;
        else return null;
      } else if (length === 5 && line.startsWith('label', at)) {
        if (this.readNumber()) label = this.number;
        else if (this.readNull()) label = undefined;
        else {
          const b = this.readBoolean();
          if (b < 0) return null;
          label = b;
        }
      } else if (length === 6 && line.startsWith('weight', at)) {
        if (this.readNumber()) weight = this.number;
        else if (this.readNull()) weight = undefined;
        else return null;
      } else if (!this.skipScalar(c)) return null;
      const d = this.nextToken();
      this.pos++;
      if (d === 0x7d) break;
      if (d !== 0x2c /* , */) return null;
    }
    if (this.nextToken() !== -1) return null;
    if (!features) return null;
    if (label !== undefined && family === 'binomial' && label !== 0 && label !== 1) return null;
    if (weight !== undefined && !(weight >= 0)) return null;
    if (seed !== null) {
      // `readFeaturesHashed` read a list (anything else went the general way)
      const event = new LineEvent(
        key,
        ts,
        label,
        weight,
        line,
        this.count,
        this.packed,
        this.packedAt,
        this.stringAt,
        seed,
        this.internTable,
        this.pairTable !== null ? this.pairTable.values : null,
        ownFeatures,
      );
      this.packedAt = this.valueEnd;
      this.stringAt = this.stringEnd;
      return event;
    }
    if (this.listed) {
      const start = this.idStart;
      this.idStart = this.idEnd; // the event keeps its ids and values
      // names by their ids when all have one: no array per event
      const event = this.allIds
        ? new IdListedEvent(
            key,
            ts,
            label,
            weight,
            this.count,
            this.ids,
            start,
            this.internTable,
            this.packed,
            this.packedAt,
            this.stringAt,
            ownFeatures,
          )
        : new ListedEvent(
            key,
            ts,
            label,
            weight,
            this.names(start),
            null,
            this.ids,
            start,
            this.internTable,
            this.packed,
            this.packedAt,
            this.stringAt,
            ownFeatures,
          );
      this.packedAt = this.valueEnd;
      this.stringAt = this.stringEnd;
      return event;
    }
    const names = this.names(this.idStart);
    // The record `JSON.parse` builds (a repeated name keeps its first place and its last value),
    // in the object shape `validateEvent` returns.
    const values = unpackListed(this.packed, this.packedAt, this.stringAt, this.count);
    const record = Object.create(null) as Record<string, FeatureValue>;
    for (let k = 0; k < names.length; k++) record[names[k]] = values[k] as FeatureValue;
    return { key, ts, label, weight, features: record };
  }

  /**
   * The line's names (an exact-size copy of the scratch list: one allocation, no regrowth), with
   * those that have ids (from `ids[idStart]` on) filled in: `readFeatures` leaves them out.
   */
  private names(idStart: number): string[] {
    const names = this.nameScratch.slice(0, this.count);
    for (let k = 0; k < names.length; k++) {
      const id = this.ids[idStart + k];
      if (id >= 0) names[k] = this.internTable.stringOf(id);
    }
    return names;
  }

  /** A new stamp for the next record's names in `seen` (all stamps cleared when the counter wraps). */
  private nextStamp(): number {
    if (++this.seenStamp === 0x7fffffff) {
      this.seenStamp = 1;
      this.seen.stamp.fill(0);
    }
    return this.seenStamp;
  }

  /**
   * Reads the features object starting at `pos` (on its `{`) into `nameScratch` and the packed
   * values, and their ids; false if the line must go the general way. Sets `listed`: whether the
   * list's order is the record's key order (see `ListedEvent`).
   */
  private readFeatures(): boolean {
    const line = this.line;
    this.pos++;
    const names = this.nameScratch;
    this.count = 0;
    this.idEnd = this.idStart;
    this.valueEnd = this.packedAt;
    this.stringEnd = this.stringAt;
    this.listed = true;
    this.allIds = true;
    if (this.nextToken() === 0x7d) {
      this.pos++;
      return true;
    }
    const seen = this.seen;
    const stamp = this.nextStamp();
    const table = this.internTable;
    const shape = this.shape;
    if (shape.seed !== null) {
      shape.seed = null;
      shape.count = 0;
    }
    // the names read so far are the last record's first `same` (-1 once one differs)
    let same = 0;
    // whether names after the first are held for the next record (`Shape.missed`)
    let hold = true;
    for (;;) {
      if (this.nextToken() !== 0x22) return false;
      const start = this.pos + 1;
      const k = this.count;
      const matched = same === k && k < shape.count ? shape.match(k, this.codes, start) : -1;
      if (k === 0) {
        hold = matched >= 0 || !shape.missed;
        shape.missed = matched < 0;
      }
      let id: number;
      let name: string;
      if (matched >= 0) {
        // the last record's name k, after the same names: its id and string, and not repeated
        this.pos = matched + 1;
        id = shape.ids[k];
        name = shape.names[k];
        if (id < 0) this.allIds = false;
        same++;
      } else {
        if (same === k) {
          shape.differs(k, seen, stamp);
          same = -1;
        }
        const end = this.scanString();
        if (end < 0) return false;
        // `__proto__` would set the prototype, not a feature: JSON.parse makes it an own property
        if (end - start === 9 && line.startsWith('__proto__', start)) return false;
        id = table.idOfCodes(this.codes, line, start, end, this.hash);
        // a name with an id is told by its id (`read` fills it in where a list of names is made)
        name = '';
        if (id < 0) {
          this.allIds = false;
          name = this.strings.get(this.codes, line, start, end, this.hash);
        }
        if (this.listed) {
          const c0 = this.codes[start];
          // an array-index name comes first in a record; a repeated one keeps its first place
          if (
            (c0 >= 0x30 && c0 <= 0x39) ||
            this.count >= MAX_LISTED ||
            seen.hasId(id, name, this.hash, stamp, this.ids, this.idStart, names)
          )
            this.listed = false;
          else {
            seen.add(this.hash, stamp, k);
            if (hold || k === 0) {
              shape.put(k, this.codes, start, end, this.hash);
              shape.ids[k] = id;
              shape.names[k] = name;
            }
          }
        }
      }
      this.pushId(id);
      if (this.nextToken() !== 0x3a) return false;
      this.pos++;
      const c = this.nextToken();
      if (c === 0x22) {
        this.pushValue(PACKED_STRING, 0);
        if (!this.readValue(id)) return false;
      } else if (c === 0x5b /* [ */) {
        if (!this.readStringArray(id)) return false;
      } else if (this.readNumber()) this.pushValue(PACKED_NUMBER, this.number);
      else if (this.readNull()) this.pushValue(PACKED_NULL, 0);
      else {
        const b = this.readBoolean();
        if (b < 0) return false;
        this.pushValue(PACKED_BOOLEAN, b);
      }
      this.count++;
      if (k < names.length) names[k] = name;
      else names.push(name);
      const d = this.nextToken();
      this.pos++;
      if (d === 0x7d) return true;
      if (d !== 0x2c) return false;
    }
  }

  /**
   * `readFeatures` for a `LineEvent`: names and string values stay in the line (`LineSpans`),
   * with the murmur3 hashes of seed `seed` of each numeric or boolean feature's name and of each
   * string's `field=value`; no table lookup. False (the general way) also for what would not be a
   * list (a repeated name, an array-index name: `ListedEvent`).
   */
  private readFeaturesHashed(seed: number): boolean {
    const line = this.line;
    const codes = this.codes;
    this.pos++;
    this.count = 0;
    this.valueEnd = this.packedAt;
    this.stringEnd = this.stringAt;
    // the spans go beside the values: a chunk made before the first such line has none
    if (this.packed.spans === null) this.renew();
    if (this.nextToken() === 0x7d) {
      this.pos++;
      return true;
    }
    const seen = this.seen;
    const stamp = this.nextStamp();
    const prefix = this.prefix;
    const shape = this.shape;
    if (shape.seed !== seed) {
      shape.seed = seed;
      shape.count = 0;
    }
    // the names read so far are the last record's first `same` (-1 once one differs)
    let same = 0;
    // whether names after the first are held for the next record (`Shape.missed`)
    let hold = true;
    for (;;) {
      if (this.nextToken() !== 0x22) return false;
      const start = this.pos + 1;
      const k = this.count;
      let end = same === k && k < shape.count ? shape.match(k, codes, start) : -1;
      if (k === 0) {
        hold = end >= 0 || !shape.missed;
        shape.missed = end < 0;
      }
      // the murmur3 digest of the name alone (as `digests` holds it)
      let digest: number;
      if (end >= 0) {
        // the last record's name k, after the same names: its hash state, and not repeated
        this.pos = end + 1;
        prefix.copyFrom(shape.states[k]);
        digest = shape.digests[k];
        same++;
      } else {
        if (same === k) {
          shape.differs(k, seen, stamp);
          same = -1;
        }
        // the name's murmur3 as it is scanned (ASCII without escapes), else scanned, then hashed
        end = prefix.reset(seed).feedQuoted(codes, start, this.end);
        if (end >= 0) this.pos = end + 1;
        else {
          end = this.scanString();
          if (end < 0) return false;
          prefix.reset(seed).updateCodes(codes, line, start, end);
        }
        if (end - start === 9 && line.startsWith('__proto__', start)) return false;
        // a repeated name is found by the hash state so far
        const hash = prefix.quick() & this.hashMask;
        const c0 = codes[start];
        // an array-index name comes first in a record; a repeated one keeps its first place
        if (
          (c0 >= 0x30 && c0 <= 0x39) ||
          this.count >= MAX_LISTED ||
          seen.hasCodes(codes, start, end, hash, stamp, this.packed.spans!.names, this.packedAt)
        )
          return false;
        seen.add(hash, stamp, k);
        digest = prefix.digest() | 0;
        if (hold || k === 0) {
          shape.put(k, codes, start, end, hash);
          (shape.states[k] ??= new Murmur3()).copyFrom(prefix);
          shape.digests[k] = digest;
        }
      }
      if (this.nextToken() !== 0x3a) return false;
      this.pos++;
      const c = this.nextToken();
      // the feature's value, from the line's first (a new chunk may take the line over)
      const v = this.valueEnd - this.packedAt;
      if (c === 0x22) {
        this.pushValue(PACKED_STRING, 0);
        prefix.ascii(0x3d /* = */);
        if (!this.readItem()) return false;
      } else if (c === 0x5b /* [ */) {
        prefix.ascii(0x3d /* = */);
        if (!this.readItemArray()) return false;
      } else if (this.readNumber()) this.pushValue(PACKED_NUMBER, this.number);
      else if (this.readNull()) this.pushValue(PACKED_NULL, 0);
      else {
        const b = this.readBoolean();
        if (b < 0) return false;
        this.pushValue(PACKED_BOOLEAN, b);
      }
      const spans = this.packed.spans!;
      const at = this.packedAt + v;
      spans.names[2 * at] = start;
      spans.names[2 * at + 1] = end;
      const kind = this.packed.kinds[at];
      // the name's own hash (a string's value fed `=` and itself to `prefix` after it)
      if (kind === PACKED_NUMBER || kind === PACKED_BOOLEAN) spans.nameHashes[at] = digest;
      this.count++;
      const d = this.nextToken();
      this.pos++;
      if (d === 0x7d) return true;
      if (d !== 0x2c) return false;
    }
  }

  /** `readValue` for `readFeaturesHashed`: the string's span, and its hash after `prefix`. */
  private readItem(): boolean {
    const codes = this.codes;
    const start = this.pos + 1;
    // ASCII without escapes: scanned and hashed in one pass
    const item = this.item.copyFrom(this.prefix);
    let end = item.feedQuoted(codes, start, this.end);
    if (end >= 0) this.pos = end + 1;
    else {
      end = this.scanString();
      if (end < 0) return false;
      item.copyFrom(this.prefix).updateCodes(codes, this.line, start, end);
    }
    if (this.stringEnd === stringRoom(this.packed)) this.renew();
    const spans = this.packed.spans!;
    const s = this.stringEnd++;
    spans.items[2 * s] = start;
    spans.items[2 * s + 1] = end;
    if (isMissingCodes(codes, this.line, start, end)) spans.missing[s] = 1;
    else {
      spans.missing[s] = 0;
      spans.itemHashes[s] = item.digest();
    }
    return true;
  }

  /** `readStringArray` for `readFeaturesHashed`. */
  private readItemArray(): boolean {
    this.pos++;
    const at = this.valueEnd - this.packedAt;
    this.pushValue(PACKED_ARRAY, 0);
    if (this.nextToken() === 0x5d /* ] */) {
      this.pos++;
      return true;
    }
    let n = 0;
    for (;;) {
      if (this.nextToken() !== 0x22) return false;
      if (!this.readItem()) return false;
      n++;
      const d = this.nextToken();
      this.pos++;
      if (d === 0x5d) {
        this.packed.numbers[this.packedAt + at] = n;
        return true;
      }
      if (d !== 0x2c) return false;
    }
  }

  /**
   * Packs the string value whose opening quote is at `pos`, of the field of id `fieldId` (-1:
   * none), with its pair's id; false if the line must go the general way (see `scanString`).
   */
  private readValue(fieldId: number): boolean {
    const start = this.pos + 1;
    const end = this.scanString();
    if (end < 0) return false;
    const pairs = this.pairTable;
    let value: string;
    let pair = -1;
    const valueId =
      pairs !== null && pairs.used
        ? pairs.values.idOfCodes(this.codes, this.line, start, end, this.hash)
        : -1;
    if (valueId >= 0) {
      value = pairs!.values.stringOf(valueId);
      if (fieldId >= 0) pair = pairs!.idOf(fieldId, valueId);
    } else value = this.strings.get(this.codes, this.line, start, end, this.hash);
    if (this.stringEnd === this.packed.strings.length) this.renew();
    const packed = this.packed;
    packed.strings[this.stringEnd] = value;
    packed.pairIds![this.stringEnd++] = pair;
    return true;
  }

  /** Packs a string array starting at `pos` (on its `[`), of the field of id `fieldId`; false if not one. */
  private readStringArray(fieldId: number): boolean {
    this.pos++;
    // its place, from the line's first value: a new chunk may take the line over while items are read
    const at = this.valueEnd - this.packedAt;
    this.pushValue(PACKED_ARRAY, 0);
    if (this.nextToken() === 0x5d /* ] */) {
      this.pos++;
      return true;
    }
    let n = 0;
    for (;;) {
      if (this.nextToken() !== 0x22) return false;
      if (!this.readValue(fieldId)) return false;
      n++;
      const d = this.nextToken();
      this.pos++;
      if (d === 0x5d) {
        this.packed.numbers[this.packedAt + at] = n;
        return true;
      }
      if (d !== 0x2c) return false;
    }
  }

  private pushValue(kind: number, x: number): void {
    if (this.valueEnd === this.packed.kinds.length) this.renew();
    const packed = this.packed;
    packed.kinds[this.valueEnd] = kind;
    packed.numbers[this.valueEnd++] = x;
  }

  /** A new chunk of values, with the line's so far (earlier events keep the full one). */
  private renew(): void {
    const old = this.packed;
    const values = this.valueEnd - this.packedAt;
    const strings = this.stringEnd - this.stringAt;
    // a chunk has spans from the first hashed line on (`readFeaturesHashed`)
    const spans = old.spans !== null || this.internTable.nameHashSeed !== null;
    // strings: what the old chunk used and a quarter more, or twice its room if they ran out
    const room = stringRoom(old);
    const used = this.stringEnd;
    const next = packedChunk(
      Math.max(VALUE_CHUNK, 2 * values),
      Math.max(
        MIN_STRING_CHUNK,
        2 * strings,
        Math.min(VALUE_CHUNK, used >= room ? 2 * room : used + (used >> 2)),
      ),
      this.pairTable,
      spans,
    );
    next.kinds.set(old.kinds.subarray(this.packedAt, this.valueEnd));
    next.numbers.set(old.numbers.subarray(this.packedAt, this.valueEnd));
    // a line's strings are in its chunk's strings and pair ids, or in its spans
    if (next.pairIds !== null && old.pairIds !== null) {
      next.pairIds.set(old.pairIds.subarray(this.stringAt, this.stringEnd));
      for (let i = 0; i < strings; i++) next.strings[i] = old.strings[this.stringAt + i];
    }
    if (old.spans !== null) {
      const from = old.spans;
      const to = next.spans!;
      to.names.set(from.names.subarray(2 * this.packedAt, 2 * this.valueEnd));
      to.nameHashes.set(from.nameHashes.subarray(this.packedAt, this.valueEnd));
      to.items.set(from.items.subarray(2 * this.stringAt, 2 * this.stringEnd));
      to.itemHashes.set(from.itemHashes.subarray(this.stringAt, this.stringEnd));
      to.missing.set(from.missing.subarray(this.stringAt, this.stringEnd));
    }
    this.packed = next;
    this.packedAt = 0;
    this.valueEnd = values;
    this.stringAt = 0;
    this.stringEnd = strings;
  }

  private pushId(id: number): void {
    if (this.idEnd === this.ids.length) {
      // earlier events keep the full array; the line's ids so far move to a new one
      const length = this.idEnd - this.idStart;
      const ids = new Int32Array(Math.max(ID_CHUNK, 2 * length));
      ids.set(this.ids.subarray(this.idStart, this.idEnd));
      this.ids = ids;
      this.idStart = 0;
      this.idEnd = length;
    }
    this.ids[this.idEnd++] = id;
  }

  /** The string whose opening quote is at `pos`, or null (see `scanString`). */
  private readString(): string | null {
    const start = this.pos + 1;
    const end = this.scanString();
    return end < 0 ? null : this.strings.get(this.codes, this.line, start, end, this.hash);
  }

  /**
   * Skips JSON whitespace; the character code at `pos`, or -1 at the end of the line. Only the
   * four JSON whitespace characters are skipped: anything else is left for the caller to reject.
   */
  private nextToken(): number {
    const codes = this.codes;
    let pos = this.pos;
    const n = this.end;
    while (pos < n) {
      const c = codes[pos];
      if (c !== 0x20 && c !== 0x0a && c !== 0x0d && c !== 0x09) {
        this.pos = pos;
        return c;
      }
      pos++;
    }
    this.pos = pos;
    return -1;
  }

  /**
   * Scans the string whose opening quote is at `pos`: moves past its closing quote, sets `hash`
   * and returns the index of the closing quote, or -1 for an escape, a control character (not
   * JSON) or no closing quote.
   */
  private scanString(): number {
    const codes = this.codes;
    const n = this.end;
    let h = 0x811c9dc5;
    for (let pos = this.pos + 1; pos < n; pos++) {
      const c = codes[pos];
      if (c === 0x22) {
        this.hash = h & this.hashMask;
        this.pos = pos + 1;
        return pos;
      }
      if (c === 0x5c || c < 0x20) return -1;
      h = Math.imul(h ^ c, 0x01000193);
    }
    return -1;
  }

  /**
   * Reads a JSON number at `pos` into `number`: true if there is one and its value is exactly what
   * `JSON.parse` gives and finite. The first 19 significant digits are kept as integers (the first
   * 15 in one double, below 10^15; up to 4 more in `digitRun.tail`), in one pass. Digits
   * below 2^53 with a power of ten up to 22 is one correctly rounded operation on exact doubles
   * (Clinger); other forms of up to 19 digits go to the exact `eiselLemire`; longer forms, far
   * exponents and its undecided cases go through `Number`, which V8 converts as `JSON.parse` does.
   * False (and `pos` unchanged) for anything else.
   */
  private readNumber(): boolean {
    const codes = this.codes;
    let pos = this.pos;
    const start = pos;
    let c = codes[pos];
    const negative = c === 0x2d; /* - */
    if (negative) c = codes[++pos];
    if (!(c >= 0x30 && c <= 0x39)) return false;
    // one digit and then no digit, fraction or exponent (a 0/1 feature's value): the number is
    // that digit, as the general reading below makes it (−0 for "-0")
    const after = codes[pos + 1];
    if (!((after >= 0x30 && after <= 0x39) || after === 0x2e || after === 0x65 || after === 0x45)) {
      this.number = negative ? -(c - 0x30) : c - 0x30;
      this.pos = pos + 1;
      return true;
    }
    // The first 15 significant digits go into m (below 10^15: exact), in one loop for the integer
    // and one for the fraction (its leading zeros too); most numbers end within them. Past them,
    // `readDigits` takes the rest into `digitRun` (m is its `head`), where they are read on.
    let m = c - 0x30;
    c = codes[++pos];
    // a leading zero stands alone: in "01" the number ends at 0 and the 1 is rejected after it
    if (m !== 0) {
      while (c >= 0x30 && c <= 0x39 && m < 1e14) {
        m = m * 10 + (c - 0x30);
        c = codes[++pos];
      }
    }
    const run = digitRun;
    // true once m holds 15 digits and more follow: `digitRun` has them all
    let long = m !== 0 && c >= 0x30 && c <= 0x39;
    if (long) c = codes[(pos = this.readOn(m, pos))];
    let scale = 0;
    if (c === 0x2e /* . */) {
      c = codes[++pos];
      if (!(c >= 0x30 && c <= 0x39)) return false;
      if (long) {
        const before = run.digits;
        c = codes[(pos = readDigits(codes, pos))];
        scale -= run.digits - before;
      } else {
        const first = pos;
        while (c >= 0x30 && c <= 0x39 && m < 1e14) {
          m = m * 10 + (c - 0x30);
          c = codes[++pos];
        }
        scale = first - pos;
        if (c >= 0x30 && c <= 0x39) {
          long = true;
          c = codes[(pos = this.readOn(m, pos))];
          scale -= run.digits - 15;
        }
      }
    }
    const head = long ? run.head : m;
    const tail = long ? run.tail : 0;
    // significant digits (leading zeros are not), all of them; below 15 only whether there are any
    const digits = long ? run.digits : m === 0 ? 0 : 1;
    if (c === 0x65 || c === 0x45 /* e E */) {
      c = codes[++pos];
      let sign = 1;
      if (c === 0x2b || c === 0x2d) {
        if (c === 0x2d) sign = -1;
        c = codes[++pos];
      }
      if (!(c >= 0x30 && c <= 0x39)) return false;
      let exponent = 0;
      while (c >= 0x30 && c <= 0x39) {
        // past 100,000 it saturates (far past any double, and past any run of fraction zeros a
        // line can hold before it, so the text's own conversion decides)
        exponent = exponent < 100_000 ? exponent * 10 + (c - 0x30) : 1e9;
        c = codes[++pos];
      }
      scale += sign * exponent;
    }
    let v = NaN;
    if (digits <= 19) {
      // the digits are head · 10^extra + tail, exact below 2^53 (and above it only compared)
      const extra = digits > 15 ? digits - 15 : 0;
      const tenth = POW10[extra];
      const mantissa = head * tenth + tail;
      if (mantissa < 9007199254740992 && scale >= -22 && scale <= 22) {
        v = scale >= 0 ? mantissa * POW10[scale] : mantissa / POW10[-scale];
      } else if (digits !== 0 && scale >= MIN_POWER && scale <= MAX_POWER) {
        // the 64-bit digits in 32-bit halves: head's high part (< 2^18) and low part times 10^extra
        const high = Math.floor(head / 4294967296);
        let lo = (head - high * 4294967296) * tenth + tail;
        const carry = Math.floor(lo / 4294967296);
        lo -= carry * 4294967296;
        v = eiselLemire(high * tenth + carry, lo, scale);
      }
    }
    // NaN: more digits, a far exponent, or undecided: the text's own conversion
    if (v !== v) {
      v = Number(this.line.slice(start, pos));
      if (!Number.isFinite(v)) return false;
    } else {
      if (v === Infinity) return false;
      if (negative) v = -v;
    }
    this.number = v;
    this.pos = pos;
    return true;
  }

  /** `readDigits` on from `pos`, after 15 significant digits m (`digitRun` then holds them all). */
  private readOn(m: number, pos: number): number {
    const run = digitRun;
    run.head = m;
    run.tail = 0;
    run.digits = 15;
    return readDigits(this.codes, pos);
  }

  /** Reads `null` at `pos`: true if it is there. */
  private readNull(): boolean {
    if (this.pos + 4 > this.end || !this.line.startsWith('null', this.pos)) return false;
    this.pos += 4;
    return true;
  }

  /** Reads `true` (1) or `false` (0) at `pos`; -1 if neither is there. */
  private readBoolean(): number {
    const line = this.line;
    // (a batch's text goes on after the record: nothing past `end` is read)
    if (this.pos + 4 <= this.end && line.startsWith('true', this.pos)) {
      this.pos += 4;
      return 1;
    }
    if (this.pos + 5 <= this.end && line.startsWith('false', this.pos)) {
      this.pos += 5;
      return 0;
    }
    return -1;
  }

  /** Skips a top-level field's value if it is a string, number, boolean or null. */
  private skipScalar(c: number): boolean {
    if (c === 0x22) return this.scanString() >= 0;
    return this.readNumber() || this.readNull() || this.readBoolean() >= 0;
  }
}

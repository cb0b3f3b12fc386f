/**
 * Worker-thread entry of `readJsonlThreaded`: reads the file (`readJsonl`: chunks, lines, skipped
 * lines, oversize and blank lines, as on one thread) and scans each line with a `JsonEventReader`,
 * packing the events it accepts into typed arrays (`PackedBatch`) that the main thread turns back
 * into `ListedEvent`s without parsing. Lines it does not accept go as text. A batch is posted only
 * when the main thread has a credit for it (bounded batches in flight).
 */
import { parentPort, workerData } from 'node:worker_threads';

import {
  JsonEventReader,
  ListedEvent,
  PACKED_ARRAY,
  PACKED_STRING,
  type Family,
  type RawBatch,
} from '../../src/index.js';
import { IdListedEvent, LineEvent } from '../../src/internal.js';
import { readJsonl, type JsonlSourceOptions } from './jsonl.js';
import {
  CONTROL_CANCELLED,
  CONTROL_CREDITS,
  CONTROL_HASHING,
  CONTROL_POSTED,
  CONTROL_SEED,
  KEY_NONE,
  REC_BYTES,
  REC_DECODED,
  REC_LINE,
  REC_OVERSIZE,
  REC_STRIDE,
  REC_TEXT,
  STR_INLINE,
  VALUE_CAPACITY,
  type ReaderMessage,
  type ReaderWorkerData,
} from './jsonlPacked.js';

if (parentPort === null) throw new Error('jsonlReaderWorker must run in a worker thread');
const data = workerData as ReaderWorkerData;
const channel = data.port;
/** `CONTROL_*` slots: the main thread adds a credit per batch it is done with. */
const control = new Int32Array(data.control);
/** Posts a message and counts it (the main thread waits on the count). */
function post(message: ReaderMessage, transfer: ArrayBuffer[] = []): void {
  channel.postMessage(message, transfer);
  Atomics.add(control, CONTROL_POSTED, 1);
  Atomics.notify(control, CONTROL_POSTED);
}
const family: Family = data.family;

const reader = new JsonEventReader();
const table = reader.internTable;
let namesSent = 0;
const valueIds = new Map<string, number>();
let valuesSent: string[] = [];

/** A growable typed array's contents so far, as an exact-size copy (its own buffer). */
class Grow<T extends Int32Array | Float64Array | Uint8Array> {
  length = 0;
  constructor(
    public array: T,
    private readonly make: (n: number) => T,
  ) {}
  push(v: number): void {
    if (this.length === this.array.length) {
      const a = this.make(2 * this.array.length);
      a.set(this.array);
      this.array = a;
    }
    this.array[this.length++] = v;
  }
  /**
   * Appends `source[from, to)`, each plus `shift`: a loop, not `set(subarray)`, since an event's
   * range is tens of entries and a subarray is an allocation.
   */
  pushRange(source: Int32Array | Float64Array | Uint8Array, from: number, to: number, shift = 0): void {
    const n = to - from;
    if (this.length + n > this.array.length) {
      const a = this.make(Math.max(2 * this.array.length, this.length + n));
      a.set(this.array.subarray(0, this.length));
      this.array = a;
    }
    const array = this.array;
    let at = this.length;
    // (x + 0 is +0 for x = -0: a value of -0 keeps its sign)
    if (shift === 0) for (let i = from; i < to; i++) array[at++] = source[i];
    else for (let i = from; i < to; i++) array[at++] = source[i] + shift;
    this.length = at;
  }
  take(): T {
    const out = this.array.slice(0, this.length) as T;
    this.length = 0;
    return out;
  }
}

const int32 = (n: number) => new Int32Array(n);
const rec = new Grow(new Int32Array(1024 * REC_STRIDE), int32);
const nums = new Grow(new Float64Array(1024 * 3), (n) => new Float64Array(n));
const fid = new Grow(new Int32Array(1 << 14), int32);
const kinds = new Grow(new Uint8Array(1 << 14), (n) => new Uint8Array(n));
const numbers = new Grow(new Float64Array(1 << 14), (n) => new Float64Array(n));
const sref = new Grow(new Int32Array(1 << 14), int32);
const nameSpans = new Grow(new Int32Array(1 << 15), int32);
const itemHashes = new Grow(new Int32Array(1 << 14), int32);
const itemSpans = new Grow(new Int32Array(1 << 15), int32);
const missing = new Grow(new Uint8Array(1 << 14), (n) => new Uint8Array(n));
/** Code units of a batch's `lineText` at most (V8's longest string is about 2^29). */
const MAX_LINE_TEXT = 1 << 27;
/** The lines of the batch's `REC_LINE` records, and their length so far. */
let lineTexts: string[] = [];
let lineLength = 0;
let inline: string[] = [];
let inlineStrings: string[] = [];
let texts: string[] = [];
let bytesRead = 0;
let totalBytes = 0;

/** A string's reference: its id in the value table (added if new and there is room), or inline. */
function refOf(s: string, inline: string[]): number {
  const id = valueIds.get(s);
  if (id !== undefined) return id;
  if (valueIds.size < VALUE_CAPACITY && s.length <= 64) {
    const next = valueIds.size;
    valueIds.set(s, next);
    valuesSent.push(s);
    return next;
  }
  inline.push(s);
  return STR_INLINE;
}

/**
 * A read event's record (`REC_STRIDE` entries: kind, its features' range, key, first string, flag)
 * and its label, weight and ts.
 */
function pushRecord(kind: number, event: ListedEvent, n: number, firstString: number, flag: number): void {
  rec.push(kind);
  rec.push(fid.length);
  rec.push(fid.length + n);
  const inlineAt = inline.length;
  rec.push(event.key === undefined ? KEY_NONE : refOf(event.key, inline));
  rec.push(inlineAt);
  rec.push(firstString);
  rec.push(flag);
  nums.push(event.label ?? NaN);
  nums.push(event.weight ?? NaN);
  nums.push(event.ts ?? NaN);
}

/** An event as its reader packed it: the names' ids (or the names), values and strings copied. */
function packEvent(event: ListedEvent): void {
  const packed = event.packedValues!;
  const ids = event.fieldIds!;
  const idStart = event.fieldIdStart;
  const named = event instanceof IdListedEvent;
  const n = named ? event.count : event.fieldNames.length;
  const at = event.packedAt;
  pushRecord(REC_DECODED, event, n, sref.length, named ? 1 : 0);
  fid.pushRange(ids, idStart, idStart + n);
  for (let k = 0; k < n; k++) {
    nameSpans.push(0);
    nameSpans.push(0);
  }
  if (!named) {
    const names = event.fieldNames;
    for (let k = 0; k < n; k++) if (ids[idStart + k] < 0) inline.push(names[k]);
  }
  kinds.pushRange(packed.kinds, at, at + n);
  numbers.pushRange(packed.numbers, at, at + n);
  const strings = packed.strings;
  for (let k = 0, s = event.packedStringAt; k < n; k++) {
    const kind = packed.kinds[at + k];
    if (kind === PACKED_STRING) sref.push(refOf(strings[s++], inlineStrings));
    else if (kind === PACKED_ARRAY)
      for (let i = packed.numbers[at + k]; i > 0; i--) sref.push(refOf(strings[s++], inlineStrings));
  }
}

/**
 * An event read with hashed names (`line` is its text): its hashes, values, and the spans of its
 * names and strings moved to where the line starts in the batch's `lineText`.
 */
function packLine(event: LineEvent, line: string): void {
  const packed = event.packedValues!;
  const spans = event.spans;
  const n = event.count;
  const at = event.packedAt;
  const base = lineLength;
  pushRecord(REC_LINE, event, n, itemHashes.length, 0);
  fid.pushRange(spans.nameHashes, at, at + n);
  kinds.pushRange(packed.kinds, at, at + n);
  numbers.pushRange(packed.numbers, at, at + n);
  nameSpans.pushRange(spans.names, 2 * at, 2 * (at + n), base);
  let strings = 0;
  for (let k = at; k < at + n; k++) {
    const kind = packed.kinds[k];
    if (kind === PACKED_STRING) strings++;
    else if (kind === PACKED_ARRAY) strings += packed.numbers[k];
  }
  const s0 = event.packedStringAt;
  itemHashes.pushRange(spans.itemHashes, s0, s0 + strings);
  missing.pushRange(spans.missing, s0, s0 + strings);
  itemSpans.pushRange(spans.items, 2 * s0, 2 * (s0 + strings), base);
  lineTexts.push(line);
  lineLength += line.length;
}

function packText(kind: number, text: string, bytes: number): void {
  rec.push(kind);
  rec.push(fid.length);
  rec.push(fid.length);
  rec.push(KEY_NONE);
  rec.push(inline.length);
  rec.push(sref.length);
  rec.push(0);
  nums.push(bytes);
  nums.push(NaN);
  nums.push(NaN);
  texts.push(text);
}

function send(batch: RawBatch): void {
  // the main thread's featurizer hashes names: read them so from now on (`PackedReader.shareSeed`)
  if (reader.internTable.nameHashSeed === null && Atomics.load(control, CONTROL_HASHING) === 1)
    reader.internTable.nameHashSeed = Atomics.load(control, CONTROL_SEED);
  const n = batch.records.length;
  const lines = new Int32Array(n);
  for (let i = 0; i < n; i++) {
    const record = batch.records[i];
    lines[i] = Number(record.position.offset);
    if (typeof record.value !== 'string') {
      packText(REC_BYTES, Buffer.from(record.value).toString('latin1'), -1);
      continue;
    }
    const value = record.value;
    if (record.bytes !== undefined) {
      packText(REC_OVERSIZE, value, record.bytes);
      continue;
    }
    // a line over decodeEvents' limit goes as text (it is dead-lettered there)
    const over = value.length * 3 > data.maxRecordBytes && Buffer.byteLength(value) > data.maxRecordBytes;
    const event = over ? null : reader.read(value, family);
    // a batch's lines are joined into one string: past MAX_LINE_TEXT a line goes as text instead
    if (event instanceof LineEvent && lineLength + value.length <= MAX_LINE_TEXT) packLine(event, value);
    else if (event instanceof LineEvent) packText(REC_TEXT, value, -1);
    else if (event instanceof ListedEvent) packEvent(event);
    else packText(REC_TEXT, value, -1);
  }
  const newNames: string[] = [];
  for (; namesSent < table.size; namesSent++) newNames.push(table.stringOf(namesSent));
  const message: ReaderMessage = {
    type: 'batch',
    lines,
    rec: rec.take(),
    nums: nums.take(),
    fid: fid.take(),
    kinds: kinds.take(),
    numbers: numbers.take(),
    sref: sref.take(),
    nameSpans: nameSpans.take(),
    itemHashes: itemHashes.take(),
    itemSpans: itemSpans.take(),
    missing: missing.take(),
    lineText: lineTexts.join(''),
    hashSeed: reader.internTable.nameHashSeed ?? 0,
    names: newNames,
    values: valuesSent,
    inline,
    inlineStrings,
    texts,
    bytesRead,
    totalBytes,
  };
  valuesSent = [];
  inline = [];
  inlineStrings = [];
  texts = [];
  lineTexts = [];
  lineLength = 0;
  // wait for a credit: at most `inFlight` batches wait for the main thread
  while (Atomics.load(control, CONTROL_CREDITS) <= 0 && Atomics.load(control, CONTROL_CANCELLED) === 0)
    Atomics.wait(control, CONTROL_CREDITS, 0, 1000);
  if (Atomics.load(control, CONTROL_CANCELLED) !== 0) return;
  Atomics.sub(control, CONTROL_CREDITS, 1);
  post(message, [
    message.lines.buffer as ArrayBuffer,
    message.rec.buffer as ArrayBuffer,
    message.nums.buffer as ArrayBuffer,
    message.fid.buffer as ArrayBuffer,
    message.kinds.buffer as ArrayBuffer,
    message.numbers.buffer as ArrayBuffer,
    message.sref.buffer as ArrayBuffer,
    message.nameSpans.buffer as ArrayBuffer,
    message.itemHashes.buffer as ArrayBuffer,
    message.itemSpans.buffer as ArrayBuffer,
    message.missing.buffer as ArrayBuffer,
  ]);
}

const options: JsonlSourceOptions = {
  ...data.options,
  onProgress: (b, t) => {
    bytesRead = b;
    totalBytes = t;
    post({ type: 'progress', bytesRead: b, totalBytes: t } satisfies ReaderMessage);
  },
};

readJsonl(data.path, options).subscribe({
  next: send,
  error: (err: unknown) => {
    const e = err as { code?: unknown; message?: unknown };
    post({
      type: 'error',
      code: typeof e.code === 'string' ? e.code : 'L1S_FILE',
      message: typeof e.message === 'string' ? e.message : String(err),
    } satisfies ReaderMessage);
  },
  complete: () => post({ type: 'done' } satisfies ReaderMessage),
});

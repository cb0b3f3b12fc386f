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
import { IdListedEvent } from '../../src/internal.js';
import { readJsonl, type JsonlSourceOptions } from './jsonl.js';
import {
  KEY_NONE,
  REC_BYTES,
  REC_DECODED,
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
/** [credits, cancelled, posted]: the main thread adds a credit per batch it is done with. */
const control = new Int32Array(data.control);
/** Posts a message and counts it (the main thread waits on the count). */
function post(message: ReaderMessage, transfer: ArrayBuffer[] = []): void {
  channel.postMessage(message, transfer);
  Atomics.add(control, 2, 1);
  Atomics.notify(control, 2);
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
  /** Appends `source[from, to)`. */
  pushRange(source: Int32Array | Float64Array | Uint8Array, from: number, to: number): void {
    const n = to - from;
    if (this.length + n > this.array.length) {
      const a = this.make(Math.max(2 * this.array.length, this.length + n));
      a.set(this.array.subarray(0, this.length));
      this.array = a;
    }
    this.array.set(source.subarray(from, to), this.length);
    this.length += n;
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

/** An event as its reader packed it: the names' ids (or the names), values and strings copied. */
function packEvent(event: ListedEvent): void {
  const packed = event.packedValues!;
  const ids = event.fieldIds!;
  const idStart = event.fieldIdStart;
  const named = event instanceof IdListedEvent;
  const n = named ? event.count : event.fieldNames.length;
  const at = event.packedAt;
  rec.push(REC_DECODED);
  rec.push(fid.length);
  rec.push(fid.length + n);
  const inlineAt = inline.length;
  rec.push(event.key === undefined ? KEY_NONE : refOf(event.key, inline));
  rec.push(inlineAt);
  rec.push(sref.length);
  rec.push(named ? 1 : 0);
  fid.pushRange(ids, idStart, idStart + n);
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
  nums.push(event.label ?? NaN);
  nums.push(event.weight ?? NaN);
  nums.push(event.ts ?? NaN);
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
    if (event instanceof ListedEvent) packEvent(event);
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
  // wait for a credit: at most `inFlight` batches wait for the main thread
  while (Atomics.load(control, 0) <= 0 && Atomics.load(control, 1) === 0) Atomics.wait(control, 0, 0, 1000);
  if (Atomics.load(control, 1) !== 0) return;
  Atomics.sub(control, 0, 1);
  post(message, [
    message.lines.buffer as ArrayBuffer,
    message.rec.buffer as ArrayBuffer,
    message.nums.buffer as ArrayBuffer,
    message.fid.buffer as ArrayBuffer,
    message.kinds.buffer as ArrayBuffer,
    message.numbers.buffer as ArrayBuffer,
    message.sref.buffer as ArrayBuffer,
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

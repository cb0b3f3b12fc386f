/**
 * The batches `KafkaWorkerEngine` posts to its worker: packed on the main thread (`packBatch`:
 * the values copied into one shared buffer) and read by the worker's engine (`unpackBatch`:
 * records that are views on that buffer only when asked, events read in place by the engine's decoder).
 */
import type {
  DecodedRecords,
  Family,
  L1Event,
  RawBatch,
  RawRecord,
  RecordHeaders,
  RecordPosition,
} from '../../src/index.js';
import type { KafkaBatch } from './source.js';
import type { ToWorker } from './workerEngine.js';

/** Headers of records that had none (kafkajs gives every message a headers object). */
const NO_HEADERS: RecordHeaders = Object.freeze({});

/** Header values as kafkajs gives them: a structured clone turns a `Buffer` into a `Uint8Array`. */
function asBuffers(h: RecordHeaders): RecordHeaders {
  const out = Object.create(null) as Record<string, RecordHeaders[string]>;
  for (const k of Object.keys(h)) {
    const v = h[k];
    out[k] = Array.isArray(v) ? (v as ReadonlyArray<string | Uint8Array>).map(asBuffer) : asBuffer(v);
  }
  return out;
}

function asBuffer<T>(v: T): T | Buffer {
  return v instanceof Uint8Array ? Buffer.from(v.buffer, v.byteOffset, v.byteLength) : v;
}

/** A batch's keys on one buffer (`packKeys`); a dead letter keeps its record's key. */
class PackedKeys {
  private readonly bytes: Buffer;
  constructor(
    shared: SharedArrayBuffer,
    private readonly ends: Int32Array,
  ) {
    this.bytes = Buffer.from(shared);
  }

  /** The key of record `i` (null: it had none); it starts where the last key before it ends. */
  at(i: number): Buffer | null {
    const end = this.ends[i];
    if (end < 0) return null;
    let start = 0;
    for (let j = i - 1; j >= 0; j--)
      if (this.ends[j] >= 0) {
        start = this.ends[j];
        break;
      }
    return this.bytes.subarray(start, end);
  }
}

/**
 * A record of a packed batch: its value is made (a view on the batch's buffer) only if something
 * asks for it (the general decode path, a dead letter, a registry's `prepare`); the engine's
 * decoder reads the event in place (`PackedEvents`), and `bytes` gives its size without a view.
 */
class PackedRecord implements RawRecord {
  private view: Buffer | null = null;
  constructor(
    private readonly values: Buffer,
    private readonly start: number,
    private readonly end: number,
    readonly headers: RecordHeaders,
    readonly position: RecordPosition,
    /** The batch's keys and this record's index in it: its key is made only if asked for. */
    private readonly keys: PackedKeys | null,
    private readonly index: number,
  ) {}

  get key(): Buffer | null {
    return this.keys === null ? null : this.keys.at(this.index);
  }

  get value(): Buffer {
    return (this.view ??= this.values.subarray(this.start, this.end));
  }

  get bytes(): number {
    return this.end - this.start;
  }
}

/** The batch's events read in place from its buffer; null: the record's value is decoded. */
class PackedEvents implements DecodedRecords {
  readonly viaDecoder = true;
  constructor(
    readonly family: Family,
    private readonly reader: InPlaceReader,
    private readonly values: Buffer,
    private readonly starts: Int32Array,
    private readonly ends: Int32Array,
  ) {}

  event(index: number): L1Event | null {
    return this.reader.readEventAt(this.values, this.starts[index], this.ends[index], this.family);
  }
}

/**
 * The engine's decoder, which reads a record's event where it is in the batch's buffer (`AvroDecoder`,
 * `JsonEventReader`); null for a record it leaves to its `decodeEvent` (which names the reason).
 */
export interface InPlaceReader {
  readEventAt(values: Buffer, start: number, end: number, family: Family): L1Event | null;
}

/** How the engine's records are read in place: its decoder and family. */
export interface InPlace {
  readonly decoder: InPlaceReader;
  readonly family: Family;
}

/**
 * One batch as the worker gets it (`KafkaWorkerEngine`'s message): records on its buffer,
 * positions from the offsets, and with `inPlace` their events read in place.
 */
export function unpackBatch(message: Extract<ToWorker, { t: 'batch' }>, inPlace: InPlace | null): RawBatch {
  const { topic, partition, starts, ends, offsets, firstOffset } = message;
  const values = Buffer.from(message.bytes);
  const headers =
    message.headers.length === 0 ? null : new Map(message.headers.map(([i, h]) => [i, asBuffers(h)]));
  const n = ends.length;
  const keys = message.keys === null ? null : new PackedKeys(message.keys.bytes, message.keys.ends);
  const records = new Array<RawRecord>(n);
  for (let i = 0; i < n; i++) {
    const offset = String(offsets === null ? firstOffset + i : offsets[i]);
    const position = { source: topic, partition, offset };
    records[i] = new PackedRecord(
      values,
      starts[i],
      ends[i],
      headers?.get(i) ?? NO_HEADERS,
      position,
      keys,
      i,
    );
  }
  return inPlace === null
    ? { records }
    : { records, decoded: new PackedEvents(inPlace.family, inPlace.decoder, values, starts, ends) };
}

/**
 * Packs a batch for the worker (main thread): its values copied into one `SharedArrayBuffer`, with
 * where each starts and ends, its offsets and the headers of records that have any. Nothing is
 * transferred: transferring (detaching) an `ArrayBuffer` even once makes V8 check typed-array
 * accesses for detachment in all of the thread's optimized code from then on (the engine's on the
 * worker, kafkajs' on this thread), while a shared buffer is posted as is; the worker's views on
 * it keep it alive. When the values are views on one fetch buffer, in order and not far apart (as
 * kafkajs decodes an uncompressed fetch), the span holding them is copied at once, the bytes
 * between values included; otherwise value by value.
 */
export function packBatch(batch: KafkaBatch): Extract<ToWorker, { t: 'batch' }> {
  const messages = batch.messages as ReadonlyArray<{
    readonly key?: Buffer | null;
    readonly value: Buffer | null;
    readonly offset: string;
    readonly headers?: RecordHeaders | undefined;
  }>;
  const n = messages.length;
  const starts = new Int32Array(n);
  const ends = new Int32Array(n);
  // Offsets increase within a batch: if the last is n - 1 past the first, they are consecutive
  // (the usual fetch: no compaction, no transaction markers) and none is parsed but those two.
  const firstOffset = n === 0 ? 0 : Number(messages[0].offset);
  const consecutive = n === 0 || Number(messages[n - 1].offset) - firstOffset === n - 1;
  const offsets = consecutive ? null : new Float64Array(n);
  const headers: Array<[number, RecordHeaders]> = [];
  let total = 0;
  // one span: every value on the same memory, each after the previous one
  let memory: ArrayBufferLike | null = null;
  let spanStart = -1;
  let spanEnd = -1;
  let contiguous = true;
  for (let i = 0; i < n; i++) {
    const m = messages[i];
    const v = m.value;
    if (typeof v === 'string') throw new TypeError('KafkaWorkerEngine: a record value is a string');
    if (offsets !== null) offsets[i] = Number(m.offset);
    const h = m.headers;
    if (h !== undefined)
      for (const _ in h) {
        headers.push([i, h]);
        break;
      }
    if (v === null || v.length === 0) continue;
    total += v.length;
    if (!contiguous) continue;
    if (memory === null) {
      memory = v.buffer;
      spanStart = v.byteOffset;
    } else if (v.buffer !== memory || v.byteOffset < spanEnd) contiguous = false;
    spanEnd = v.byteOffset + v.length;
  }
  const span = spanEnd - spanStart;
  let bytes: SharedArrayBuffer;
  if (memory !== null && contiguous && span <= total + (total >> 2)) {
    // At the span's offset modulo 8 in the new buffer: V8 copies into shared memory a word at a
    // time only when source and target are equally aligned, else a byte at a time (~6× slower).
    const pad = spanStart & 7;
    bytes = new SharedArrayBuffer(pad + span);
    new Uint8Array(bytes, pad, span).set(new Uint8Array(memory, spanStart, span));
    for (let i = 0, at = pad; i < n; i++) {
      const v = messages[i].value;
      if (v !== null && v.length > 0) at = pad + v.byteOffset - spanStart;
      starts[i] = at;
      ends[i] = at += v?.length ?? 0;
    }
  } else {
    bytes = new SharedArrayBuffer(total);
    const into = new Uint8Array(bytes);
    for (let i = 0, at = 0; i < n; i++) {
      const v = messages[i].value;
      starts[i] = at;
      if (v !== null) {
        into.set(v, at);
        at += v.length;
      }
      ends[i] = at;
    }
  }
  return {
    t: 'batch',
    topic: batch.topic,
    partition: batch.partition,
    bytes,
    starts,
    ends,
    offsets,
    firstOffset,
    headers,
    keys: packKeys(messages),
  };
}

/** The records' keys copied into one shared buffer (a dead letter on the worker keeps its key). */
function packKeys(
  messages: ReadonlyArray<{ readonly key?: Buffer | null }>,
): Extract<ToWorker, { t: 'batch' }>['keys'] {
  const n = messages.length;
  let total = 0;
  let any = false;
  for (let i = 0; i < n; i++) {
    const k = messages[i].key;
    if (k != null) {
      total += k.length;
      any = true;
    }
  }
  if (!any) return null;
  const bytes = new SharedArrayBuffer(total);
  const into = new Uint8Array(bytes);
  const ends = new Int32Array(n);
  for (let i = 0, at = 0; i < n; i++) {
    const k = messages[i].key;
    if (k == null) {
      ends[i] = -1;
      continue;
    }
    into.set(k, at);
    ends[i] = at += k.length;
  }
  return { bytes, ends };
}

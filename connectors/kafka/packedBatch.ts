/**
 * The batches `KafkaWorkerEngine` posts to its worker, as the worker's engine reads them: records
 * that are views on the batch's transferred buffer only when asked, events read in place.
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
import type { AvroDecoder } from './codecs/avro.js';
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

/**
 * A record of a packed batch: its value is made (a view on the batch's buffer) only if something
 * asks for it (the general decode path, a dead letter, a registry's `prepare`); the engine's
 * decoder reads the event in place (`PackedAvro`), and `bytes` gives its size without a view.
 */
class PackedRecord implements RawRecord {
  readonly key = null;
  private view: Buffer | null = null;
  constructor(
    private readonly values: Buffer,
    private readonly start: number,
    private readonly end: number,
    readonly headers: RecordHeaders,
    readonly position: RecordPosition,
  ) {}

  get value(): Buffer {
    return (this.view ??= this.values.subarray(this.start, this.end));
  }

  get bytes(): number {
    return this.end - this.start;
  }
}

/** The batch's events read in place from its buffer (Avro); null: the record's value is decoded. */
class PackedAvro implements DecodedRecords {
  readonly viaDecoder = true;
  constructor(
    readonly family: Family,
    private readonly decoder: AvroDecoder,
    private readonly values: Buffer,
    private readonly ends: Int32Array,
  ) {}

  event(index: number): L1Event | null {
    const start = index === 0 ? 0 : this.ends[index - 1];
    return this.decoder.readEventAt(this.values, start, this.ends[index], this.family);
  }
}

/** How the engine's records are read in place: its Avro decoder and family (JSON records: none). */
export interface InPlace {
  readonly decoder: AvroDecoder;
  readonly family: Family;
}

/**
 * One batch as the worker gets it (`KafkaWorkerEngine`'s message): records on its buffer,
 * positions from the offsets, and with `inPlace` their events read in place.
 */
export function unpackBatch(message: Extract<ToWorker, { t: 'batch' }>, inPlace: InPlace | null): RawBatch {
  const { topic, partition, ends, offsets } = message;
  const values = Buffer.from(message.bytes);
  const headers =
    message.headers.length === 0 ? null : new Map(message.headers.map(([i, h]) => [i, asBuffers(h)]));
  const n = ends.length;
  const records = new Array<RawRecord>(n);
  for (let i = 0, start = 0; i < n; i++) {
    const position = { source: topic, partition, offset: String(offsets[i]) };
    records[i] = new PackedRecord(values, start, ends[i], headers?.get(i) ?? NO_HEADERS, position);
    start = ends[i];
  }
  return inPlace === null
    ? { records }
    : { records, decoded: new PackedAvro(inPlace.family, inPlace.decoder, values, ends) };
}

import { existsSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

import avro from 'avsc';

import {
  ConfigError,
  InputError,
  validateEvent,
  type EventDecoder,
  type Family,
  type L1Event,
  type RawRecord,
  type RecordDecoder,
  type Validated,
} from '../../../src/index.js';
import { optionKeyProblems, shownValue } from '../../../src/internal.js';
import { AvroBodyError, AvroEventReader } from './avroEventReader.js';
import { type SchemaRegistryClient, UnknownSchemaError } from './registryClient.js';
import { asBuffer, frame, HEADER_BYTES, MAGIC_BYTE, schemaIdOf, unframe } from './wireFormat.js';

/** An Avro schema as parsed JSON (or its text). */
export type AvroSchema = avro.Schema | string;

/** `confluent`: magic byte 0 + 4-byte schema id + body; `raw`: the Avro body alone. */
export type AvroFraming = 'confluent' | 'raw';

/**
 * The options of `fn` from JavaScript: a misspelled key (`writerSchema`) was ignored, and a
 * framing that is none (`"row"`) was read as framed, with no schema fetched; each is a `ConfigError`, all at once.
 */
function checkAvroOptions(fn: string, options: unknown, known: readonly string[]): void {
  const problems = optionKeyProblems(fn, options, known);
  const framing = problems.length === 0 ? (options as { readonly framing?: unknown }).framing : undefined;
  if (framing !== undefined && framing !== 'confluent' && framing !== 'raw')
    problems.push({
      path: `${fn}: framing`,
      message: `must be "confluent" or "raw", got ${shownValue(framing)}`,
    });
  if (problems.length > 0) throw new ConfigError(problems);
}

/** The schemas that ship in the package (`connectors/kafka/schemas`). */
export type ShippedSchema = 'event' | 'model' | 'alert' | 'score';

/** Reads one of the shipped `.avsc` files (from the source tree, `dist/connectors` or the CLI bundle `dist/cli`). */
export function shippedSchema(name: ShippedSchema): avro.Schema {
  const candidates = [
    `../schemas/${name}.avsc`,
    `../../../../connectors/kafka/schemas/${name}.avsc`,
    `../../connectors/kafka/schemas/${name}.avsc`,
  ];
  for (const rel of candidates) {
    const path = fileURLToPath(new URL(rel, import.meta.url));
    if (existsSync(path)) return JSON.parse(readFileSync(path, 'utf8')) as avro.Schema;
  }
  throw new ConfigError([
    { path: 'avro', message: `the shipped schema ${name}.avsc is missing from the package` },
  ]);
}

/** Reads an `.avsc` file; a problem becomes a `ConfigError` naming `configPath`. */
export function readSchemaFile(path: string, configPath = 'kafka.avro.schemaFile'): avro.Schema {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (err) {
    throw ConfigError.single(configPath, `cannot read ${path}: ${(err as Error).message}`);
  }
  try {
    const schema = JSON.parse(text) as avro.Schema;
    avro.Type.forSchema(schema);
    return schema;
  } catch (err) {
    throw ConfigError.single(configPath, `${path} is not a valid Avro schema: ${(err as Error).message}`);
  }
}

function typeOf(schema: AvroSchema): avro.Type {
  return avro.Type.forSchema(typeof schema === 'string' ? (JSON.parse(schema) as avro.Schema) : schema);
}

/** Fingerprint of the shipped event schema, which `AvroEventReader` reads without avsc. */
let eventFingerprint: string | undefined;
function shippedEventFingerprint(): string {
  return (eventFingerprint ??= typeOf(shippedSchema('event')).fingerprint('sha256').toString('hex'));
}

function describe(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}

export interface AvroDecoderOptions {
  /** The schema the engine reads with (default: the shipped event schema). */
  readonly readerSchema?: AvroSchema;
  readonly framing?: AvroFraming;
  /** Registry mode: writer schemas are fetched by the id in each message. */
  readonly registry?: SchemaRegistryClient;
  /** Registry-less mode: writer schemas by id (`confluent` framing) or the one writer schema (`raw`, key 0). */
  readonly writerSchemas?: ReadonlyMap<number, AvroSchema>;
}

/**
 * Decodes Avro records with writer/reader schema resolution, so producers can evolve their schema
 * (add fields with defaults, widen int → long → double, ...) while the engine reads with its own.
 *
 * Decoding is synchronous (it runs inside `decodeEvents`); writer schemas a batch needs are
 * fetched from the registry beforehand by `prepare(records)`. A record that is not in the wire
 * format, names an unknown schema id, or does not parse, throws `InputError` (→ dead letter).
 *
 * As an `EventDecoder` (pass the decoder itself to `decodeEvents`, or as the `Engine`'s `decoder`
 * option), it decodes and validates in one step; records whose writer schema and the reader
 * schema are both the shipped event schema take a hand-written reader (`AvroEventReader`) that
 * skips avsc and the second walk over each event. `decode` (a `RecordDecoder`) always goes through avsc.
 */
export class AvroDecoder implements EventDecoder {
  readonly framing: AvroFraming;
  private readonly reader: avro.Type;
  private readonly readerFingerprint: string;
  private readonly registry: SchemaRegistryClient | undefined;
  /** Per writer schema id: a resolver, `null` when writer = reader, or an error text. */
  private readonly resolvers = new Map<number, object | null | string>();
  private readonly writers = new Map<number, avro.Type>();
  /** Per writer schema id: whether `AvroEventReader` can read its records (see `fast`). */
  private readonly fastIds = new Map<number, boolean>();
  /** The id `fast` last answered for from `fastIds` (-1: none) and its answer: a topic's records share one. */
  private lastFastId = -1;
  private lastFast = false;
  private readonly eventReader = new AvroEventReader();

  constructor(options: AvroDecoderOptions = {}) {
    checkAvroOptions('AvroDecoder', options, ['readerSchema', 'framing', 'registry', 'writerSchemas']);
    this.framing = options.framing ?? 'confluent';
    this.reader = typeOf(options.readerSchema ?? shippedSchema('event'));
    this.readerFingerprint = this.reader.fingerprint('sha256').toString('hex');
    this.registry = options.registry;
    for (const [id, schema] of options.writerSchemas ?? []) this.addWriter(id, schema);
    if (this.framing === 'raw' && !this.writers.has(0) && options.writerSchemas === undefined)
      this.writers.set(0, this.reader);
  }

  /** Makes a writer schema known under `id` (registry-less mode, or after fetching it). */
  addWriter(id: number, schema: AvroSchema): void {
    this.writers.set(id, typeOf(schema));
    this.resolvers.delete(id);
    this.fastIds.delete(id);
    this.lastFastId = -1;
  }

  /** Fetches the writer schemas of these records that are not known yet (registry mode). */
  async prepare(records: readonly RawRecord[]): Promise<void> {
    if (!this.registry || this.framing !== 'confluent') return;
    let missing: Set<number> | undefined;
    for (const r of records) {
      const v = r.value;
      if (typeof v === 'string' || v.byteLength < 5 || v[0] !== MAGIC_BYTE) continue;
      const id = ((v[1] << 24) >>> 0) + (v[2] << 16) + (v[3] << 8) + v[4];
      if (this.writers.has(id)) continue;
      (missing ??= new Set()).add(id);
    }
    if (!missing) return;
    await Promise.all(
      [...missing].map(async (id) => {
        try {
          this.addWriter(id, await this.registry!.schemaById(id));
        } catch (err) {
          if (err instanceof UnknownSchemaError) return; // decode() dead-letters the records
          throw err; // registry down: retriable, the batch is not committed
        }
      }),
    );
  }

  /** The `RecordDecoder` for `decodeEvents`. */
  readonly decode: RecordDecoder = (value) => {
    if (this.framing === 'raw') {
      if (typeof value === 'string') throw new InputError('an Avro record must be bytes, got text');
      return this.read(0, Buffer.from(value.buffer, value.byteOffset, value.byteLength));
    }
    const { schemaId, body } = unframe(value);
    return this.read(schemaId, body);
  };

  /**
   * The `EventDecoder`: decodes and validates one record, returning what `validateEvent` returns
   * for the record `decode` would produce, and throwing the same `InputError`s.
   */
  decodeEvent(value: string | Uint8Array, family: Family): Validated {
    let id = 0;
    let start = 0;
    if (this.framing === 'raw') {
      if (typeof value === 'string') throw new InputError('an Avro record must be bytes, got text');
    } else {
      id = schemaIdOf(value);
      start = HEADER_BYTES;
    }
    const bytes = asBuffer(value as Uint8Array);
    if (this.fast(id)) {
      let event;
      try {
        event = this.eventReader.read(bytes, start, family);
      } catch (err) {
        if (err instanceof AvroBodyError)
          throw new InputError(`not a valid Avro body for schema id ${id}: ${err.message}`);
        throw err;
      }
      // null: well-formed but invalid or unusual; the general path below names the reason.
      if (event !== null) return { ok: true, event };
    }
    return validateEvent(this.read(id, start === 0 ? bytes : bytes.subarray(start)), family);
  }

  /**
   * `EventDecoder.readEvent`: the event of a record the hand-written reader reads and finds valid
   * (its `features` not an own property), else null, `decodeEvent` then names the reason.
   */
  readEvent(value: string | Uint8Array, family: Family): L1Event | null {
    if (typeof value === 'string') return null;
    let id = 0;
    let start = 0;
    if (this.framing !== 'raw') {
      if (value.byteLength < HEADER_BYTES || value[0] !== MAGIC_BYTE) return null;
      id = ((value[1] << 24) >>> 0) + (value[2] << 16) + (value[3] << 8) + value[4];
      start = HEADER_BYTES;
    }
    if (!this.fast(id)) return null;
    try {
      return this.eventReader.read(asBuffer(value), start, family, false);
    } catch (err) {
      if (err instanceof AvroBodyError) return null;
      throw err;
    }
  }

  /**
   * `readEvent` of the record in `buf[start, end)` (framed as this decoder's records are), read in
   * place: a source that holds many records in one buffer makes no view per record.
   */
  readEventAt(buf: Buffer, start: number, end: number, family: Family): L1Event | null {
    let id = 0;
    let from = start;
    if (this.framing !== 'raw') {
      if (end - start < HEADER_BYTES || buf[start] !== MAGIC_BYTE) return null;
      id = ((buf[start + 1] << 24) >>> 0) + (buf[start + 2] << 16) + (buf[start + 3] << 8) + buf[start + 4];
      from = start + HEADER_BYTES;
    }
    if (!this.fast(id)) return null;
    try {
      return this.eventReader.read(buf, from, family, false, end);
    } catch (err) {
      if (err instanceof AvroBodyError) return null;
      throw err;
    }
  }

  /** True when writer `id` and the reader are both the shipped event schema (same canonical form). */
  private fast(id: number): boolean {
    if (id === this.lastFastId) return this.lastFast;
    let fast = this.fastIds.get(id);
    if (fast === undefined) {
      const writer = this.writers.get(id);
      if (writer === undefined) return false; // not cached: ids in corrupt records are arbitrary
      const event = shippedEventFingerprint();
      fast = this.readerFingerprint === event && writer.fingerprint('sha256').toString('hex') === event;
      this.fastIds.set(id, fast);
    }
    this.lastFastId = id;
    this.lastFast = fast;
    return fast;
  }

  private read(id: number, body: Buffer): unknown {
    const writer = this.writers.get(id);
    if (!writer) throw new InputError(`unknown schema id ${id}`);
    let resolver = this.resolvers.get(id);
    if (resolver === undefined) {
      try {
        resolver =
          writer.fingerprint('sha256').toString('hex') === this.readerFingerprint
            ? null
            : (this.reader.createResolver(writer) as never);
      } catch (err) {
        resolver = `writer schema ${id} cannot be read with the reader schema: ${describe(err)}`;
      }
      this.resolvers.set(id, resolver);
    }
    if (typeof resolver === 'string') throw new InputError(resolver);
    try {
      return resolver === null
        ? this.reader.fromBuffer(body)
        : this.reader.fromBuffer(body, resolver as never);
    } catch (err) {
      throw new InputError(`not a valid Avro body for schema id ${id}: ${describe(err)}`);
    }
  }
}

export interface AvroEncoderOptions {
  readonly schema: AvroSchema;
  readonly framing?: AvroFraming;
  /** Registry mode: the subject (`<topic>-value` by the TopicNameStrategy). */
  readonly registry?: SchemaRegistryClient;
  readonly subject?: string;
  /** Register the schema if the subject does not have it (default false: look it up). */
  readonly register?: boolean;
  /** Registry-less `confluent` framing: the id to write (default 0). */
  readonly schemaId?: number;
}

/** Encodes values with one schema, framed for the registry ecosystem (or raw). */
export class AvroEncoder {
  readonly schemaId: number;
  readonly framing: AvroFraming;
  readonly type: avro.Type;

  private constructor(type: avro.Type, schemaId: number, framing: AvroFraming) {
    this.type = type;
    this.schemaId = schemaId;
    this.framing = framing;
  }

  /** Resolves the schema id (registering it if asked) and returns a synchronous encoder. */
  static async create(options: AvroEncoderOptions): Promise<AvroEncoder> {
    checkAvroOptions('AvroEncoder.create', options, [
      'schema',
      'framing',
      'registry',
      'subject',
      'register',
      'schemaId',
    ]);
    const type = typeOf(options.schema);
    const framing = options.framing ?? 'confluent';
    let id = options.schemaId ?? 0;
    if (options.registry && framing === 'confluent') {
      if (!options.subject)
        throw ConfigError.single('kafka.avro', 'a registry subject is needed to encode with the registry');
      // exportAttrs keeps field defaults (and docs, aliases, order, logical types): without them the
      // registry would judge compatibility on a schema whose new fields have no defaults
      const text = JSON.stringify(type.schema({ exportAttrs: true }));
      id = options.register
        ? await options.registry.register(options.subject, text)
        : await options.registry.lookup(options.subject, text);
    }
    return new AvroEncoder(type, id, framing);
  }

  /** One framed message; throws if `value` does not match the schema. */
  encode(value: unknown): Buffer {
    const body = this.type.toBuffer(value);
    return this.framing === 'raw' ? body : frame(this.schemaId, body);
  }
}

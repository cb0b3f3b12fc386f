import { writeFileSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import avro from 'avsc';
import { describe, expect, it } from 'vitest';

import {
  AvroDecoder,
  AvroEncoder,
  SchemaRegistryClient,
  UnknownSchemaError,
  checkKafkaConfig,
  frame,
  readSchemaFile,
  shippedSchema,
  unframe,
} from '../../connectors/kafka/index.js';
import { ConfigError, InputError, validateEvent, type RawRecord } from '../../src/index.js';
import { randomName } from './helpers.js';
import {
  registerEventVersions,
  registryKinds,
  setCompatibility,
  subjectVersions,
  useRegistry,
} from './registries.js';

const rec = (value: Uint8Array | string): RawRecord => ({
  value,
  position: { source: 't', partition: 0, offset: '0' },
});

describe('Confluent wire format', () => {
  it('frames as magic 0 + big-endian id + body, and reads it back', () => {
    const framed = frame(0x01020304, Buffer.from([9, 8, 7]));
    expect([...framed]).toEqual([0, 1, 2, 3, 4, 9, 8, 7]);
    const { schemaId, body } = unframe(framed);
    expect(schemaId).toBe(0x01020304);
    expect([...body]).toEqual([9, 8, 7]);
    expect(unframe(frame(0xffffffff, new Uint8Array())).schemaId).toBe(0xffffffff);
  });
  it('rejects a wrong magic byte, short input and text', () => {
    expect(() => unframe(Buffer.from('{"features":{}}'))).toThrow(/wrong magic byte 0x7b/);
    expect(() => unframe(Buffer.from([0, 0, 1]))).toThrow(/shorter than the 5-byte header/);
    expect(() => unframe('abc')).toThrow(InputError);
    expect(() => frame(-1, new Uint8Array())).toThrow(RangeError);
  });
});

describe('shipped Avro schemas', () => {
  const event = {
    key: 'k',
    ts: 1700000000000,
    label: 1,
    weight: 0.5,
    features: { age: 34, country: 'DE', premium: true, tags: ['a', 'b'] },
  };
  it('carry every feature type of DESIGN §2 and decode to a valid event', () => {
    const type = avro.Type.forSchema(shippedSchema('event'));
    const back = type.fromBuffer(type.toBuffer(event)) as unknown;
    const checked = validateEvent(back, 'binomial');
    expect(checked.ok).toBe(true);
    expect(checked.ok && checked.event).toEqual(event);
    const bare = type.fromBuffer(type.toBuffer({ features: { x: 1 } })) as Record<string, unknown>;
    expect(bare).toMatchObject({ key: null, ts: null, label: null, weight: null, features: { x: 1 } });
    expect(validateEvent(bare, 'gaussian')).toEqual({ ok: true, event: { features: { x: 1 } } });
  });
  it('encode model snapshots and alerts', () => {
    const model = avro.Type.forSchema(shippedSchema('model'));
    const snapshot = {
      key: 'm',
      version: 3,
      offset: 100,
      source: 'online',
      family: 'gaussian',
      learner: 'ftrl',
      lambda: 0.01,
      l1Ratio: 1,
      intercept: 0.25,
      coefficients: { x1: 1.5, 'c=b': -0.125 },
      metrics: { rmse: 0.5, note: 'x', ok: true, none: null },
      createdAt: '2026-01-01T00:00:00.000Z',
    };
    expect(model.fromBuffer(model.toBuffer(snapshot))).toMatchObject({ ...snapshot, partitionOffsets: null });
    const alert = avro.Type.forSchema(shippedSchema('alert'));
    const a = {
      key: 'm',
      offset: 5,
      type: 'sign-flip',
      severity: 'warning',
      message: 'x1 flipped',
      details: '{"feature":"x1"}',
      createdAt: 'now',
    };
    expect(alert.fromBuffer(alert.toBuffer(a))).toMatchObject(a);
  });
});

describe.each(registryKinds)('schema registry client and Avro codecs (%s registry)', (kind) => {
  // the fake's ids start at 41, so that nothing can take the first id for granted
  const registry = useRegistry(kind, 41);
  // the real registry is shared by the whole run: every test has subjects of its own
  const subject = (name: string) => `${randomName(name)}-value`;

  it('registers on produce, caches ids, and decodes by the id in the message', async () => {
    const ev = subject('ev');
    const client = new SchemaRegistryClient({ url: registry().url });
    const encoder = await AvroEncoder.create({
      schema: shippedSchema('event'),
      registry: client,
      subject: ev,
      register: true,
    });
    const id = encoder.schemaId;
    const bytes = encoder.encode({ label: 2.5, features: { x: 1.25, c: 'u' } });
    expect(bytes[0]).toBe(0);
    expect(bytes.readUInt32BE(1)).toBe(id);
    // A fresh client (another process): it must fetch the schema by id once, then decode from cache.
    const reader = new SchemaRegistryClient({ url: registry().url });
    const decoder = new AvroDecoder({ registry: reader });
    const before = registry().requests.length;
    await decoder.prepare([rec(bytes), rec(bytes)]);
    await decoder.prepare([rec(bytes)]);
    expect(registry().requests.slice(before)).toEqual([`GET /schemas/ids/${id}`]);
    expect(decoder.decode(bytes)).toMatchObject({ label: 2.5, features: { x: 1.25, c: 'u' } });
    // lookup (no register) finds the same id; an unregistered subject is a clear error.
    const text = JSON.stringify(avro.Type.forSchema(shippedSchema('event')).schema({ exportAttrs: true }));
    expect(await new SchemaRegistryClient({ url: registry().url }).lookup(ev, text)).toBe(id);
    const other = subject('other');
    await expect(new SchemaRegistryClient({ url: registry().url }).lookup(other, '"string"')).rejects.toThrow(
      `not registered under subject "${other}"`,
    );
    await expect(reader.schemaById(2_000_000_000)).rejects.toBeInstanceOf(UnknownSchemaError);
    // what was registered keeps the schema's field defaults (the registry's compatibility checks need them)
    const registered = JSON.parse(
      await new SchemaRegistryClient({ url: registry().url }).schemaById(id),
    ) as avro.schema.RecordType;
    expect(registered.fields.find((f) => f.name === 'weight')).toHaveProperty('default', null);
  });

  it('reads an evolved writer schema with the older reader schema', async () => {
    const client = new SchemaRegistryClient({ url: registry().url });
    const evolved = shippedSchema('event') as avro.schema.RecordType;
    const v2 = {
      ...evolved,
      fields: [
        ...evolved.fields.filter((f) => f.name !== 'weight'),
        { name: 'source', type: 'string', default: 'web' },
        { name: 'weight', type: ['null', 'float'], default: null },
      ],
    };
    const encoder = await AvroEncoder.create({
      schema: v2,
      registry: client,
      subject: subject('evolve'),
      register: true,
    });
    const bytes = encoder.encode({ key: 'k', label: 1, weight: 0.5, source: 'app', features: { x: 3 } });
    const decoder = new AvroDecoder({ registry: new SchemaRegistryClient({ url: registry().url }) });
    await decoder.prepare([rec(bytes)]);
    const event = decoder.decode(bytes) as Record<string, unknown>;
    expect(event).toEqual(expect.objectContaining({ key: 'k', label: 1, weight: 0.5, features: { x: 3 } }));
    expect(event).not.toHaveProperty('source');
    // A writer the reader cannot resolve (features of another type) is a decode error, not a crash.
    const incompatible = {
      type: 'record',
      name: 'Event',
      namespace: 'dev.l1stream',
      fields: [{ name: 'features', type: 'string' }],
    } as avro.Schema;
    const bad = await AvroEncoder.create({
      schema: incompatible,
      registry: client,
      subject: subject('bad'),
      register: true,
    });
    const badBytes = bad.encode({ features: 'x' });
    await decoder.prepare([rec(badBytes)]);
    expect(() => decoder.decode(badBytes)).toThrow(/cannot be read with the reader schema/);
  });

  it('dead-letter reasons: unknown id, corrupted body, wrong magic', async () => {
    const decoder = new AvroDecoder({ registry: new SchemaRegistryClient({ url: registry().url }) });
    const unknown = frame(987_654_321, Buffer.from([2, 4]));
    await decoder.prepare([rec(unknown)]);
    expect(() => decoder.decode(unknown)).toThrow(/unknown schema id 987654321/);
    const client = new SchemaRegistryClient({ url: registry().url });
    const good = (
      await AvroEncoder.create({
        schema: shippedSchema('event'),
        registry: client,
        subject: subject('c'),
        register: true,
      })
    ).encode({ features: { a: 'b' } });
    await decoder.prepare([rec(good)]);
    const truncated = good.subarray(0, good.length - 2);
    expect(() => decoder.decode(truncated)).toThrow(/not a valid Avro body for schema id/);
    expect(() => decoder.decode(Buffer.concat([good, Buffer.from([1, 2, 3])]))).toThrow(
      /not a valid Avro body/,
    );
    expect(() => decoder.decode(Buffer.from('{"features":{}}'))).toThrow(/wrong magic byte/);
  });

  it('a registry that does not answer is a retriable error, not a dead letter', async () => {
    const decoder = new AvroDecoder({
      registry: new SchemaRegistryClient({ url: 'http://127.0.0.1:9', timeoutMs: 2000 }),
    });
    await expect(decoder.prepare([rec(frame(5, Buffer.from([0])))])).rejects.toMatchObject({
      code: 'L1S_REGISTRY_UNREACHABLE',
      retriable: true,
    });
  });
});

describe('compatibility rules of a real schema registry', () => {
  const registry = useRegistry('real');

  it('BACKWARD: an evolved schema (a new field with a default) registers and is read; one that breaks old data is refused with a clear error', async () => {
    const subject = `${randomName('compat')}-value`;
    await setCompatibility(registry().url, subject, 'BACKWARD');
    const { v1, v2 } = await registerEventVersions(registry().url, subject);
    expect(v2.schemaId).not.toBe(v1.schemaId);
    const decoder = new AvroDecoder({ registry: new SchemaRegistryClient({ url: registry().url }) });
    const bytes = v2.encode({ label: 1, channel: 'app', features: { x: 2 } });
    await decoder.prepare([rec(bytes)]);
    expect(decoder.decode(bytes)).toEqual(expect.objectContaining({ label: 1, features: { x: 2 } }));
    // A new field without a default cannot read the data written before it: the registry refuses it.
    const base = shippedSchema('event') as avro.schema.RecordType;
    const v3 = { ...base, fields: [...base.fields, { name: 'region', type: 'string' }] };
    const client = new SchemaRegistryClient({ url: registry().url });
    const refused = AvroEncoder.create({ schema: v3, registry: client, subject, register: true });
    await expect(refused).rejects.toMatchObject({ code: 'L1S_REGISTRY_INCOMPATIBLE', retriable: false });
    await expect(refused).rejects.toThrow(
      new RegExp(`refused the schema for subject "${subject}" as incompatible .*compatibility level`),
    );
    expect(await subjectVersions(registry().url, subject)).toEqual([1, 2]);
  });
});

describe('registry-less Avro (schema from a file)', () => {
  const dir = mkdtempSync(join(tmpdir(), 'l1s-avsc-'));
  const file = join(dir, 'event.avsc');
  writeFileSync(file, JSON.stringify(shippedSchema('event')));

  it('round-trips with confluent framing and a configured id', async () => {
    const schema = readSchemaFile(file);
    const encoder = await AvroEncoder.create({ schema, schemaId: 7 });
    const decoder = new AvroDecoder({ writerSchemas: new Map([[7, schema]]) });
    const bytes = encoder.encode({ label: 0, features: { f: ['x', 'y'] } });
    await decoder.prepare([rec(bytes)]);
    expect(decoder.decode(bytes)).toMatchObject({ label: 0, features: { f: ['x', 'y'] } });
    expect(() => decoder.decode(frame(8, bytes.subarray(5)))).toThrow(/unknown schema id 8/);
  });
  it('round-trips raw Avro bodies', async () => {
    const encoder = await AvroEncoder.create({ schema: readSchemaFile(file), framing: 'raw' });
    const decoder = new AvroDecoder({ framing: 'raw' });
    const bytes = encoder.encode({ features: { n: -1.5 } });
    expect(bytes[0]).not.toBe(0xff);
    expect(decoder.decode(bytes)).toMatchObject({ features: { n: -1.5 } });
  });
  it('names a bad schema file in the configuration error', () => {
    const broken = join(dir, 'broken.avsc');
    writeFileSync(broken, '{"type":"record","name":"X","fields":[{"name":"a","type":"nope"}]}');
    expect(() => readSchemaFile(broken)).toThrow(ConfigError);
    expect(() => readSchemaFile(join(dir, 'missing.avsc'))).toThrow(/kafka.avro.schemaFile/);
  });
});

describe('kafka configuration', () => {
  it('fills defaults and freezes', () => {
    const c = checkKafkaConfig({ brokers: '127.0.0.1:9092, 127.0.0.1:9093', topics: ['events'] });
    expect(c.brokers).toEqual(['127.0.0.1:9092', '127.0.0.1:9093']);
    expect(c).toMatchObject({
      groupId: 'l1stream',
      prefix: 'l1stream',
      format: 'json',
      partitions: 1,
      snapshotEvery: 10_000,
    });
    expect(Object.isFrozen(c)).toBe(true);
  });
  it('reports every problem by path at once', () => {
    let error: ConfigError | undefined;
    try {
      checkKafkaConfig({
        brokers: ['nohost'],
        partitions: 0,
        format: 'xml',
        avro: { framing: 'x', bogus: 1 },
        extra: true,
      });
    } catch (err) {
      error = err as ConfigError;
    }
    expect(error).toBeInstanceOf(ConfigError);
    expect(error!.problems.map((p) => p.path).sort()).toEqual(
      [
        'kafka.avro.bogus',
        'kafka.avro.framing',
        'kafka.brokers',
        'kafka.extra',
        'kafka.format',
        'kafka.partitions',
        'kafka.topics',
      ].sort(),
    );
    expect(() => checkKafkaConfig({ brokers: ['h:1'], topics: ['t'], format: 'avro' })).toThrow(
      /avro.registryUrl .* or avro.schemaFile/,
    );
  });
});

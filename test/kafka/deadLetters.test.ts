import type { IHeaders } from 'kafkajs';
import type { Subscription } from 'rxjs';
import { describe, expect, it } from 'vitest';

import {
  AvroDecoder,
  AvroEncoder,
  KafkaSink,
  KafkaSource,
  SchemaRegistryClient,
  DEAD_LETTER_LIMITS,
  cutDeadLetterHeaders,
  deadLetterHeaders,
  frame,
  kafkaEventSource,
  outputTopics,
  shippedSchema,
  type AvroDecoderOptions,
} from '../../connectors/kafka/index.js';
import { Engine, checkEngineConfig, type EventDecoder, type RecordDecoder } from '../../src/index.js';
import {
  createTopic,
  kafkaClient,
  makeEvents,
  produce,
  randomName,
  readTopic,
  waitFor,
  type ReadMessage,
} from './helpers.js';
import { registerEventVersions, registryKinds, useRegistry } from './registries.js';

interface Sent {
  readonly value: Buffer;
  /** Expected dead-letter reason (regexp), or null for a good event. */
  readonly reason: RegExp | null;
  /** Headers to send instead of `origin: test-<i>` (the dead letter must carry them all). */
  readonly headers?: IHeaders;
}

/** Runs `messages` through the engine (Kafka source → decode → learn → Kafka sink) with `decoder`; returns the model and the DLQ. */
async function runThrough(
  sent: readonly Sent[],
  decoder: RecordDecoder | EventDecoder,
  prepare?: (r: readonly import('../../src/index.js').RawRecord[]) => Promise<void>,
  maxRecordBytes?: number,
) {
  const kafka = kafkaClient();
  const topic = randomName('in');
  const prefix = randomName('dl');
  await createTopic(kafka, topic, 1);
  await produce(
    kafka,
    topic,
    sent.map((s, i) => ({ key: `k${i}`, value: s.value, headers: s.headers ?? { origin: `test-${i}` } })),
    // a record near the broker's limit goes alone (a request is one batch per partition)
    sent.some((s) => s.value.length > 65_536) ? 1 : undefined,
  );
  const config = checkEngineConfig({
    model: { family: 'gaussian', key: 'dl' },
    snapshots: { everyEvents: 1_000_000, everySeconds: 'Infinity' },
    refit: { enabled: false },
    ...(maxRecordBytes !== undefined ? { limits: { maxRecordBytes } } : {}),
  });
  const source = new KafkaSource(kafka, {
    topics: [topic],
    groupId: randomName('g'),
    maxBytesPerPartition: 4096,
  });
  const sink = new KafkaSink(kafka, { topics: outputTopics(prefix) });
  await sink.start();
  const engine = new Engine(
    config,
    { source: kafkaEventSource(source, prepare), sink },
    { decoder, partSize: 512 },
  );
  let records = 0;
  let subscription: Subscription | undefined;
  try {
    subscription = engine.pipeline().subscribe({
      next: (b) => (records += b.records.length),
    });
    await waitFor(
      () => records >= sent.length,
      `${sent.length} records through the pipeline (have ${records})`,
      60_000,
    );
  } finally {
    subscription?.unsubscribe();
    await engine.close();
    await source.close();
    await sink.close();
  }
  const model = engine.registry.peekLive('dl')!.model;
  const deadLetters = sink.deadLetters;
  // The engine counts the same dead letters (by reason) as the sink (by stage).
  expect(engine.stats().rejected).toBe(deadLetters.count);
  const bad = sent.filter((s) => s.reason !== null).length;
  const dlq = await readTopic(kafka, outputTopics(prefix).dlq, bad);
  return { model, deadLetters, dlq, topic };
}

function checkDeadLetters(sent: readonly Sent[], dlq: readonly ReadMessage[], topic: string): void {
  const bad = sent.map((s, i) => ({ ...s, offset: String(i) })).filter((s) => s.reason !== null);
  expect(dlq).toHaveLength(bad.length);
  const byOffset = new Map(dlq.map((m) => [m.headers[deadLetterHeaders.offset], m]));
  for (const b of bad) {
    const letter = byOffset.get(b.offset);
    expect(letter, `dead letter for offset ${b.offset}`).toBeDefined();
    expect(letter!.value!.equals(b.value)).toBe(true);
    expect(letter!.headers[deadLetterHeaders.reason]).toMatch(b.reason!);
    expect(letter!.headers[deadLetterHeaders.topic]).toBe(topic);
    expect(letter!.headers[deadLetterHeaders.partition]).toBe('0');
    expect(letter!.key, `key of the dead letter for offset ${b.offset}`).toBe(`k${b.offset}`);
    if (b.headers === undefined) {
      expect(letter!.headers.origin).toBe(`test-${b.offset}`);
      continue;
    }
    for (const [name, value] of Object.entries(b.headers)) {
      const got = letter!.allHeaders[name];
      // kafkajs reads a header named __proto__ as [Object.prototype, value]: values proper only
      const text = (v: typeof got) =>
        (Array.isArray(v) ? v : [v])
          .filter((x: unknown) => typeof x === 'string' || x instanceof Uint8Array)
          .map(String);
      expect(Object.hasOwn(letter!.allHeaders, name), `header ${name}`).toBe(true);
      expect(text(got), `header ${name}`).toEqual(text(value));
    }
  }
}

describe.each(registryKinds)('Avro through a schema registry (%s) on a real broker', (kind) => {
  const registry = useRegistry(kind);

  const events = makeEvents(300, 7);

  it('good and evolved events learned, bad bytes dead-lettered with reasons', async () => {
    // the real registry is shared by the whole run: a subject of this test's own
    const subject = `${randomName('ev')}-value`;
    const { v1, v2 } = await registerEventVersions(registry().url, subject);
    expect(v2.schemaId).not.toBe(v1.schemaId);
    const good = v1.encode(events[0]);
    const sent: Sent[] = [];
    events.forEach((e, i) => {
      sent.push({
        value: (i % 2 === 0 ? v1 : v2).encode(i % 2 === 0 ? e : { ...e, channel: 'app' }),
        reason: null,
      });
      if (i === 10)
        sent.push({
          value: Buffer.concat([
            good.subarray(0, 5),
            Buffer.from([0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff]),
          ]),
          reason: /not a valid Avro body for schema id/,
        });
      if (i === 20) sent.push({ value: Buffer.from(JSON.stringify(e)), reason: /wrong magic byte 0x7b/ });
      if (i === 30)
        sent.push({ value: frame(987_654_321, good.subarray(5)), reason: /unknown schema id 987654321/ });
      if (i === 40) sent.push({ value: good.subarray(0, 3), reason: /shorter than the 5-byte header/ });
    });
    // The decoder itself (an EventDecoder, as `l1stream run` passes it): v1 records take the
    // hand-written reader, v2 records the general path (schema resolution).
    const decoder = new AvroDecoder({ registry: new SchemaRegistryClient({ url: registry().url }) });
    const { model, deadLetters, dlq, topic } = await runThrough(sent, decoder, (r) => decoder.prepare(r));
    expect(model.offset).toBe(events.length);
    expect(deadLetters.count).toBe(4);
    expect(deadLetters.byStage.get('decode')).toBe(4);
    checkDeadLetters(sent, dlq, topic);
  });
});

describe('dead letters and registry-less Avro on a real broker', () => {
  const events = makeEvents(300, 7);

  it('Avro with the schema from a file (no registry)', async () => {
    const schema = shippedSchema('event');
    const encoder = await AvroEncoder.create({ schema, schemaId: 3 });
    const sent: Sent[] = events.map((e) => ({ value: encoder.encode(e), reason: null }));
    sent.splice(5, 0, {
      value: frame(4, encoder.encode(events[0]).subarray(5)),
      reason: /unknown schema id 4/,
    });
    const options: AvroDecoderOptions = { writerSchemas: new Map([[3, schema]]) };
    const decoder = new AvroDecoder(options);
    const { model, dlq, topic } = await runThrough(sent, decoder.decode);
    expect(model.offset).toBe(events.length);
    checkDeadLetters(sent, dlq, topic);
  });

  it('Avro through the hand-written reader: non-finite numbers and bad bodies dead-lettered, never learned', async () => {
    const schema = shippedSchema('event');
    const encoder = await AvroEncoder.create({ schema, schemaId: 3 });
    const sent: Sent[] = events.map((e) => ({ value: encoder.encode(e), reason: null }));
    const bad: Sent[] = [
      {
        value: encoder.encode({ label: 1, features: { x: NaN } }),
        reason: /feature "x" is not a finite number/,
      },
      {
        value: encoder.encode({ label: Infinity, features: { x: 1 } }),
        reason: /"label" is not a finite number/,
      },
      { value: encoder.encode({ weight: -2, label: 1, features: {} }), reason: /"weight" must be a finite/ },
      { value: encoder.encode(events[1]).subarray(0, 20), reason: /not a valid Avro body for schema id 3/ },
    ];
    bad.forEach((b, i) => sent.splice(10 + 40 * i, 0, b));
    const decoder = new AvroDecoder({ writerSchemas: new Map([[3, schema]]) });
    const { model, deadLetters, dlq, topic } = await runThrough(sent, decoder);
    expect(model.offset).toBe(events.length);
    expect(deadLetters.byStage.get('validate')).toBe(3);
    expect(deadLetters.byStage.get('decode')).toBe(1);
    for (const c of Object.values(model.snapshot().coefficients)) expect(Number.isFinite(c)).toBe(true);
    checkDeadLetters(sent, dlq, topic);
  });

  it('Avro: an event the featurizer refuses (numeric overflow) is dead-lettered with its own Avro bytes', async () => {
    const schema = shippedSchema('event');
    const encoder = await AvroEncoder.create({ schema, schemaId: 3 });
    const sent: Sent[] = events.map((e) => ({ value: encoder.encode(e), reason: null }));
    sent.splice(20, 0, {
      value: encoder.encode({ label: 1e200, features: { x: 1 } }),
      reason: /numeric overflow: label 1e200/,
    });
    const decoder = new AvroDecoder({ writerSchemas: new Map([[3, schema]]) });
    const { model, deadLetters, dlq, topic } = await runThrough(sent, decoder);
    expect(model.offset).toBe(events.length);
    expect(deadLetters.byStage.get('featurize')).toBe(1);
    // the record as it was on the topic (magic byte 0, schema id 3), not the event as JSON text
    expect(dlq[0]!.value![0]).toBe(0);
    checkDeadLetters(sent, dlq, topic);
  });

  it('JSON: an event without features, a bad label and non-JSON text are dead-lettered, the rest learned', async () => {
    const sent: Sent[] = events.map((e) => ({ value: Buffer.from(JSON.stringify(e)), reason: null }));
    sent.splice(3, 0, { value: Buffer.from(JSON.stringify({ label: 1 })), reason: /"features" is missing/ });
    sent.splice(50, 0, { value: Buffer.from('{"label": 1, "features": '), reason: /cannot decode/ });
    sent.splice(100, 0, {
      value: Buffer.from(JSON.stringify({ label: 'x', features: { a: 1 } })),
      reason: /"label" must be a number/,
    });
    // a repeated header name (kafkajs reads it as an array) and one named __proto__ (names are data)
    const headers = Object.create(null) as IHeaders;
    headers.origin = ['first', 'second'];
    headers['__proto__'] = 'a name like any other';
    sent.splice(150, 0, { value: Buffer.from('not json'), reason: /cannot decode/, headers });
    const { model, deadLetters, dlq, topic } = await runThrough(
      sent,
      (v) => JSON.parse(Buffer.from(v as Uint8Array).toString('utf8')) as unknown,
    );
    expect(model.offset).toBe(events.length);
    expect(deadLetters.byStage.get('validate')).toBe(2);
    expect(deadLetters.byStage.get('decode')).toBe(2);
    checkDeadLetters(sent, dlq, topic);
  });

  it('JSON: a record over limits.maxRecordBytes is dead-lettered as its first 512 KiB with its length, as any cut letter', async () => {
    const big = JSON.stringify({ label: 1, features: { a: 'q'.repeat(700_000 - 31) } });
    expect(big.length).toBe(700_000);
    const sent: Sent[] = events
      .slice(0, 30)
      .map((e) => ({ value: Buffer.from(JSON.stringify(e)), reason: null }));
    sent.splice(10, 0, { value: Buffer.from(big), reason: /over the limit of 600000 bytes/, headers: {} });
    const { model, dlq } = await runThrough(
      sent,
      (v) => JSON.parse(Buffer.from(v as Uint8Array).toString('utf8')) as unknown,
      undefined,
      600_000,
    );
    expect(model.offset).toBe(30);
    expect(dlq).toHaveLength(1);
    const letter = dlq[0]!;
    expect(letter.headers[deadLetterHeaders.offset]).toBe('10');
    expect(letter.headers[deadLetterHeaders.reason]).toBe(
      'record is 700000 bytes, over the limit of 600000 bytes: raise limits.maxRecordBytes in the configuration (replay, fit, path, score: --max-record-bytes)',
    );
    expect(letter.value!.equals(Buffer.from(big).subarray(0, DEAD_LETTER_LIMITS.valueBytes))).toBe(true);
    expect(letter.headers[cutDeadLetterHeaders.valueBytes]).toBe('700000');
  });

  it('JSON: a bad record of almost 1 MB (what a topic of default size takes) is dead-lettered cut to fit, and the run goes on', async () => {
    // 1,048,400 bytes: a record batch of it fits the broker's default 1,048,588, its dead letter's
    // headers would not
    const big = JSON.stringify({ label: 'yes', features: { a: 'q'.repeat(1_048_400 - 35) } });
    expect(big.length).toBe(1_048_400);
    const sent: Sent[] = events
      .slice(0, 50)
      .map((e) => ({ value: Buffer.from(JSON.stringify(e)), reason: null }));
    sent.splice(20, 0, { value: Buffer.from(big), reason: /"label" must be a number/, headers: {} });
    const { model, dlq } = await runThrough(
      sent,
      (v) => JSON.parse(Buffer.from(v as Uint8Array).toString('utf8')) as unknown,
    );
    expect(model.offset).toBe(50);
    expect(dlq).toHaveLength(1);
    const letter = dlq[0]!;
    expect(letter.headers[deadLetterHeaders.offset]).toBe('20');
    expect(letter.headers[deadLetterHeaders.reason]).toMatch(/"label" must be a number/);
    expect(letter.value!.equals(Buffer.from(big).subarray(0, DEAD_LETTER_LIMITS.valueBytes))).toBe(true);
    expect(letter.headers[cutDeadLetterHeaders.valueBytes]).toBe(String(big.length));
  });
});

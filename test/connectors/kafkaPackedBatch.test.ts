/**
 * The batches the Kafka worker engine gets (`unpackBatch`): its records are views on the batch's
 * buffer only when asked, and the engine's events are read in place from that buffer. Decoding
 * them must give what decoding each record's own value gives: the same events, the same dead
 * letters (the general path's reasons), the same positions and headers.
 */
import avro from 'avsc';
import { describe, expect, it } from 'vitest';

import { AvroDecoder, frame, outputTopics, shippedSchema } from '../../connectors/kafka/index.js';
import { packBatch, unpackBatch } from '../../connectors/kafka/packedBatch.js';
import type { KafkaBatch, KafkaSource } from '../../connectors/kafka/source.js';
import { KafkaWorkerEngine } from '../../connectors/kafka/workerEngine.js';
import { JsonEventReader, validateEvent, type DeadLetter, type RawBatch } from '../../src/index.js';
import { SparseBuffer } from '../../src/core/sparse.js';
import { Featurizer } from '../../src/features/featurizer.js';
import { decodeBatch } from '../helpers/decode.js';

const schema = shippedSchema('event');
const type = avro.Type.forSchema(schema);

/**
 * A batch as kafkajs gives it: each value a view on one fetch buffer, with `gap` bytes of framing
 * (0xee) before each; `headers` by index (kafkajs gives every message a headers object).
 */
function fetched(
  values: Array<Buffer | null>,
  gap: number,
  headers = new Map<number, Record<string, Buffer>>(),
) {
  const parts: Buffer[] = [];
  for (const v of values) parts.push(Buffer.alloc(gap, 0xee), v ?? Buffer.alloc(0));
  const fetch = Buffer.concat(parts);
  let at = 0;
  const messages = values.map((v, i) => {
    at += gap;
    const value = v === null ? null : fetch.subarray(at, at + v.length);
    at += v?.length ?? 0;
    return {
      key: null,
      value,
      offset: String(5000 + i),
      timestamp: '0',
      attributes: 0,
      headers: headers.get(i) ?? {},
    };
  });
  const batch = {
    topic: 'in',
    partition: 3,
    lastOffset: String(5000 + values.length - 1),
    messages,
  } as unknown as KafkaBatch;
  return { batch, fetch };
}

const decode = (batch: RawBatch, decoder: AvroDecoder) =>
  decodeBatch(batch, { decoder, engineEvents: true, partSize: 16 });

describe('unpackBatch: a worker batch read in place', () => {
  it('gives the events, dead letters, positions and headers of its records read one by one', async () => {
    const values: Buffer[] = [];
    for (let i = 0; i < 100; i++) {
      const features =
        i % 7 === 0 ? { x: 1, s: `v${i % 3}`, t: ['a', 'b'] } : { x: i / 10, s: 'w', on: i % 2 === 0 };
      values.push(
        frame(
          1,
          type.toBuffer({ key: `k${i % 4}`, ts: 1000 + i, label: i % 11 === 3 ? 2 : i % 2, features }),
        ),
      );
    }
    values[40] = Buffer.from([0, 0, 0, 0, 1, 9]); // truncated body
    values[41] = Buffer.from('{"features":{}}'); // not in the wire format
    const { batch } = fetched(values, 3, new Map([[7, { h: Buffer.from('hi') }]]));
    const message = packBatch(batch);
    // the values' span copied at once, the framing between them included
    expect(message.starts[1] - message.ends[0]).toBe(3);
    // as the worker gets it: the buffer shared, the rest (headers included) cloned
    const cloned = { ...structuredClone({ ...message, bytes: null }), bytes: message.bytes };
    expect(message.bytes).toBeInstanceOf(SharedArrayBuffer);
    const decoder = new AvroDecoder({ writerSchemas: new Map([[1, schema]]) });
    const packed = unpackBatch(cloned, { decoder, family: 'binomial' });
    expect(packed.decoded?.viaDecoder).toBe(true);
    packed.records.forEach((r, i) => {
      expect(r.bytes).toBe(values[i].length);
      expect(r.position).toEqual({ source: 'in', partition: 3, offset: String(5000 + i) });
    });
    expect(Buffer.isBuffer(packed.records[7].headers?.h)).toBe(true);
    expect(packed.records[5].value).toEqual(values[5]);

    const oneByOne: RawBatch = {
      records: values.map((value, i) => ({ value, key: null, position: packed.records[i].position })),
    };
    const inPlace = await decode(packed, decoder);
    const views = await decode(oneByOne, new AvroDecoder({ writerSchemas: new Map([[1, schema]]) }));
    expect(inPlace.letters.map(({ reason, stage, position }) => ({ reason, stage, position }))).toEqual(
      views.letters.map(({ reason, stage, position }) => ({ reason, stage, position })),
    );
    expect(inPlace.letters.map((l) => l.position.offset)).toEqual(
      expect.arrayContaining(['5003', '5040', '5041']),
    );
    expect(inPlace.events.map((e) => JSON.stringify(e))).toEqual(views.events.map((e) => JSON.stringify(e)));
    expect(inPlace.events.length).toBeGreaterThan(80);
  });

  it('packs values that are not one span (far apart, on other memory, missing) one by one', () => {
    const values = [Buffer.from('ab'), null, Buffer.from('cde'), Buffer.from('')];
    const spread = fetched(values, 64).batch; // gaps larger than the values
    const own = fetched(values, 0).batch;
    (own.messages as unknown as Array<{ value: Buffer | null }>)[2].value = Buffer.from('cde'); // its own memory
    for (const batch of [spread, own]) {
      const message = packBatch(batch);
      expect(message.bytes.byteLength).toBe(5);
      expect([...message.starts]).toEqual([0, 2, 2, 5]);
      expect([...message.ends]).toEqual([2, 2, 5, 5]);
      expect(message.offsets).toBeNull(); // consecutive: the first is enough
      expect(message.firstOffset).toBe(5000);
      const records = unpackBatch(message, null).records;
      expect(records.map((r) => r.position.offset)).toEqual(['5000', '5001', '5002', '5003']);
      expect(records.map((r) => Buffer.from(r.value as Uint8Array).toString())).toEqual([
        'ab',
        '',
        'cde',
        '',
      ]);
    }
  });

  it('sends each offset when they are not consecutive (compaction, transaction markers)', () => {
    const { batch } = fetched([Buffer.from('ab'), Buffer.from('c'), Buffer.from('de')], 1);
    const messages = batch.messages as unknown as Array<{ offset: string }>;
    messages[1].offset = '5007';
    messages[2].offset = '9007199254740000';
    const message = packBatch(batch);
    expect([...message.offsets!]).toEqual([5000, 5007, 9007199254740000]);
    expect(unpackBatch(message, null).records.map((r) => r.position.offset)).toEqual([
      '5000',
      '5007',
      '9007199254740000',
    ]);
  });

  it('copies a span at its alignment modulo 8 (V8 copies into shared memory word by word only then)', () => {
    for (const gap of [1, 2, 3, 4]) {
      const values = [Buffer.from('abcdefghij'), Buffer.from('klmnopq')];
      const { batch } = fetched(values, gap);
      const first = batch.messages[0].value!;
      const message = packBatch(batch);
      expect(message.starts[0] % 8).toBe(first.byteOffset % 8);
      expect(message.ends[1] - message.starts[0]).toBe(10 + gap + 7);
      expect(
        unpackBatch(message, null).records.map((r) => Buffer.from(r.value as Uint8Array).toString()),
      ).toEqual(['abcdefghij', 'klmnopq']);
    }
  });

  it('KafkaWorkerEngine posts a batch without transferring (detaching) any buffer', () => {
    const values = [Buffer.from('ab'), Buffer.from('cde')];
    const { batch } = fetched(values, 2);
    const records = batch.messages.map((m) => ({
      value: m.value!,
      position: { source: 'in', partition: 3, offset: m.offset },
    }));
    const posted: unknown[][] = [];
    const worker = { postMessage: (...args: unknown[]) => posted.push(args) };
    const engine = new KafkaWorkerEngine({} as KafkaSource, {
      config: {},
      brokers: [],
      clientId: 'test',
      topics: outputTopics('t'),
      writerSchemas: null,
    });
    (engine as unknown as { post(w: unknown, b: KafkaBatch): void }).post(worker, { ...batch, records });
    expect(posted).toHaveLength(1);
    const [message, transfer] = posted[0] as [{ bytes: unknown }, unknown];
    // a transfer list would detach its buffers on this thread (V8 then checks every typed array access)
    expect(transfer).toBeUndefined();
    expect(message.bytes).toBeInstanceOf(SharedArrayBuffer);
  });

  it("keeps each record's key (a dead letter on the worker keeps it), none where a record has none", () => {
    const { batch } = fetched([Buffer.from('a'), Buffer.from('b'), Buffer.from('c')], 2);
    const keyed = batch.messages as unknown as Array<{ key: Buffer | null }>;
    keyed[0].key = Buffer.from('camp000');
    keyed[2].key = Buffer.from('c7');
    const message = packBatch(batch);
    expect(message.keys?.bytes).toBeInstanceOf(SharedArrayBuffer);
    const records = unpackBatch(message, null).records;
    expect(records.map((r) => (r.key == null ? null : Buffer.from(r.key).toString()))).toEqual([
      'camp000',
      null,
      'c7',
    ]);
    expect(packBatch(fetched([Buffer.from('a')], 0).batch).keys).toBeNull();
  });

  it("JSON records read in place by the engine's JsonEventReader: the events and dead letters of their records read one by one", async () => {
    const values: Buffer[] = [];
    for (let i = 0; i < 200; i++) {
      const features =
        i % 7 === 0
          ? { x: 1, s: `v${i % 3}`, t: ['a', 'b'] }
          : { x: i / 10 - 0.123456789, s: 'w', on: i % 2 === 0 };
      values.push(Buffer.from(JSON.stringify({ key: `k${i % 4}`, ts: 1000 + i, label: i % 2, features })));
    }
    // damaged as the offline bench damages them: cut short, a wrong label, not an event
    values[40] = values[40].subarray(0, values[40].length >> 1);
    values[41] = Buffer.from(values[41].toString().replace(/"label":\d/, '"label":7'));
    values[42] = Buffer.from('[1,2,3]');
    values[43] = Buffer.from('{"features":{"a":');
    const nonAscii = [...values];
    nonAscii[99] = Buffer.from('{"label":1,"features":{"s":"é"}}');
    for (const list of [values, nonAscii]) {
      const message = packBatch(fetched(list, 3).batch);
      const cloned = { ...structuredClone({ ...message, bytes: null }), bytes: message.bytes };
      const reader = new JsonEventReader();
      const packed = unpackBatch(cloned, { decoder: reader, family: 'binomial' });
      expect(packed.decoded?.viaDecoder).toBe(true);
      const oneByOne: RawBatch = {
        records: list.map((value, i) => ({ value, key: null, position: packed.records[i].position })),
      };
      const inPlace = await decodeBatch(packed, { decoder: reader, engineEvents: true, partSize: 16 });
      const alone = await decodeBatch(oneByOne, { engineEvents: true, partSize: 16 });
      const letters = (l: DeadLetter[]) =>
        l.map(({ reason, stage, position, value }) => ({
          reason,
          stage,
          position,
          value: Buffer.from(value),
        }));
      expect(letters(inPlace.letters)).toEqual(letters(alone.letters));
      expect(inPlace.letters.map((l) => l.position.offset)).toEqual(['5040', '5041', '5042', '5043']);
      expect(inPlace.events.map((e) => JSON.stringify(e))).toEqual(
        alone.events.map((e) => JSON.stringify(e)),
      );
      expect(inPlace.events).toHaveLength(196);
    }
  });

  it('JSON records of one shape across batches (the reader reuses the last record’s names): the events of JSON.parse + validateEvent', async () => {
    const names = ['alpha', 'beta', 'gamma', 'delta'];
    const record = (list: readonly string[], i: number) =>
      Buffer.from(
        `{"key":"k${i}","label":${i % 2},"features":{${list.map((n, k) => `"${n}":${k === 1 ? `"v${i % 3}"` : i + k / 7}`).join(',')}}}`,
      );
    // one name changed in its last byte, one longer, two swapped, one repeated, a __proto__, a non-ASCII one
    const variants = [
      ['alpha', 'betb', 'gamma', 'delta'],
      ['alpha', 'beta', 'gammaa', 'delta'],
      ['alpha', 'gamma', 'beta', 'delta'],
      ['alpha', 'beta', 'alpha', 'delta'],
      ['alpha', '__proto__', 'gamma', 'delta'],
      ['alpha', 'beta', 'gammé', 'delta'],
    ];
    const lists = [0, 1].map((b) =>
      Array.from({ length: 60 }, (_, i) =>
        record(i % 10 === 9 ? variants[((i / 10 + 3 * b) % 6) | 0] : names, i),
      ),
    );
    const reader = new JsonEventReader();
    const [f, g] = [new Featurizer(), new Featurizer()];
    const [x, y] = [new SparseBuffer(), new SparseBuffer()];
    for (const list of lists) {
      const packed = unpackBatch(
        { ...packBatch(fetched(list, 2).batch) },
        { decoder: reader, family: 'binomial' },
      );
      const { events, letters } = await decodeBatch(packed, {
        decoder: reader,
        engineEvents: true,
        partSize: 16,
      });
      expect(letters).toEqual([]);
      const expected = list.map((v) => validateEvent(JSON.parse(v.toString('utf8')), 'binomial'));
      expect(events.map((e) => JSON.stringify(e))).toEqual(
        expected.map((v) => (v.ok ? JSON.stringify(v.event) : v.reason)),
      );
      // and the same columns and values (a name repeated within a record counts once)
      events.forEach((e, i) => {
        const plain = expected[i];
        if (!plain.ok) return;
        expect(f.featurize(e, x)).toBe(g.featurize(plain.event, y));
        expect(Array.from(x.indices.subarray(0, x.nnz))).toEqual(Array.from(y.indices.subarray(0, y.nnz)));
        expect(Array.from(x.values.subarray(0, x.nnz))).toEqual(Array.from(y.values.subarray(0, y.nnz)));
      });
    }
  });

  it('JSON records (no Avro decoder): records only, decoded by the pipeline', () => {
    const bytes = new SharedArrayBuffer(40);
    Buffer.from(bytes).write('{"features":{"a":1}}{"features":{"a":2}}');
    const packed = unpackBatch(
      {
        t: 'batch',
        topic: 'in',
        partition: 0,
        bytes,
        starts: Int32Array.of(0, 20),
        ends: Int32Array.of(20, 40),
        offsets: null,
        firstOffset: 0,
        headers: [],
        keys: null,
      },
      null,
    );
    expect(packed.decoded).toBeUndefined();
    expect(packed.records.map((r) => Buffer.from(r.value as Uint8Array).toString())).toEqual([
      '{"features":{"a":1}}',
      '{"features":{"a":2}}',
    ]);
  });
});

/**
 * The hand-written Avro reader packs each event's values (`PackedValues`: no list, no boxed
 * number per event), and gives the engine events without an own `features` (`engineEvents`).
 * Both must be invisible: the same values, vectors, JSON and engine outputs as before.
 */
import avro from 'avsc';
import { describe, expect, it } from 'vitest';

import { AvroDecoder, frame, shippedSchema } from '../../connectors/kafka/index.js';
import {
  Featurizer,
  ListedEvent,
  SparseBuffer,
  validateEvent,
  type FeatureValue,
  type L1Event,
  type RawBatch,
} from '../../src/index.js';
import { decodeBatch } from '../helpers/decode.js';
import { Rng } from '../helpers/random.js';

const schema = shippedSchema('event');
const type = avro.Type.forSchema(schema);
const decoder = () => new AvroDecoder({ writerSchemas: new Map([[1, schema]]) });

/** Events of every value type, the layout changing now and then, some wide, some invalid. */
function events(n: number, seed: number): Array<Record<string, unknown>> {
  const rng = new Rng(seed);
  const out: Array<Record<string, unknown>> = [];
  let names = ['a', 'b', 'c', 'd'];
  for (let i = 0; i < n; i++) {
    if (rng.next() < 0.02) {
      const width = rng.next() < 0.1 ? 200 + rng.int(300) : 1 + rng.int(12);
      names = Array.from({ length: width }, (_, k) => `f${k}_${rng.int(3)}`);
      names = [...new Set(names)];
    }
    const features: Record<string, FeatureValue> = {};
    for (const name of names) {
      const r = rng.next();
      if (r < 0.4) features[name] = rng.next() < 0.1 ? 0 : rng.next() * 4 - 2;
      else if (r < 0.6) features[name] = rng.next() < 0.1 ? 'NA' : `v${rng.int(20)}`;
      else if (r < 0.7) features[name] = rng.next() < 0.5;
      else
        features[name] = Array.from({ length: rng.int(4) }, () => (rng.next() < 0.1 ? '' : `t${rng.int(6)}`));
    }
    if (rng.next() < 0.01) features[names[0]] = NaN;
    out.push({
      key: rng.next() < 0.2 ? null : `k${rng.int(5)}`,
      ts: 1_700_000_000_000 + i,
      label: rng.next() < 0.1 ? null : rng.int(2),
      weight: null,
      features,
    });
  }
  return out;
}

describe('AvroEventReader: packed values', () => {
  it('packs the values of its events, which unpack to what avsc reads, across chunks', () => {
    const d = decoder();
    let packed = 0;
    const chunks = new Set<unknown>();
    for (const e of events(3000, 7)) {
      const bytes = frame(1, type.toBuffer(e));
      const got = d.decodeEvent(bytes, 'binomial');
      const want = validateEvent(d.decode(bytes), 'binomial');
      expect(JSON.stringify(got)).toBe(JSON.stringify(want));
      if (!got.ok || !want.ok || !(got.event instanceof ListedEvent)) continue;
      expect(got.event.packedValues).not.toBeNull();
      chunks.add(got.event.packedValues);
      packed++;
      expect(got.event.fieldValues).toEqual(Object.values(want.event.features));
    }
    expect(packed).toBeGreaterThan(2500);
    // events of several hundred values: the reader went through several chunks
    expect(chunks.size).toBeGreaterThan(3);
  });

  it('events keep their values once the reader has moved on (chunks are never rewritten)', () => {
    const d = decoder();
    const kept: Array<[L1Event, Record<string, unknown>]> = [];
    for (const e of events(2000, 11)) {
      const got = d.decodeEvent(frame(1, type.toBuffer(e)), 'binomial');
      if (got.ok) kept.push([got.event, e]);
    }
    for (const [event, e] of kept) expect({ ...event.features }).toEqual(e.features);
  });

  it('featurizes packed events into the same vectors as their records', () => {
    const d = decoder();
    const packed = new Featurizer();
    const plain = new Featurizer();
    const x = new SparseBuffer(16);
    const y = new SparseBuffer(16);
    let n = 0;
    for (const e of events(3000, 13)) {
      const bytes = frame(1, type.toBuffer(e));
      const got = d.decodeEvent(bytes, 'binomial');
      if (!got.ok) continue;
      const want = validateEvent(d.decode(bytes), 'binomial');
      if (!want.ok) throw new Error('unexpected');
      expect(packed.featurize(got.event, x)).toBeNull();
      expect(plain.featurize({ ...want.event, features: { ...want.event.features } }, y)).toBeNull();
      expect(Array.from(x.indices.subarray(0, x.nnz))).toEqual(Array.from(y.indices.subarray(0, y.nnz)));
      expect(Array.from(x.values.subarray(0, x.nnz))).toEqual(Array.from(y.values.subarray(0, y.nnz)));
      n++;
    }
    expect(n).toBeGreaterThan(2500);
    expect(packed.dimension).toBe(plain.dimension);
  });
});

describe('decodeEvents with engineEvents', () => {
  const batch = (es: Array<Record<string, unknown>>): RawBatch => ({
    records: es.map((e, i) => ({
      value: i === 5 ? Buffer.from([0, 0, 0, 0, 1, 2, 250]) : frame(1, type.toBuffer(e)),
      position: { source: 't', partition: 0, offset: String(i) },
    })),
  });
  const run = (engineEvents: boolean, es: Array<Record<string, unknown>>) =>
    decodeBatch(batch(es), { decoder: decoder(), engineEvents });

  it('gives events without an own features, which read and serialize as the plain ones', async () => {
    const es = events(500, 17);
    const light = await run(true, es);
    const plain = await run(false, es);
    expect(light.letters).toEqual(plain.letters);
    expect(light.letters.length).toBeGreaterThan(0);
    expect(light.events.length).toBe(plain.events.length);
    let listed = 0;
    light.events.forEach((event, i) => {
      expect(JSON.stringify(event)).toBe(JSON.stringify(plain.events[i]));
      expect(event.features).toEqual(plain.events[i].features);
      if (event instanceof ListedEvent) {
        listed++;
        expect(Object.hasOwn(event, 'features')).toBe(false);
        expect(Object.hasOwn(plain.events[i], 'features')).toBe(true);
      }
    });
    expect(listed).toBeGreaterThan(400);
  });
});

describe('decodeEvents with events a source reads in place (DecodedRecords.viaDecoder)', () => {
  it('gives the events and dead letters of the records as views, in one buffer with bytes between them', async () => {
    const es = events(400, 23);
    const values = es.map((e) => frame(1, type.toBuffer(e)));
    values[5] = Buffer.from([0, 0, 0, 0, 1, 2, 250]); // not Avro
    const whole = values[9];
    values[9] = whole.subarray(0, whole.length - 1); // truncated: its last byte follows it, as junk
    const parts: Buffer[] = [];
    const starts: number[] = [];
    const ends: number[] = [];
    let at = 0;
    values.forEach((v, i) => {
      const junk = i === 9 ? whole.subarray(whole.length - 1) : Buffer.alloc(i % 3, 7);
      starts.push(at);
      ends.push((at += v.length));
      parts.push(v, junk);
      at += junk.length;
    });
    const buf = Buffer.concat(parts);
    const position = (i: number) => ({ source: 't', partition: 0, offset: String(i) });
    const run = (batch: RawBatch) =>
      decodeBatch(batch, { decoder: decoder(), engineEvents: true, partSize: 64 });
    const records = values.map((v, i) => ({
      value: buf.subarray(starts[i], ends[i]),
      position: position(i),
    }));
    const d = decoder();
    let read = 0;
    const inPlace = await run({
      records,
      decoded: {
        family: 'binomial',
        viaDecoder: true,
        event: (i) => {
          const event = d.readEventAt(buf, starts[i], ends[i], 'binomial');
          if (event !== null) read++;
          return event;
        },
      },
    });
    const views = await run({ records: values.map((v, i) => ({ value: v, position: position(i) })) });
    expect(inPlace.letters).toEqual(views.letters);
    expect(inPlace.letters.map((l) => l.position.offset)).toEqual(expect.arrayContaining(['5', '9']));
    expect(inPlace.letters.find((l) => l.position.offset === '9')?.reason).toMatch(/truncated buffer/);
    expect(inPlace.events.length).toBe(views.events.length);
    expect(read).toBe(inPlace.events.length); // all read in place, none by the fallback
    inPlace.events.forEach((event, i) => expect(JSON.stringify(event)).toBe(JSON.stringify(views.events[i])));
  });
});

/**
 * `AvroDecoder.decodeEvent` (the hand-written reader for the shipped event schema, validating as
 * it reads) against the general path it replaces: avsc's `fromBuffer` followed by
 * `validateEvent`. Same events, same rejection reasons, same decode errors.
 */
import avro from 'avsc';
import { describe, expect, it } from 'vitest';

import { AvroDecoder, frame, shippedSchema } from '../../connectors/kafka/index.js';
import {
  InputError,
  ListedEvent,
  validateEvent,
  type Family,
  type FeatureValue,
  type Validated,
} from '../../src/index.js';
import { OnlineModel } from '../../src/model/onlineModel.js';
import { Rng } from '../helpers/random.js';

const schema = shippedSchema('event');
const type = avro.Type.forSchema(schema);
const decoder = () => new AvroDecoder({ writerSchemas: new Map([[1, schema]]) });

type Outcome = { validated: Validated } | { error: string };

function fast(d: AvroDecoder, bytes: Uint8Array, family: Family): Outcome {
  try {
    return { validated: d.decodeEvent(bytes, family) };
  } catch (err) {
    expect(err).toBeInstanceOf(InputError);
    return { error: (err as Error).message };
  }
}

/** What `decodeEvents` did before: avsc (`decode`), then `validateEvent`. */
function general(d: AvroDecoder, bytes: Uint8Array, family: Family): Outcome {
  try {
    return { validated: validateEvent(d.decode(bytes), family) };
  } catch (err) {
    return { error: (err as Error).message };
  }
}

/** Avro binary by hand, for what avsc will not write (duplicate keys, negative block counts). */
class Writer {
  private readonly bytes: number[] = [];
  long(n: number): this {
    let z = n >= 0 ? n * 2 : -n * 2 - 1;
    while (z >= 0x80) {
      this.bytes.push((z % 0x80) | 0x80);
      z = Math.floor(z / 0x80);
    }
    this.bytes.push(z);
    return this;
  }
  string(s: string): this {
    const b = Buffer.from(s, 'utf8');
    this.long(b.length);
    this.bytes.push(...b);
    return this;
  }
  double(x: number): this {
    const b = Buffer.alloc(8);
    b.writeDoubleLE(x);
    this.bytes.push(...b);
    return this;
  }
  raw(...bytes: number[]): this {
    this.bytes.push(...bytes);
    return this;
  }
  /** key, ts, label, weight all null. */
  nullHeader(): this {
    return this.long(0).long(0).long(0).long(0);
  }
  framed(): Buffer {
    return frame(1, Buffer.from(this.bytes));
  }
}

/** A number, a string or a boolean from `names`, or an array of up to 3 of them. */
function randomValue(rng: Rng, names: readonly string[]): unknown {
  const r = rng.next();
  return r < 0.4
    ? Math.round(rng.normal() * 1000) / 100
    : r < 0.6
      ? names[rng.int(names.length)]
      : r < 0.75
        ? rng.next() < 0.5
        : Array.from({ length: rng.int(4) }, () => names[rng.int(names.length)]);
}

function randomEvent(rng: Rng, names: readonly string[]): Record<string, unknown> {
  const features: Record<string, unknown> = {};
  const k = rng.int(8);
  for (let i = 0; i < k; i++) {
    features[names[rng.int(names.length)]] = randomValue(rng, names);
  }
  const maybe = <T>(v: T): T | null => (rng.next() < 0.3 ? null : v);
  return {
    key: maybe(`k${rng.int(50)}`),
    ts: maybe(1_700_000_000_000 + rng.int(1e9)),
    label: maybe(rng.next() < 0.8 ? rng.int(2) : rng.normal()),
    weight: maybe(rng.next() < 0.9 ? rng.next() * 3 : -1),
    features,
  };
}

describe('AvroDecoder.decodeEvent (fast reader) against avsc + validateEvent', () => {
  it('agrees on random events: values, nulls, unicode and long names, many distinct strings', () => {
    const rng = new Rng(20260601);
    const long = 'a-feature-name-longer-than-the-32-byte-string-cache';
    const names = [
      'x',
      'y',
      'zé',
      'ü=ö',
      '日本',
      long,
      '',
      'site',
      'tags',
      ...Array.from({ length: 300 }, (_, i) => `n${i}`),
    ];
    const d = decoder();
    for (let i = 0; i < 3000; i++) {
      const bytes = frame(1, type.toBuffer(randomEvent(rng, names)));
      for (const family of ['gaussian', 'binomial'] as const) {
        expect(fast(d, bytes, family)).toEqual(general(d, bytes, family));
      }
    }
  });

  it('builds the event validateEvent builds', () => {
    const bytes = frame(
      1,
      type.toBuffer({
        key: 'u1',
        ts: 1700000000000,
        label: 1,
        weight: 2,
        features: { age: 34, country: 'DE', premium: true, tags: ['a', 'b'], none: [] },
      }),
    );
    expect(decoder().decodeEvent(bytes, 'binomial')).toEqual({
      ok: true,
      event: {
        key: 'u1',
        ts: 1700000000000,
        label: 1,
        weight: 2,
        features: { age: 34, country: 'DE', premium: true, tags: ['a', 'b'], none: [] },
      },
    });
  });

  it('rejects non-finite numbers, bad labels and weights with validateEvent reasons', () => {
    const d = decoder();
    const cases: Array<[Record<string, unknown>, Family, RegExp]> = [
      [{ features: { x: NaN } }, 'gaussian', /feature "x" is not a finite number \(NaN\)/],
      [{ features: { a: 1, x: Infinity } }, 'gaussian', /feature "x" is not a finite number \(Infinity\)/],
      [{ features: { x: -Infinity } }, 'binomial', /feature "x" is not a finite number/],
      [{ label: NaN, features: {} }, 'gaussian', /"label" is not a finite number \(NaN\)/],
      [{ label: Infinity, features: {} }, 'binomial', /"label" is not a finite number/],
      [{ label: 0.5, features: {} }, 'binomial', /"label" must be 0 or 1/],
      [{ weight: -1, features: {} }, 'gaussian', /"weight" must be a finite number >= 0/],
      [{ weight: NaN, features: {} }, 'gaussian', /"weight" must be a finite number >= 0/],
      [{ weight: Infinity, features: {} }, 'gaussian', /"weight" must be a finite number >= 0/],
    ];
    for (const [event, family, reason] of cases) {
      const bytes = frame(1, type.toBuffer(event));
      const got = d.decodeEvent(bytes, family);
      expect(got).toEqual({ ok: false, reason: expect.stringMatching(reason) });
      expect({ validated: got }).toEqual(general(d, bytes, family));
    }
    // Finite values that look odd are fine.
    const ok = frame(1, type.toBuffer({ label: -3.5, weight: -0, features: { x: -0, y: 1e308 } }));
    expect(d.decodeEvent(ok, 'gaussian')).toMatchObject({
      ok: true,
      event: { label: -3.5, features: { y: 1e308 } },
    });
  });

  it('matches avsc on a duplicate map key (the last value wins), also when the first was NaN', () => {
    const d = decoder();
    const dup = (first: number) =>
      new Writer()
        .nullHeader()
        .long(2)
        .string('x')
        .long(0)
        .double(first)
        .string('x')
        .long(0)
        .double(2)
        .long(0)
        .framed();
    for (const first of [1, NaN]) {
      const bytes = dup(first);
      expect(fast(d, bytes, 'gaussian')).toEqual(general(d, bytes, 'gaussian'));
      expect(d.decodeEvent(bytes, 'gaussian')).toMatchObject({ ok: true, event: { features: { x: 2 } } });
    }
  });

  it('reads blocks with a negative count and a byte size, and arrays in several blocks', () => {
    const d = decoder();
    const bytes = new Writer()
      .nullHeader()
      .long(-1)
      .long(13) // byte size of the block (skipped)
      .string('t')
      .long(3) // union branch: array
      .long(1)
      .string('a')
      .long(-1)
      .long(2)
      .string('b')
      .long(0)
      .long(0)
      .framed();
    expect(fast(d, bytes, 'gaussian')).toEqual(general(d, bytes, 'gaussian'));
    expect(d.decodeEvent(bytes, 'gaussian')).toMatchObject({
      ok: true,
      event: { features: { t: ['a', 'b'] } },
    });
  });

  it('treats a "__proto__" feature as avsc + validateEvent do', () => {
    const d = decoder();
    for (const value of [
      new Writer().long(1).string('x'),
      new Writer().long(3).long(1).string('a').long(0),
    ]) {
      const bytes = new Writer()
        .nullHeader()
        .long(1)
        .string('__proto__')
        .raw(...value.framed().subarray(5))
        .long(0)
        .framed();
      expect(fast(d, bytes, 'gaussian')).toEqual(general(d, bytes, 'gaussian'));
    }
  });

  it('throws the decode errors avsc would: every truncation, trailing bytes, bad union index, unsafe long', () => {
    const d = decoder();
    const good = frame(
      1,
      type.toBuffer({ key: 'k', ts: 5, label: 1, features: { a: 1.5, b: 'x', c: true, d: ['p'] } }),
    );
    for (let end = 5; end < good.length; end++) {
      const truncated = good.subarray(0, end);
      expect(fast(d, truncated, 'gaussian')).toEqual({
        error: expect.stringMatching(/^not a valid Avro body for schema id 1: /),
      });
      expect('error' in general(d, truncated, 'gaussian')).toBe(true);
    }
    const trailing = Buffer.concat([good, Buffer.from([0])]);
    expect(fast(d, trailing, 'gaussian')).toEqual(general(d, trailing, 'gaussian'));
    expect(fast(d, trailing, 'gaussian')).toEqual({
      error: 'not a valid Avro body for schema id 1: trailing data',
    });
    const badUnion = new Writer().long(2).framed(); // key: union index 2 of ["null","string"]
    expect(fast(d, badUnion, 'gaussian')).toEqual({
      error: 'not a valid Avro body for schema id 1: invalid union index: 2',
    });
    expect(general(d, badUnion, 'gaussian')).toEqual({
      error: expect.stringMatching(/invalid union index: 2/),
    });
    const badBranch = new Writer().nullHeader().long(1).string('x').long(4).long(0).framed();
    expect(fast(d, badBranch, 'gaussian')).toEqual(general(d, badBranch, 'gaussian'));
    const unsafe = new Writer()
      .long(0)
      .long(1)
      .long(2 ** 60)
      .long(0)
      .long(0)
      .long(0)
      .framed();
    expect(fast(d, unsafe, 'gaussian')).toEqual(general(d, unsafe, 'gaussian'));
    expect(fast(d, unsafe, 'gaussian')).toEqual({
      error: 'not a valid Avro body for schema id 1: potential precision loss',
    });
    const huge = new Writer().nullHeader().long(1e9).framed(); // a block count the body cannot hold
    expect(fast(d, huge, 'gaussian')).toEqual({
      error: 'not a valid Avro body for schema id 1: truncated buffer',
    });
  });

  it('reads records that repeat a layout name by name like any other: truncations, other values, blocks, non-finite numbers', () => {
    const features = { a: 1.5, b: 'x', c: true, d: ['p', 'q'], e: -2, f: 3 };
    const good = frame(1, type.toBuffer({ key: 'k', ts: 5, label: 1, features }));
    const primed = () => {
      const d = decoder();
      expect(d.decodeEvent(good, 'gaussian').ok).toBe(true); // its names are the layout now
      return d;
    };
    // every truncation and every byte changed, read after the layout and by a fresh reader
    for (let end = 5; end < good.length; end++) {
      const truncated = good.subarray(0, end);
      expect(fast(primed(), truncated, 'gaussian')).toEqual(fast(decoder(), truncated, 'gaussian'));
    }
    for (let at = 5; at < good.length; at++)
      for (const byte of [0, 1, 2, 6, 0x7f, 0x80, 0xff]) {
        const changed = Buffer.from(good);
        changed[at] = byte;
        const d = primed();
        expect(fast(d, changed, 'gaussian')).toEqual(general(d, changed, 'gaussian'));
        expect(fast(d, good, 'gaussian')).toEqual(general(d, good, 'gaussian'));
      }
    // the layout's names with other values, fewer or more of them, in several blocks
    const d = primed();
    const records = [
      { a: 'x', b: 2, c: ['r'], d: false, e: 1, f: 2 },
      { a: 1, b: 'x' },
      { a: 1, b: 'x', c: true, d: ['p'], e: 2, f: 3, g: 4 },
      { a: NaN, b: 'x', c: true, d: [], e: 1, f: 2 },
      { a: 1, b: 'x', c: true, d: ['p'], e: Infinity, f: 2 },
      { a: 1, b: 'x', c: true, d: ['p'], f: 2, e: 1 },
      features,
    ];
    for (const f of records) {
      const bytes = frame(1, type.toBuffer({ label: 0, features: f }));
      expect(fast(d, bytes, 'binomial')).toEqual(general(d, bytes, 'binomial'));
      expect(JSON.stringify(fast(d, bytes, 'binomial'))).toBe(JSON.stringify(general(d, bytes, 'binomial')));
    }
    const entry = (w: Writer, name: string, x: number) => w.string(name).long(0).double(x);
    for (const split of [1, 2, 3]) {
      const w = new Writer().nullHeader().long(split);
      entry(w, 'a', 1);
      if (split > 1) w.string('b').long(1).string('x');
      if (split > 2) w.string('c').long(2).raw(1);
      w.long(-(4 - split)).long(99); // a negative count, then its byte size (not checked)
      if (split < 2) w.string('b').long(1).string('x');
      if (split < 3) w.string('c').long(2).raw(1);
      w.string('d').long(3).long(1).string('p').long(0);
      w.long(2);
      entry(w, 'e', -2);
      entry(w, 'f', 3);
      w.long(0);
      const bytes = w.framed();
      const got = fast(d, bytes, 'gaussian');
      expect(got).toEqual(general(d, bytes, 'gaussian'));
      expect('validated' in got && got.validated.ok && got.validated.event instanceof ListedEvent).toBe(true);
    }
  });

  it('keeps the wire-format errors and unknown ids of decode', () => {
    const d = decoder();
    const body = type.toBuffer({ features: {} });
    expect(() => d.decodeEvent(frame(2, body), 'gaussian')).toThrow(/unknown schema id 2/);
    expect(() => d.decodeEvent(Buffer.from('{"features":{}}'), 'gaussian')).toThrow(/wrong magic byte 0x7b/);
    // a text record on an Avro topic (kafka.format set wrong) says so
    expect(() => d.decodeEvent(Buffer.from('{"features":{}}'), 'gaussian')).toThrow(
      /starts with 0x00, and "\{" starts a text record: if the records are text, set kafka\.format to "json"\)$/,
    );
    expect(() => d.decodeEvent(Buffer.from('xyzzy'), 'gaussian')).toThrow(
      /^wrong magic byte 0x78 \(the schema-registry wire format starts with 0x00\)$/,
    );
    expect(() => d.decodeEvent(Buffer.from([0, 0]), 'gaussian')).toThrow(/shorter than the 5-byte header/);
    expect(() => d.decodeEvent('text', 'gaussian')).toThrow(/a text record/);
  });

  it('reads records of two writer ids in turn each their own way, and a writer replaced under an id the general way', () => {
    const base = schema as avro.schema.RecordType;
    // records of another writer schema (a field before the event's), which the hand-written reader leaves to avsc
    const v2 = { ...base, fields: [{ name: 'channel', type: 'string' }, ...base.fields] };
    const d = new AvroDecoder({
      writerSchemas: new Map<number, avro.Schema>([
        [1, schema],
        [2, v2],
      ]),
    });
    const one = frame(1, type.toBuffer({ label: 1, features: { x: 0.5, s: 'a' } }));
    const two = frame(2, avro.Type.forSchema(v2).toBuffer({ channel: 'app', label: 0, features: { y: 2 } }));
    for (const bytes of [one, one, two, two, one, two, one]) {
      expect(fast(d, bytes, 'binomial')).toEqual(general(d, bytes, 'binomial'));
      expect(fast(d, bytes, 'binomial')).toMatchObject({ validated: { ok: true } });
      expect(d.readEvent(bytes, 'binomial') === null).toBe(bytes === two);
    }
    d.addWriter(1, v2);
    const replaced = frame(
      1,
      avro.Type.forSchema(v2).toBuffer({ channel: 'web', label: 1, features: { z: 3 } }),
    );
    expect(fast(d, replaced, 'binomial')).toEqual(general(d, replaced, 'binomial'));
    expect(fast(d, replaced, 'binomial')).toMatchObject({ validated: { ok: true, event: { label: 1 } } });
    expect(d.readEvent(replaced, 'binomial')).toBeNull();
  });

  it('takes the general path for another writer schema, and reads raw framing fast too', () => {
    const base = schema as avro.schema.RecordType;
    const v2 = { ...base, fields: [...base.fields, { name: 'channel', type: 'string', default: 'web' }] };
    const d = new AvroDecoder({
      writerSchemas: new Map<number, avro.Schema>([
        [1, schema],
        [2, v2],
      ]),
    });
    const evolved = frame(
      2,
      avro.Type.forSchema(v2).toBuffer({ label: 1, channel: 'app', features: { x: NaN } }),
    );
    expect(fast(d, evolved, 'gaussian')).toEqual(general(d, evolved, 'gaussian'));
    expect(d.decodeEvent(evolved, 'gaussian')).toEqual({
      ok: false,
      reason: expect.stringMatching(/feature "x"/),
    });
    const raw = new AvroDecoder({ framing: 'raw' });
    const rawBytes = type.toBuffer({ label: 2, features: { y: 'z' } });
    expect(raw.decodeEvent(rawBytes, 'gaussian')).toMatchObject({
      ok: true,
      event: { label: 2, features: { y: 'z' } },
    });
    expect(raw.decodeEvent(new Uint8Array(rawBytes), 'gaussian')).toEqual(
      raw.decodeEvent(rawBytes, 'gaussian'),
    );
  });
});

/** The event as data: every field, the features' names in order with their values. */
function plain(v: Validated): unknown {
  if (!v.ok) return v;
  const e = v.event;
  const features = e.features;
  return {
    key: e.key,
    ts: e.ts,
    label: e.label,
    weight: e.weight,
    names: Object.keys(features),
    values: Object.keys(features).map((name) => features[name]),
  };
}

/** A wide event's features: `width` names from `pool` (distinct), in a random order, random values. */
/** Features of the "wide" events below (any width takes the same path; 16 was the old record limit). */
const RECORD_MAX = 16;

function wideFeatures(rng: Rng, pool: readonly string[], width: number): Record<string, unknown> {
  const names = [...pool];
  for (let i = names.length - 1; i > 0; i--) {
    const j = rng.int(i + 1);
    [names[i], names[j]] = [names[j], names[i]];
  }
  const features: Record<string, unknown> = {};
  for (const name of names.slice(0, width)) features[name] = randomValue(rng, pool);
  return features;
}

describe('AvroDecoder.decodeEvent: events are ListedEvents', () => {
  it("gives avsc + validateEvent's events (names in order, values) on wide events whose layouts repeat and change", () => {
    const rng = new Rng(20261130);
    const pool = [
      'x',
      'zé',
      '日本',
      'a-feature-name-longer-than-the-32-byte-string-cache',
      '',
      'site',
      'tags',
    ];
    for (let i = 0; i < 60; i++) pool.push(`f${i}`);
    const d = decoder();
    let previous: Record<string, unknown> = wideFeatures(rng, pool, RECORD_MAX + 1);
    let listed = 0;
    for (let i = 0; i < 3000; i++) {
      const r = rng.next();
      let features: Record<string, unknown>;
      if (r < 0.5) {
        // the previous layout again, new values (the reader shares its names array)
        features = {};
        for (const name of Object.keys(previous)) features[name] = rng.normal();
      } else if (r < 0.6) {
        // the previous layout with one name replaced, or one name more or less
        const names = Object.keys(previous);
        const k = rng.int(3);
        if (k === 0) names[rng.int(names.length)] = `g${rng.int(1000)}`;
        else if (k === 1) names.push(`g${rng.int(1000)}`);
        else names.splice(rng.int(names.length), 1);
        features = {};
        for (const name of names) features[name] = rng.next() < 0.5 ? rng.normal() : 'v';
      } else if (r < 0.65) {
        // array-index names: a record puts them first
        features = wideFeatures(rng, pool, RECORD_MAX + 1 + rng.int(10));
        features[String(rng.int(50))] = 1;
        features['7x'] = 2;
      } else if (r < 0.7) {
        // a value the general path must judge
        features = wideFeatures(rng, pool, RECORD_MAX + 1 + rng.int(10));
        features[Object.keys(features)[rng.int(RECORD_MAX)]] = rng.next() < 0.5 ? NaN : -Infinity;
      } else features = wideFeatures(rng, pool, RECORD_MAX - 3 + rng.int(40));
      previous = features;
      const event = {
        key: rng.next() < 0.3 ? null : `k${rng.int(9)}`,
        ts: rng.next() < 0.3 ? null : 1_700_000_000_000 + i,
        label: rng.next() < 0.9 ? rng.int(2) : 0.5,
        weight: rng.next() < 0.3 ? null : rng.next(),
        features,
      };
      const bytes = frame(1, type.toBuffer(event));
      for (const family of ['gaussian', 'binomial'] as const) {
        const got = d.decodeEvent(bytes, family);
        const want = validateEvent(d.decode(bytes), family);
        expect(plain(got)).toEqual(plain(want));
        expect(JSON.stringify(got)).toBe(JSON.stringify(want));
        if (got.ok && got.event instanceof ListedEvent) {
          listed++;
          // the lists themselves, against the record avsc built
          const f = want.ok ? (want.event.features as Record<string, FeatureValue>) : {};
          expect(got.event.fieldNames).toEqual(Object.keys(f));
          expect(got.event.fieldValues).toEqual(Object.values(f));
        }
      }
    }
    expect(listed).toBeGreaterThan(1000);
  });

  it('keeps records for repeated, array-index and "__proto__" names in wide maps, and maps in several blocks', () => {
    const d = decoder();
    const wide = (w: Writer, from: number, n: number) => {
      for (let i = from; i < from + n; i++) w.string(`n${i}`).long(0).double(i);
      return w;
    };
    const cases: Buffer[] = [];
    // a repeated name among RECORD_MAX + 2: first place, last value
    let w = new Writer().nullHeader().long(RECORD_MAX + 2);
    wide(w, 0, RECORD_MAX + 1);
    cases.push(w.string('n3').long(0).double(-1).long(0).framed());
    // an array-index name last
    w = new Writer().nullHeader().long(RECORD_MAX + 1);
    wide(w, 0, RECORD_MAX);
    cases.push(w.string('12').long(1).string('v').long(0).framed());
    // "__proto__"
    w = new Writer().nullHeader().long(RECORD_MAX + 1);
    wide(w, 0, RECORD_MAX);
    cases.push(w.string('__proto__').long(0).double(1).long(0).framed());
    // RECORD_MAX + 4 names in two blocks, the first small, then in one block (the same layout)
    w = new Writer().nullHeader().long(2);
    wide(w, 0, 2)
      .long(-(RECORD_MAX + 2))
      .long(999);
    cases.push(
      wide(w, 2, RECORD_MAX + 2)
        .long(0)
        .framed(),
    );
    w = new Writer().nullHeader().long(RECORD_MAX + 4);
    cases.push(
      wide(w, 0, RECORD_MAX + 4)
        .long(0)
        .framed(),
    );
    cases.push(
      wide(new Writer().nullHeader().long(RECORD_MAX + 4), 0, RECORD_MAX + 4)
        .long(0)
        .framed(),
    );
    for (const bytes of cases) {
      const got = fast(d, bytes, 'gaussian');
      const want = general(d, bytes, 'gaussian');
      expect(got).toEqual(want);
      if ('validated' in got && 'validated' in want) {
        expect(plain(got.validated)).toEqual(plain(want.validated));
        expect(JSON.stringify(got.validated)).toBe(JSON.stringify(want.validated));
      }
    }
    const kinds = cases.map((bytes) => {
      const v = d.decodeEvent(bytes, 'gaussian');
      return v.ok ? (v.event instanceof ListedEvent ? 'listed' : 'record') : 'rejected';
    });
    expect(kinds).toEqual(['record', 'record', 'record', 'listed', 'listed', 'listed']);
    const first = d.decodeEvent(cases[4], 'gaussian');
    const second = d.decodeEvent(cases[5], 'gaussian');
    if (!first.ok || !second.ok) throw new Error('not decoded');
    expect((second.event as ListedEvent).fieldNames).toBe((first.event as ListedEvent).fieldNames);
  });
});

describe('Avro events and the field-type rule (issue 11, item 1)', () => {
  it('a field that is a string in the first event and a number after is learned, "NaN" strings are missing', () => {
    const d = decoder();
    const model = new OnlineModel({ key: 'm', family: 'gaussian', labelWarmup: 0, lambda: 0 });
    const rng = new Rng(11);
    const outcomes = Array.from({ length: 2000 }, (_, i) => {
      const x0 = rng.next() * 2 - 1;
      const value = i === 0 ? 'high' : i % 7 === 3 ? 'NaN' : x0;
      const bytes = frame(1, type.toBuffer({ label: 2 * x0, features: { x0: value } }));
      const checked = d.decodeEvent(bytes, 'gaussian');
      if (!checked.ok) throw new Error(checked.reason);
      return model.process(checked.event).rejected;
    });
    expect(outcomes.filter((r) => r !== null)).toEqual([]);
    expect(model.featurizer.dimension).toBe(2); // x0=high and x0; no x0=NaN
    expect(model.snapshot().coefficients.x0).toBeGreaterThan(1.5);
  });
});

describe('AvroDecoder.decodeEvent: feature name ids (the featurizer maps them to columns)', () => {
  it('gives each name its id in one table, and the model learns what it learns from records', () => {
    const rng = new Rng(20261201);
    // more names than the reader's string cache has slots (4096), names it cannot intern (long,
    // quotes, backslashes, control characters), unicode, one-hot values and arrays
    const pool = ['x', 'zé', '日本', 'a"b', 'c\\d', 'e\u0001f', 'n'.repeat(70), 'site', 'tags'];
    for (let i = 0; i < 6000; i++) pool.push(`f${i}`);
    const d = decoder();
    const viaIds = new OnlineModel({ key: 'm', family: 'gaussian', labelWarmup: 0, lambda: 1e-3 });
    const viaRecords = new OnlineModel({ key: 'm', family: 'gaussian', labelWarmup: 0, lambda: 1e-3 });
    let layout: string[] = pool.slice(0, 10);
    let table: unknown = null;
    let withIds = 0;
    for (let i = 0; i < 6000; i++) {
      if (rng.next() < 0.3)
        layout = Array.from({ length: 1 + rng.int(12) }, () => pool[rng.int(pool.length)]);
      const features: Record<string, unknown> = {};
      for (const name of layout) features[name] = randomValue(rng, ['a', 'b', 'c', 'NaN']);
      const label = rng.normal();
      const got = d.decodeEvent(frame(1, type.toBuffer({ label, features })), 'gaussian');
      if (!got.ok) throw new Error(got.reason);
      const want = validateEvent(JSON.parse(JSON.stringify({ label, features })), 'gaussian');
      if (!want.ok) throw new Error(want.reason);
      const event = got.event;
      if (event instanceof ListedEvent && event.fieldIds !== null && event.idSource !== null) {
        withIds++;
        table ??= event.idSource;
        expect(event.idSource).toBe(table);
        const source = event.idSource;
        event.fieldNames.forEach((name, k) => {
          const id = event.fieldIds![event.fieldIdStart + k];
          if (id >= 0) expect(source.stringOf(id)).toBe(name);
          else
            expect(name.length > 64 || [...name].some((c) => c < ' ' || c === '"' || c === '\\')).toBe(true);
        });
      }
      expect(viaIds.process(event)).toEqual(viaRecords.process(want.event));
    }
    expect(withIds).toBeGreaterThan(5000);
    expect(viaIds.featurizer.dimension).toBe(viaRecords.featurizer.dimension);
    const a = viaIds.snapshot();
    const b = viaRecords.snapshot();
    expect({ ...a, createdAt: null }).toEqual({ ...b, createdAt: null });
  });
});

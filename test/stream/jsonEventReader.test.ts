import { isAscii } from 'node:buffer';

import { from, lastValueFrom, toArray } from 'rxjs';
import { describe, expect, it } from 'vitest';

import { adClicks } from '../../examples/ad-clicks/generate.js';
import { impressions } from '../../examples/campaign-scoring/generate.js';
import { customers } from '../../examples/churn/generate.js';
import { deliveries } from '../../examples/sparsity-drift/generate.js';
import {
  ListedEvent,
  validateEvent,
  type Family,
  type L1Event,
  type Validated,
} from '../../src/core/event.js';
import { IdListedEvent, LineEvent } from '../../src/core/lineEvent.js';
import { SparseBuffer } from '../../src/core/sparse.js';
import { Featurizer } from '../../src/features/featurizer.js';
import { decodeEvents, jsonDecoder } from '../../src/stream/decodeEvents.js';
import { JsonEventReader } from '../../src/stream/jsonEventReader.js';
import { readEventsDesign } from '../../src/solve/events.js';
import type { DeadLetter } from '../../src/stream/types.js';
import { engineLines, jsonl, mutate, randomLine } from '../helpers/eventLines.js';
import { Rng } from '../helpers/random.js';

/** What the general path gives: `validateEvent(JSON.parse(line))`, or the decode error. */
/** The event `JSON.parse` + `validateEvent` give for a valid binomial line. */
function plainEvent(line: string): L1Event {
  const v = validateEvent(JSON.parse(line), 'binomial');
  if (!v.ok) throw new Error(v.reason);
  return v.event;
}

function general(line: string, family: Family): Validated | { decodeError: string } {
  let raw: unknown;
  try {
    raw = jsonDecoder(line);
  } catch (err) {
    return { decodeError: (err as Error).message };
  }
  return validateEvent(raw, family);
}

function fast(
  reader: JsonEventReader,
  line: string | Uint8Array,
  family: Family,
): Validated | { decodeError: string } {
  try {
    return reader.decodeEvent(line, family);
  } catch (err) {
    return { decodeError: (err as Error).message };
  }
}

/** `b` is the event `a` is: the same JSON, and the same columns and values from a featurizer each. */
function expectSameEvent(
  line: string,
  a: L1Event,
  b: L1Event | null,
  [fa, xa]: [Featurizer, SparseBuffer],
  [fb, xb]: [Featurizer, SparseBuffer],
): void {
  expect(b, line).not.toBe(null);
  expect(JSON.stringify(b), line).toBe(JSON.stringify(a));
  expect(fb.featurize(b!, xb), line).toBe(fa.featurize(a, xa));
  expect(Array.from(xb.indices.subarray(0, xb.nnz)), line).toEqual(
    Array.from(xa.indices.subarray(0, xa.nnz)),
  );
  expect(Array.from(xb.values.subarray(0, xb.nnz)), line).toEqual(Array.from(xa.values.subarray(0, xa.nnz)));
}

/**
 * Runs both paths over `lines` with a featurizer each and checks they agree event for event:
 * decode errors, dead-letter reasons, key, ts, label, weight (-0 included), feature order, and
 * the featurized columns and values. Returns how many lines the fast reader read itself.
 */
function agree(
  lines: readonly string[],
  family: Family,
  options: ConstructorParameters<typeof JsonEventReader>[0] = {},
): number {
  const reader = new JsonEventReader(options);
  const probe = new JsonEventReader(options);
  const fa = new Featurizer();
  const fb = new Featurizer({ hashBits: 12 });
  const ga = new Featurizer();
  const gb = new Featurizer({ hashBits: 12 });
  const xa = new SparseBuffer();
  const xb = new SparseBuffer();
  let read = 0;
  for (const line of lines) {
    if (probe.read(line, family) !== null) read++;
    const a = fast(reader, line, family);
    const b = general(line, family);
    if ('decodeError' in b || 'decodeError' in a) {
      expect(a, line).toEqual(b);
      continue;
    }
    expect(a.ok, line).toBe(b.ok);
    if (!a.ok || !b.ok) {
      expect(a, line).toEqual(b);
      continue;
    }
    const ea = a.event;
    const eb = b.event;
    expect(ea.key, line).toBe(eb.key);
    expect(
      Object.is(ea.ts, eb.ts) && Object.is(ea.label, eb.label) && Object.is(ea.weight, eb.weight),
      line,
    ).toBe(true);
    expect(Object.keys(ea.features), line).toEqual(Object.keys(eb.features));
    // a ListedEvent builds its record when read, and spreads and serializes as the plain event
    expect(JSON.stringify(ea), line).toBe(JSON.stringify(eb));
    expect({ ...ea }, line).toEqual({ ...eb });
    for (const [f, g] of [
      [fa, ga],
      [fb, gb],
    ] as const) {
      expect(f.featurize(ea, xa), line).toBe(g.featurize(eb, xb));
      expect(Array.from(xa.indices.subarray(0, xa.nnz)), line).toEqual(
        Array.from(xb.indices.subarray(0, xb.nnz)),
      );
      expect(Array.from(xa.values.subarray(0, xa.nnz)), line).toEqual(
        Array.from(xb.values.subarray(0, xb.nnz)),
      );
    }
  }
  expect(fa.dimension).toBe(ga.dimension);
  for (let j = 0; j < fa.dimension; j++) expect(fa.nameOf(j)).toBe(ga.nameOf(j));
  return read;
}

/**
 * Reads all `lines` first (events keep their chunks while later lines renew them) with a reader
 * whose first event turned its pair ids (exact) or spans (hashed) on, then checks each event
 * against the plain one: its class (`check` for more), serialization, columns and values.
 */
function readAllAsPlain(
  lines: readonly string[],
  options: { readonly hashBits?: number },
  check?: (event: L1Event) => void,
): void {
  const reader = new JsonEventReader();
  const f = new Featurizer(options);
  const x = new SparseBuffer();
  f.featurize(reader.read('{"features":{"a":"x"}}', 'binomial')!, x);
  const events = lines.map((line) => reader.read(line, 'binomial'));
  const g = new Featurizer(options);
  const y = new SparseBuffer();
  g.featurize(plainEvent('{"features":{"a":"x"}}'), y);
  lines.forEach((line, i) => {
    const event = events[i]!;
    expect(event).toBeInstanceOf(options.hashBits === undefined ? ListedEvent : LineEvent);
    check?.(event);
    expect(JSON.stringify(event) === JSON.stringify(plainEvent(line)), line.slice(0, 80)).toBe(true);
    f.featurize(event, x);
    g.featurize(plainEvent(line), y);
    expect(Array.from(x.indices.subarray(0, x.nnz))).toEqual(Array.from(y.indices.subarray(0, y.nnz)));
    expect(Array.from(x.values.subarray(0, x.nnz))).toEqual(Array.from(y.values.subarray(0, y.nnz)));
  });
}

describe('JsonEventReader: the same events and reasons as JSON.parse + validateEvent', () => {
  it('on the example streams and the bench stream, reading every event itself', () => {
    const fixtures: Array<[string[], Family]> = [
      [jsonl(adClicks(3, 2000)), 'binomial'],
      [jsonl(impressions(3, 2000)), 'binomial'],
      [jsonl(customers(3, 2000)), 'binomial'],
      [jsonl(deliveries(3, 2000)), 'gaussian'],
      [engineLines(), 'binomial'],
    ];
    for (const [lines, family] of fixtures) expect(agree(lines, family)).toBe(lines.length);
  });

  it("a Python NaN or Infinity: one clear reason on both paths (text and bytes), and from fit's reader", () => {
    const nan = `NaN is not JSON (Python's json.dumps writes it for float('nan')): write null for a missing value`;
    const inf = (token: string, python: string) =>
      `${token} is not JSON (Python's json.dumps writes it for float('${python}')): write a finite number, or null for a missing value`;
    const cases: Array<[string, string]> = [
      ['{"label": 1, "features": {"x": NaN}}', nan],
      ['{"label": NaN, "features": {"x": 1}}', nan],
      ['{"label": 1, "features": {"s": "NaN \\" x", "x": Infinity}}', inf('Infinity', 'inf')],
      ['{"label": 0, "features": {"x": -Infinity}}', inf('-Infinity', '-inf')],
    ];
    const lines = cases.map(([line]) => line);
    expect(agree(lines, 'gaussian')).toBe(0);
    const reader = new JsonEventReader();
    for (const [line, reason] of cases) {
      expect(fast(reader, line, 'gaussian'), line).toEqual({ decodeError: reason });
      expect(fast(reader, new TextEncoder().encode(line), 'gaussian'), line).toEqual({ decodeError: reason });
      expect(general(line, 'gaussian'), line).toEqual({ decodeError: reason });
    }
    const rejected: string[] = [];
    readEventsDesign([...lines, '{"label": 1, "features": {"x": 2}}'].join('\n'), 'gaussian', 't', (r) => {
      rejected.push(r.reason);
    });
    expect(rejected).toEqual(cases.map(([, reason]) => `cannot decode: ${reason}`));
    // "NaN" in a string is a missing value; other syntax errors keep the parser's own message
    expect(fast(reader, '{"label": 1, "features": {"x": "NaN"}}', 'gaussian')).toMatchObject({ ok: true });
    const broken = fast(reader, '{"label": 1, "features": {"x": "NaN"}', 'gaussian') as {
      decodeError: string;
    };
    expect(broken.decodeError).not.toMatch(/is not JSON \(/);
  });

  it('an empty value (a Kafka record with no bytes): one reason that says so on both paths, not "Unexpected end of JSON input"', () => {
    const reader = new JsonEventReader();
    for (const [value, what] of [
      ['', 'empty'],
      [' \t ', 'only white space'],
    ]) {
      const reason = `the value is ${what}, not a JSON object: an event is {"label": ..., "features": {...}}`;
      expect(fast(reader, value, 'gaussian'), JSON.stringify(value)).toEqual({ decodeError: reason });
      expect(fast(reader, new TextEncoder().encode(value), 'gaussian')).toEqual({ decodeError: reason });
      expect(general(value, 'gaussian')).toEqual({ decodeError: reason });
    }
  });

  it('on seeded random events and their mutations, both families', () => {
    const rng = new Rng(14);
    const lines: string[] = [];
    for (let i = 0; i < 3000; i++) {
      const line = randomLine(rng);
      lines.push(line, mutate(line, rng), mutate(mutate(line, rng), rng));
    }
    const read = agree(lines, 'binomial');
    agree(lines, 'gaussian');
    // the fuzz exercises both paths
    expect(read).toBeGreaterThan(lines.length / 5);
    expect(read).toBeLessThan(lines.length);
  });

  // Each edge case: whether the fast reader reads the line itself, and that both paths agree.
  const cases: Array<[string, string, boolean]> = [
    ['plain event', '{"label":1,"features":{"a":1.5,"c":"DE","b":true,"t":["x","y"],"n":null}}', true],
    ['JSON whitespace around tokens', ' \t{ "label" : 1 ,\r\n "features" : { "a" : 2 } } ', true],
    ['non-JSON whitespace (no-break space)', '{"label":1,"features":{"a":2}}\u00a0', false],
    ['a byte-order mark', '\ufeff{"features":{"a":2}}', false],
    ['truncated', '{"label":1,"features":{"a":2}', false],
    ['an escape in a name', '{"features":{"a\\u0062":2}}', false],
    ['a bad escape', '{"features":{"a":"\\x"}}', false],
    ['unicode and a surrogate pair', '{"features":{"日本":"😀","é":1}}', true],
    ['a lone surrogate', '{"features":{"a":"\ud83d"}}', true],
    ['a control character in a string', '{"features":{"a":"\u0001"}}', false],
    ['a number too large (1e309)', '{"features":{"a":1e309}}', false],
    // an exponent past 100,000 digits' worth beside as many fraction zeros: Infinity, as JSON.parse
    // reads it (the exponent's digits stopped counting at 100,000, which made it 1e-1 · 10^0: finite)
    [
      'an exponent of 1e6 after 1e5 fraction zeros',
      `{"features":{"a":0.${'0'.repeat(100_000)}1e1000000}}`,
      false,
    ],
    ['its negative (0, as JSON.parse reads it)', `{"features":{"a":1${'0'.repeat(100_000)}e-1000000}}`, true],
    ['negative zero', '{"label":-0,"weight":-0,"features":{"a":-0}}', true],
    ['1E-7 and 5e-324', '{"features":{"a":1E-7,"b":5e-324,"c":1.7976931348623157e308}}', true],
    ['18 significant digits', '{"features":{"a":123456789012345678,"b":0.1234567890123456789}}', true],
    ['a leading zero', '{"features":{"a":01}}', false],
    ['a bare minus or dot', '{"features":{"a":-}}', false],
    ['duplicate names (the last value wins, at the first place)', '{"features":{"a":1,"b":2,"a":3}}', true],
    ['duplicate top-level fields', '{"label":5,"features":{"a":1},"label":1}', true],
    ['integer-like names (enumerated first, ascending)', '{"features":{"b":1,"10":2,"2":3}}', true],
    ['a __proto__ feature', '{"features":{"__proto__":1,"a":2}}', false],
    ['a nested object', '{"features":{"a":{"b":1}}}', false],
    ['an array with a number', '{"features":{"a":["x",1]}}', false],
    ['an unknown nested top-level field', '{"meta":{"x":1},"features":{"a":1}}', false],
    ['an unknown scalar top-level field', '{"meta":"x","features":{"a":1}}', true],
    ['a label of 2 for binomial', '{"label":2,"features":{"a":1}}', false],
    ['a negative weight', '{"weight":-1,"features":{"a":1}}', false],
    // a number or boolean key is its text (issue s26-5); a list, an object or 1e309 is not a key
    ['a numeric key', '{"key":3,"features":{"a":1}}', true],
    ['numeric keys in other forms', '{"key":-0,"features":{"a":1}}', true],
    ['a key in exponent form', '{"key":1.5E2,"features":{"a":1}}', true],
    ["a key past 2^53 (the double's text)", '{"key":1.5E21,"features":{"a":1}}', true],
    ['a boolean key', '{"key":true,"features":{"a":1}}', true],
    ['a blank label (not "a number in quotes")', '{"label":" ","features":{"a":1}}', false],
    ['a key too large (1e309)', '{"key":1e309,"features":{"a":1}}', false],
    ['a list key', '{"key":["u1"],"features":{"a":1}}', false],
    ['an object key', '{"key":{"id":1},"features":{"a":1}}', false],
    ['no features', '{"label":1}', false],
    ['not an object', '[1,2]', false],
    ['trailing data', '{"features":{"a":1}} x', false],
    [
      'long names and values (copied, not sliced)',
      `{"features":{"${'n'.repeat(70)}":"${'v'.repeat(20)}"}}`,
      true,
    ],
  ];
  // Lines read as a list of features (no record built unless read), and those that are not.
  const listed = new Set(['plain event', 'JSON whitespace around tokens', 'unicode and a surrogate pair']);
  const notListed = new Set([
    'duplicate names (the last value wins, at the first place)',
    'integer-like names (enumerated first, ascending)',
  ]);
  for (const [name, line, readsItself] of cases) {
    it(name, () => {
      const event = new JsonEventReader().read(line, 'binomial');
      expect(event !== null).toBe(readsItself);
      if (listed.has(name)) expect(event).toBeInstanceOf(ListedEvent);
      if (notListed.has(name)) expect(event).not.toBeInstanceOf(ListedEvent);
      agree([line], 'binomial');
      agree([line], 'gaussian');
    });
  }

  it("lines longer than its code buffer, then shorter ones over the longer ones' units, read as JSON.parse reads them", () => {
    const long = Array.from({ length: 400 }, (_, i) => `"f${i}":${i + 0.5}`).join(',');
    const lines = [
      `{"label":1,"features":{${long}},"ts":123456789}`,
      // each ends where the line before it had more digits, letters or closing braces
      '{"label":1,"features":{"f0":1},"ts":12',
      '{"label":1,"features":{"f0":1},"ts":1',
      '{"label":1,"features":{"f0":1}}',
      '{"label":0,"features":{"f0":1},"k":tru',
      '{"label":0,"features":{"f0":"ab',
      '{"label":0,"features":{"f',
      `{"label":0,"features":{${long},"g":"${'é'.repeat(3000)}"}}`,
      '{"label":1,"features":{"g":2}}',
    ];
    const reader = new JsonEventReader();
    for (const line of lines) expect(fast(reader, line, 'binomial'), line).toEqual(general(line, 'binomial'));
    expect(agree(lines, 'binomial')).toBe(4);
  });

  it('with every scan hash equal (hashMask 0): names, values and pairs are told apart by their units', () => {
    const rng = new Rng(15);
    const lines: string[] = [...cases.map(([, line]) => line)];
    for (let i = 0; i < 400; i++) {
      const line = randomLine(rng);
      lines.push(line, mutate(line, rng));
    }
    // names and values that differ in one unit, with equal lengths, across fields
    for (let i = 0; i < 200; i++)
      lines.push(
        `{"label":${i % 2},"features":{"a${i % 7}":"v${i % 5}","b${i % 3}":["v${i % 4}","w${i % 5}"],"a${(i + 1) % 7}":${i}}}`,
      );
    for (const family of ['binomial', 'gaussian'] as const) {
      const all = agree(lines, family);
      expect(agree(lines, family, { hashMask: 0 })).toBe(all);
      expect(agree(lines, family, { hashMask: 0, pairDenseBudget: 0 })).toBe(all);
      expect(agree(lines, family, { pairDenseBudget: 300 })).toBe(all);
      expect(agree(lines, family, { hashMask: 0, pairCapacity: 3 })).toBe(all);
      expect(agree(lines, family, { hashMask: 1, internCapacity: 5 })).toBe(all);
    }
  });

  it('packs values in chunks: events read before a new chunk keep theirs (arrays and nulls across the boundary)', () => {
    const reader = new JsonEventReader({ hashMask: 0xff });
    const rng = new Rng(16);
    // 70,000 values and strings: more than one chunk of each (2^16)
    const lines = Array.from({ length: 10_000 }, (_, i) => {
      const items = Array.from({ length: rng.int(4) }, () => `"v${rng.int(50)}"`).join(',');
      return `{"label":${i % 2},"features":{"a":${i},"b":[${items}],"c":null,"d":"x${rng.int(9)}","e":${i % 3 === 0},"f":[],"g":"${i}"}}`;
    });
    // an exact featurizer turns the reader's pair ids on
    new Featurizer().featurize(reader.read('{"features":{"a":"x"}}', 'binomial')!, new SparseBuffer());
    const events = lines.map((line) => reader.read(line, 'binomial'));
    const f = new Featurizer();
    const g = new Featurizer();
    const x = new SparseBuffer();
    const y = new SparseBuffer();
    lines.forEach((line, i) => {
      const event = events[i];
      expect(event).toBeInstanceOf(ListedEvent);
      expect((event as ListedEvent).packedValues).not.toBeNull();
      const plain = validateEvent(JSON.parse(line), 'binomial');
      expect(plain.ok && JSON.stringify(event) === JSON.stringify(plain.event), line).toBe(true);
      f.featurize(event!, x);
      g.featurize((plain as { event: L1Event }).event, y);
      expect(Array.from(x.indices.subarray(0, x.nnz))).toEqual(Array.from(y.indices.subarray(0, y.nnz)));
      expect(Array.from(x.values.subarray(0, x.nnz))).toEqual(Array.from(y.values.subarray(0, y.nnz)));
    });
    expect(reader.pairTable!.used).toBe(true);
    expect(reader.pairTable!.size).toBeGreaterThan(50);
  });

  it('a line whose strings come before a new chunk keeps them, with pair ids or spans (LineEvent)', () => {
    // 12 values a line, strings first: a line starts 4 values before the chunk's end (2^16)
    const lines = Array.from({ length: 6000 }, (_, i) => {
      const numbers = Array.from({ length: 10 }, (_, k) => `"n${k}":${(i % 7) + k}`).join(',');
      return `{"label":${i % 2},"features":{"s":"x${i % 13}","t":["a${i % 5}","b"],${numbers}}}`;
    });
    for (const options of [{}, { hashBits: 10 }])
      readAllAsPlain(lines, options, (event) => {
        // a LineEvent's strings are in its spans: its chunk has no strings or pair ids
        if (event instanceof LineEvent) expect(event.packedValues!.pairIds).toBeNull();
      });
  });

  it('chunks sized by the strings used: numeric stretches, then lines with more strings than a chunk had room for', () => {
    const rng = new Rng(23);
    const numeric = (i: number) =>
      `{"label":${i % 2},"features":{${Array.from({ length: 30 }, (_, k) => `"n${rng.int(40)}_${k}":${k + 1}`).join(',')}}}`;
    const strings = (i: number, items: number) =>
      `{"label":${i % 2},"features":{"a":${i},"s":"v${rng.int(30)}","t":[${Array.from({ length: items }, () => `"w${rng.int(500)}"`).join(',')}]}}`;
    const lines: string[] = [];
    // 3 value chunks (2^16) without strings; strings past the small room; a line beyond a full chunk (2^16); again
    for (let i = 0; i < 7000; i++) lines.push(numeric(i));
    for (let i = 0; i < 300; i++) lines.push(strings(i, rng.int(120)));
    lines.push(strings(1, 70_000));
    for (let i = 0; i < 3000; i++) lines.push(numeric(i));
    for (let i = 0; i < 200; i++) lines.push(strings(i, 300));
    for (const options of [{}, { hashBits: 10 }]) readAllAsPlain(lines, options);
  });

  it('events whose names all have ids keep no names of their own (IdListedEvent): the same events, names and columns', () => {
    const rng = new Rng(41);
    const lines = Array.from({ length: 4000 }, (_, i) => {
      const names = new Set(
        Array.from({ length: 1 + rng.int(12) }, () => `id${rng.int(i < 2000 ? 300 : 3000)}`),
      );
      const values = [...names].map((n) => `"${n}":${rng.int(4) === 0 ? `"v${rng.int(5)}"` : rng.int(3)}`);
      return `{"label":${i % 2},"features":{${values.join(',')}}}`;
    });
    // capacity 500: later names get no id, and their events keep a list of names (ListedEvent)
    for (const internCapacity of [undefined, 500]) {
      for (const own of [true, false]) {
        const reader = new JsonEventReader(internCapacity === undefined ? {} : { internCapacity });
        const events = lines.map((line) =>
          own ? reader.read(line, 'binomial') : reader.readEvent(line, 'binomial'),
        );
        const f = new Featurizer();
        const g = new Featurizer();
        const x = new SparseBuffer();
        const y = new SparseBuffer();
        let withIds = 0;
        lines.forEach((line, i) => {
          const event = events[i] as ListedEvent;
          const plain = plainEvent(line);
          if (event instanceof IdListedEvent) withIds++;
          expect(event.fieldNames, line).toEqual(Object.keys(plain.features));
          expect(event.fieldValues, line).toEqual(Object.values(plain.features));
          expect(JSON.stringify(event), line).toBe(JSON.stringify(plain));
          if (own) expect({ ...event }, line).toEqual({ ...plain });
          f.featurize(event, x);
          g.featurize(plain, y);
          expect(Array.from(x.indices.subarray(0, x.nnz)), line).toEqual(
            Array.from(y.indices.subarray(0, y.nnz)),
          );
          expect(Array.from(x.values.subarray(0, x.nnz)), line).toEqual(
            Array.from(y.values.subarray(0, y.nnz)),
          );
        });
        expect(f.dimension).toBe(g.dimension);
        for (let j = 0; j < f.dimension; j++) expect(f.nameOf(j)).toBe(g.nameOf(j));
        if (internCapacity === undefined) expect(withIds).toBe(lines.length);
        else {
          expect(withIds).toBeGreaterThan(100);
          expect(withIds).toBeLessThan(lines.length - 100);
        }
      }
    }
  });

  it('repeated names are found by id, or by name for names without one: lists exactly when the names are distinct', () => {
    const rng = new Rng(43);
    const pool = Array.from({ length: 12 }, (_, i) => `f${i}`);
    const lines = Array.from({ length: 3000 }, (_, i) => {
      const names = Array.from({ length: 1 + rng.int(6) }, () => pool[rng.int(pool.length)]);
      return `{"label":${i % 2},"features":{${names.map((n) => `"${n}":${1 + rng.int(3)}`).join(',')}}}`;
    });
    // capacity 5: most names have no id; hash masks 0 and 3 put names in one or a few probe chains
    for (const options of [{}, { internCapacity: 5 }, { internCapacity: 5, hashMask: 0 }, { hashMask: 3 }]) {
      const reader = new JsonEventReader(options);
      let listed = 0;
      for (const line of lines) {
        const event = reader.readEvent(line, 'binomial')!;
        const plain = plainEvent(line);
        const distinct = new Set(line.match(/"f\d+"/g)).size === line.match(/"f\d+"/g)!.length;
        expect(event instanceof ListedEvent, line).toBe(distinct);
        if (event instanceof ListedEvent) {
          listed++;
          expect(event.fieldNames, line).toEqual(Object.keys(plain.features));
        }
        expect(JSON.stringify(event), line).toBe(JSON.stringify(plain));
      }
      expect(listed).toBeGreaterThan(500);
      expect(listed).toBeLessThan(lines.length - 500);
    }
  });

  it("Avro bytes read as JSON (kafka.format set wrong) are named as such, not with the UTF-8 decoder's words", () => {
    const reader = new JsonEventReader();
    // the schema-registry wire format: 0x00, a 4-byte schema id, the Avro body (here not UTF-8, then UTF-8)
    const framed = [new Uint8Array([0, 0, 0, 0, 1, 2, 0xff, 0xfe]), new Uint8Array([0, 0, 0, 0, 1, 2, 0x61])];
    for (const bytes of framed) {
      expect(() => jsonDecoder(bytes)).toThrow(
        /^not JSON: the record starts with byte 0x00, as Avro in the schema-registry wire format does.*set kafka\.format to "avro"$/,
      );
      expect(() => reader.decodeEvent(bytes, 'binomial')).toThrow(/set kafka\.format to "avro"/);
    }
    expect(() => jsonDecoder(new Uint8Array([0x7b, 0xff]))).toThrow(
      /^not valid UTF-8 at byte 1 \(0xFF\): text in another encoding, such as Latin-1\? Write the events as UTF-8$/,
    );
  });

  it('bytes (Kafka json) are read as UTF-8 text; invalid UTF-8 fails as jsonDecoder does', () => {
    const reader = new JsonEventReader();
    for (const line of ['{"label":1,"features":{"a":2,"c":"é"}}', '{"label":2,"features":{"a":2}}', '{"a"']) {
      const bytes = new TextEncoder().encode(line);
      expect(fast(reader, bytes, 'binomial')).toEqual(general(line, 'binomial'));
    }
    const read = reader.decodeEvent(new TextEncoder().encode('{"features":{"a":2}}'), 'binomial');
    expect(read.ok && Object.getPrototypeOf(read.event.features)).toBe(null);
    const bad = new Uint8Array([0x7b, 0xff]);
    expect(() => reader.decodeEvent(bad, 'binomial')).toThrow(
      (() => {
        try {
          jsonDecoder(bad);
        } catch (err) {
          return (err as Error).message;
        }
        return 'no error';
      })(),
    );
  });

  it('ASCII bytes are read from the bytes themselves: the same events, reasons and columns as their text', () => {
    const rng = new Rng(30);
    const lines = [
      ...engineLines(),
      '{"label":1,"features":{"a":2,"c":"é"}}',
      `{"label":1,"features":{"long":"${'x'.repeat(3000)}","a":1}}`,
    ];
    for (let i = 0; i < 1500; i++) {
      const line = randomLine(rng);
      lines.push(line, mutate(line, rng));
    }
    // every line on one buffer, as a Kafka fetch: views that start anywhere in it
    const all = Buffer.from(lines.join(''), 'utf8');
    let at = 0;
    const views = lines.map((line, i) => {
      const length = Buffer.byteLength(line);
      const view =
        i % 2 === 0 ? all.subarray(at, at + length) : new Uint8Array(all.buffer, all.byteOffset + at, length);
      at += length;
      return view;
    });
    expect(views.filter((v) => v.every((b) => b < 0x80)).length).toBeGreaterThan(lines.length / 2);
    const text = new JsonEventReader();
    const bytes = new JsonEventReader();
    const [fa, fb] = [new Featurizer(), new Featurizer()];
    const [xa, xb] = [new SparseBuffer(), new SparseBuffer()];
    let read = 0;
    // the text the bytes are (a lone surrogate became U+FFFD in them)
    const texts = views.map((v) => Buffer.from(v.buffer, v.byteOffset, v.byteLength).toString('utf8'));
    texts.forEach((line, i) => {
      for (const engine of [true, false]) {
        const a = engine ? text.readEvent(line, 'binomial') : text.read(line, 'binomial');
        const b = engine ? bytes.readEvent(views[i], 'binomial') : fast(bytes, views[i], 'binomial');
        const eb = b === null || 'decodeError' in b ? null : 'ok' in b ? (b.ok ? b.event : null) : b;
        if (a === null) {
          if (engine) expect(eb, line).toBe(null);
          else expect(b, line).toEqual(general(line, 'binomial'));
          continue;
        }
        read++;
        expectSameEvent(line, a, eb, [fa, xa], [fb, xb]);
      }
    });
    expect(read).toBeGreaterThan(lines.length / 5);
  });

  it('records of one buffer read in place (readEventAt, Kafka worker batches): the same events, reasons and columns as each read alone', () => {
    const rng = new Rng(31);
    const lines = [
      ...engineLines(),
      // records that end where a value would go on in the next one: nothing past a record is read
      '{"label":1,"features":{"a":1',
      '2}}',
      '{"label":1,"features":{"a":nu',
      'll}}',
      '{"label":1,"features":{"a":tr',
      'ue}}',
      '{"label":1,"features":{"a":1}}',
      '{"label":1,"features":{"a":fals',
      'e}}',
      '{"label":1,"ts":7',
    ];
    for (let i = 0; i < 1500; i++) {
      const line = randomLine(rng);
      lines.push(line, mutate(line, rng));
    }
    const ascii = lines.filter((line) => isAscii(Buffer.from(line)));
    expect(ascii.length).toBeGreaterThan(lines.length / 2);
    // an all-ASCII batch (read as one text), a batch with non-ASCII records (read one by one), and the first again
    const batches = [ascii, lines, ascii].map((records) => {
      const bytes = Buffer.from(records.join(''), 'utf8');
      const starts: number[] = [];
      let at = 0;
      for (const line of records) {
        starts.push(at);
        at += Buffer.byteLength(line);
      }
      return { records, bytes, starts };
    });
    let read = 0;
    // by ids, and hashed (then the reader's events keep their spans in the batch's text: `LineEvent`)
    for (const hashBits of [undefined, 12]) {
      const alone = new JsonEventReader();
      const inPlace = new JsonEventReader();
      const [fa, fb] = [new Featurizer({ hashBits }), new Featurizer({ hashBits })];
      const [xa, xb] = [new SparseBuffer(), new SparseBuffer()];
      for (const { records, bytes, starts } of batches)
        records.forEach((line, i) => {
          const view = bytes.subarray(starts[i], starts[i] + Buffer.byteLength(line));
          const a = alone.readEvent(view, 'binomial');
          const b = inPlace.readEventAt(bytes, starts[i], starts[i] + view.length, 'binomial');
          if (a === null) {
            expect(b, line).toBe(null);
            // as decodeEvents then does: the same reader names the reason (its own text, between records)
            expect(fast(inPlace, view, 'binomial'), line).toEqual(general(view.toString('utf8'), 'binomial'));
            return;
          }
          read++;
          expectSameEvent(line, a, b, [fa, xa], [fb, xb]);
        });
      if (hashBits !== undefined) expect(inPlace.internTable.nameHashSeed).not.toBe(null);
    }
    expect(read).toBeGreaterThan(lines.length / 2);
    // the buffer is left as it was (each record's end is marked while it is read)
    expect(batches[0].bytes.toString('utf8')).toBe(ascii.join(''));
  });

  it('is what decodeEvents reads JSON text with by default, with the same dead letters', async () => {
    const letters: DeadLetter[] = [];
    const lines = ['{"label":1,"features":{"a":2}}', '{"label":2,"features":{"a":2}}', '{"features":'];
    const records = lines.map((value, i) => ({ value, position: { source: 't', offset: String(i + 1) } }));
    const [batch] = await lastValueFrom(
      from([{ records }]).pipe(
        decodeEvents({ family: 'binomial', deadLetters: { deadLetter: (l) => letters.push(l) } }),
        toArray(),
      ),
    );
    expect(batch.events).toHaveLength(1);
    // the reader's features object (JSON.parse's has Object.prototype)
    expect(Object.getPrototypeOf(batch.events[0].features)).toBe(null);
    expect(letters.map((l) => [l.stage, l.reason])).toEqual([
      ['validate', '"label" must be 0 or 1 for family binomial, got 2'],
      ['decode', `cannot decode: ${(general(lines[2], 'binomial') as { decodeError: string }).decodeError}`],
    ]);
  });
});

import { describe, expect, it, vi } from 'vitest';

import { ListedEvent, validateEvent, type L1Event } from '../../src/core/event.js';
import { LineEvent } from '../../src/core/lineEvent.js';
import { SparseBuffer } from '../../src/core/sparse.js';
import { Featurizer, isMissingString, type FeaturizerOptions } from '../../src/features/featurizer.js';
import { murmur3 } from '../../src/features/murmur3.js';
import { HashedVocabulary, type NameSource } from '../../src/features/vocabulary.js';
import { JsonEventReader } from '../../src/stream/jsonEventReader.js';
import { featureLines, mutate, randomLine } from '../helpers/eventLines.js';
import { Rng } from '../helpers/random.js';

function plain(line: string): L1Event {
  const v = validateEvent(JSON.parse(line), 'gaussian');
  if (!v.ok) throw new Error(v.reason);
  return v.event;
}

const NAMES = [
  'a',
  'b',
  'id7',
  'größe',
  '名前',
  'emoji😀',
  'x\u{1d11e}y',
  'constructor',
  'a_long_name_of_many_chars',
];
const VALUES = [
  'x',
  'DE',
  'é',
  '😀',
  '',
  'NaN',
  'N/A',
  '#N/A N/A',
  'null',
  'a long value of more than 13 chars',
];

function vector(f: Featurizer, x: SparseBuffer): string {
  const parts: string[] = [];
  for (let k = 0; k < x.nnz; k++) parts.push(`${x.indices[k]}:${x.values[k]}:${f.nameOf(x.indices[k])}`);
  return parts.join(' ');
}

/**
 * Reads `input` (all of it first: events must keep their spans when the reader moves on), then
 * featurizes the events and the plain ones side by side; checks vectors, names, vocabulary state,
 * collisions and examples. Returns how many events were `LineEvent`s.
 */
function agree(input: readonly string[], options: FeaturizerOptions, reader = new JsonEventReader()): number {
  const a = new Featurizer(options);
  const b = new Featurizer(options);
  const xa = new SparseBuffer();
  const xb = new SparseBuffer();
  // the first event (with ids) asks the reader for hashes
  a.featurize(reader.read(input[0], 'gaussian')!, xa);
  b.featurize(plain(input[0]), xb);
  const events = input.map((line) => reader.read(line, 'gaussian') ?? plain(line));
  let lineEvents = 0;
  const got: string[] = [];
  const want: string[] = [];
  input.forEach((line, i) => {
    if (events[i] instanceof LineEvent) lineEvents++;
    got.push(`${line} ${a.featurize(events[i], xa)} ${vector(a, xa)}`);
    want.push(`${line} ${b.featurize(plain(line), xb)} ${vector(b, xb)}`);
    if (i % 97 === 96) {
      got.push(`pruned ${a.vocabulary.prune((j) => j % 3 !== 0)}`);
      want.push(`pruned ${b.vocabulary.prune((j) => j % 3 !== 0)}`);
    }
  });
  expect(got).toEqual(want);
  expect(a.state()).toEqual(b.state());
  expect(a.vocabulary.collisions).toBe(b.vocabulary.collisions);
  expect(a.vocabulary.collisionExamples(1000)).toEqual(b.vocabulary.collisionExamples(1000));
  return lineEvents;
}

describe('LineEvent: a hashed featurizer takes names by the hashes its reader computed', () => {
  const input = featureLines(18, 2000, NAMES, VALUES, 30);

  it("after the first event, the reader gives LineEvents with the vocabulary's murmur3 hashes and missing flags", () => {
    const reader = new JsonEventReader();
    const f = new Featurizer({ hashBits: 10, hashSeed: 7 });
    f.featurize(reader.read(input[0], 'gaussian')!, new SparseBuffer());
    expect(reader.internTable.nameHashSeed).toBe(7);
    let checked = 0;
    for (const line of input) {
      const event = reader.read(line, 'gaussian');
      expect(event, line).toBeInstanceOf(LineEvent);
      const e = event as LineEvent;
      const { kinds } = e.packedValues!;
      const spans = e.spans;
      const record = plain(line).features;
      expect(e.fieldNames).toEqual(Object.keys(record));
      let s = e.packedStringAt;
      e.fieldNames.forEach((name, k) => {
        const v = record[name];
        const kind = kinds[e.packedAt + k];
        if (typeof v === 'number' || typeof v === 'boolean') {
          expect(spans.nameHashes[e.packedAt + k] >>> 0).toBe(murmur3(name, 7));
          checked++;
        } else if (v !== null) {
          expect(kind === 3).toBe(Array.isArray(v));
          for (const item of Array.isArray(v) ? v : [v as string]) {
            expect(spans.missing[s], item).toBe(isMissingString(item) ? 1 : 0);
            if (!isMissingString(item)) expect(spans.itemHashes[s] >>> 0).toBe(murmur3(`${name}=${item}`, 7));
            expect(e.stringAt(s++)).toBe(item);
            checked++;
          }
        }
      });
    }
    expect(checked).toBeGreaterThan(5000);
  });

  it('gives the vectors, names, collisions and state of events by name: seeds, 2^2 to 2^25 columns, forced scan-hash collisions', () => {
    // repeated and array-index names: not lists, the general way (JSON.parse's order and values)
    const odd = [
      '{"features":{"a":1,"b":"x","a":"y"}}',
      '{"features":{"b":["x"],"größe":2,"b":"z","größe":false}}',
      '{"features":{"c":1,"0":"x","1":2}}',
      '{"features":{"__proto__":"x","a":1}}',
    ];
    expect(agree([...input, ...odd], { hashBits: 3 })).toBe(input.length);
    expect(agree([...input, ...odd], { hashBits: 3 }, new JsonEventReader({ hashMask: 0 }))).toBe(
      input.length,
    );
    for (const options of [
      { hashBits: 12 },
      { hashBits: 2 },
      { hashBits: 5, nameCapacity: 8, hashSeed: 42 },
      { hashBits: 25 },
    ])
      expect(agree(input, options)).toBe(input.length);
    // every scan hash equal: repeated names are told apart by their units
    expect(agree(input, { hashBits: 4 }, new JsonEventReader({ hashMask: 0 }))).toBe(input.length);
    expect(agree(input, { hashBits: 4 }, new JsonEventReader({ hashMask: 0, internCapacity: 3 }))).toBe(
      input.length,
    );
  });

  it('fuzzed lines: what the reader reads is a LineEvent or goes the general way, featurized alike', () => {
    const rng = new Rng(19);
    const fuzz: string[] = [];
    for (let i = 0; i < 1500; i++) {
      const line = randomLine(rng);
      fuzz.push(line, mutate(line, rng));
    }
    const valid = fuzz.filter((line) => {
      try {
        return validateEvent(JSON.parse(line), 'gaussian').ok;
      } catch {
        return false;
      }
    });
    const n = agree(valid, { hashBits: 6 });
    expect(n).toBeGreaterThan(valid.length / 3);
    expect(n).toBeLessThan(valid.length);
  });

  it('spans survive new chunks: events read before them featurize and record alike', () => {
    const rng = new Rng(20);
    // 10,000 events of 7 values, strings and arrays: more than one chunk (2^16) of each
    const many = Array.from({ length: 10_000 }, (_, i) => {
      const items = Array.from({ length: rng.int(4) }, () => `"v${rng.int(50)}"`).join(',');
      return `{"label":${i % 2},"features":{"a":${i},"b":[${items}],"c":null,"d":"x${rng.int(9)}","e":${i % 3 === 0},"f":[],"g":"${i}"}}`;
    });
    expect(agree(many, { hashBits: 8 })).toBe(many.length);
  });

  it('records, serializes and spreads as the plain event; an engine event has no own features', () => {
    const reader = new JsonEventReader();
    new Featurizer({ hashBits: 8 }).featurize(reader.read(input[0], 'gaussian')!, new SparseBuffer());
    for (const line of input.slice(0, 300)) {
      const e = reader.read(line, 'gaussian')!;
      expect(e).toBeInstanceOf(LineEvent);
      expect(JSON.stringify(e)).toBe(JSON.stringify(plain(line)));
      expect({ ...e }).toEqual({ ...plain(line) });
      const engine = reader.readEvent(line, 'gaussian')!;
      expect(Object.hasOwn(engine, 'features')).toBe(false);
      expect(JSON.stringify(engine)).toBe(JSON.stringify(plain(line)));
    }
  });

  it('builds no name for a column already named: only new columns and collision examples take one', () => {
    const reader = new JsonEventReader();
    const f = new Featurizer({ hashBits: 16 });
    const x = new SparseBuffer();
    f.featurize(reader.read(input[0], 'gaussian')!, x);
    for (const line of input) f.featurize(reader.read(line, 'gaussian')!, x);
    // the same lines again, as new events
    const events = input.map((line) => reader.read(line, 'gaussian') as ListedEvent);
    const nameAt = vi.spyOn(LineEvent.prototype, 'nameAt');
    const stringAt = vi.spyOn(LineEvent.prototype, 'stringAt');
    try {
      for (const e of events) f.featurize(e, x);
      expect(nameAt).not.toHaveBeenCalled();
      expect(stringAt).not.toHaveBeenCalled();
    } finally {
      vi.restoreAllMocks();
    }
  });
});

describe('HashedVocabulary.lookupFrom', () => {
  /** Feature k's name `f<k>`, string s's value `v<s>`; counts the names built. */
  class Source implements NameSource {
    built = 0;
    nameAt(k: number): string {
      this.built++;
      return `f${k}`;
    }
    stringAt(s: number): string {
      this.built++;
      return `v${s}`;
    }
  }

  it("has lookup's effects (names, collisions, examples, pruned columns) in both table kinds", () => {
    for (const bits of [3, 25]) {
      const a = new HashedVocabulary({ bits, nameCapacity: 2 });
      const b = new HashedVocabulary({ bits, nameCapacity: 2 });
      const source = new Source();
      const rng = new Rng(bits);
      for (let i = 0; i < 3000; i++) {
        const k = rng.int(20);
        const s = rng.int(3) - 1;
        const hash = murmur3(s < 0 ? `f${k}` : `f${k}=v${s}`);
        expect(a.lookupFrom(hash, source, k, s)).toBe(b.lookup(hash, `f${k}`, s < 0 ? undefined : `v${s}`));
        if (i % 50 === 49) expect(a.prune((j) => j % 2 === 0)).toBe(b.prune((j) => j % 2 === 0));
      }
      expect(a.state()).toEqual(b.state());
      expect(a.collisions).toBe(b.collisions);
      expect(a.collisionExamples(1000)).toEqual(b.collisionExamples(1000));
      if (bits === 3) expect(a.collisions).toBeGreaterThan(0);
      if (bits === 3) expect(source.built).toBeLessThan(1000);
    }
  });
});

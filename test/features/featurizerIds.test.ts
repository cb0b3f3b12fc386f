import { describe, expect, it } from 'vitest';

import { ListedEvent, validateEvent, type L1Event } from '../../src/core/event.js';
import { LineEvent } from '../../src/core/lineEvent.js';
import { SparseBuffer } from '../../src/core/sparse.js';
import { Featurizer, type FeaturizerOptions } from '../../src/features/featurizer.js';
import { JsonEventReader } from '../../src/stream/jsonEventReader.js';
import { featureLines } from '../helpers/eventLines.js';
import { Rng } from '../helpers/random.js';

/** The event `validateEvent(JSON.parse(line))` gives: a plain record, featurized by name. */
function byName(line: string): L1Event {
  const v = validateEvent(JSON.parse(line), 'gaussian');
  if (!v.ok) throw new Error(v.reason);
  return v.event;
}

function fromReader(reader: JsonEventReader, line: string): L1Event {
  const v = reader.decodeEvent(line, 'gaussian');
  if (!v.ok) throw new Error(v.reason);
  return v.event;
}

const NAMES = ['a', 'b', 'id7', 'id123', 'größe', '名前', 'emoji😀', 'constructor', 'toString', 'c'];
const VALUES = ['x', 'y', 'DE', 'é', '😀', '', 'NaN', 'a long value of more than 13 chars'];

/** A vector's columns, values and names, in order. */
function vector(f: Featurizer, x: SparseBuffer): string {
  const parts: string[] = [];
  for (let k = 0; k < x.nnz; k++) parts.push(`${x.indices[k]}:${x.values[k]}:${f.nameOf(x.indices[k])}`);
  return parts.join(' ');
}

/**
 * Featurizes `input` twice, through `readers` in turn (ids) and by name, and checks every vector
 * (columns, values, their order), the names and the vocabulary's state and collisions agree.
 */
function agree(input: readonly string[], options: FeaturizerOptions, readers: JsonEventReader[]): Featurizer {
  const a = new Featurizer(options);
  const b = new Featurizer(options);
  const xa = new SparseBuffer();
  const xb = new SparseBuffer();
  let withIds = 0;
  const got: string[] = [];
  const want: string[] = [];
  input.forEach((line, i) => {
    const event = fromReader(readers[i % readers.length], line);
    // a hashed featurizer's reader gives names by their hashes once it is asked to
    if (event instanceof ListedEvent && (event.fieldIds !== null || event instanceof LineEvent)) withIds++;
    got.push(`${line} ${a.featurize(event, xa)} ${vector(a, xa)}`);
    want.push(`${line} ${b.featurize(byName(line), xb)} ${vector(b, xb)}`);
    if (i % 97 === 96) {
      got.push(`pruned ${a.vocabulary.prune((j) => j % 3 !== 0)}`);
      want.push(`pruned ${b.vocabulary.prune((j) => j % 3 !== 0)}`);
    }
  });
  expect(got).toEqual(want);
  expect(withIds).toBeGreaterThan(input.length / 2);
  expect(a.state()).toEqual(b.state());
  expect(a.vocabulary.collisions).toBe(b.vocabulary.collisions);
  expect(a.droppedFeatures).toBe(b.droppedFeatures);
  return a;
}

describe('Featurizer on events with ids (JsonEventReader)', () => {
  const input = featureLines(14, 1000, NAMES, VALUES, 40);

  it('gives the vectors, names and vocabulary of events by name: exact, full exact, hashed (fast and large tables)', () => {
    agree(input, {}, [new JsonEventReader()]);
    const full = agree(input, { maxFeatures: 30 }, [new JsonEventReader()]);
    expect(full.droppedFeatures).toBeGreaterThan(0);
    const hashed = agree(input, { hashBits: 5, nameCapacity: 8 }, [new JsonEventReader()]);
    expect(hashed.vocabulary.collisions).toBeGreaterThan(0);
    agree(input, { hashBits: 26, hashSeed: 3 }, [new JsonEventReader()]);
  });

  it('the same when the intern table is full: names and values beyond its capacity go by name', () => {
    for (const capacity of [0, 1, 7, 30]) {
      const reader = new JsonEventReader({ internCapacity: capacity });
      agree(input, {}, [reader]);
      expect(reader.internTable.size).toBe(capacity);
      agree(input, { hashBits: 6 }, [new JsonEventReader({ internCapacity: capacity })]);
    }
  });

  it('the same with every scan hash equal (hashMask 0) and with few pair ids: pairs told apart by their units', () => {
    for (const options of [
      { hashMask: 0 },
      { hashMask: 0, pairCapacity: 5 },
      { pairCapacity: 0 },
      { hashMask: 3 },
    ]) {
      const reader = new JsonEventReader(options);
      agree(input, {}, [reader]);
      if (options.pairCapacity !== 0) expect(reader.pairTable!.size).toBeGreaterThan(0);
      agree(input, { maxFeatures: 30 }, [new JsonEventReader(options)]);
      agree(input, { hashBits: 6 }, [new JsonEventReader(options)]);
    }
  });

  it("never maps one table's ids to another table's names: events from two readers into one featurizer", () => {
    // the same ids stand for different names in the two tables
    const first = ['{"features":{"a":1,"b":"x"}}', '{"features":{"b":"y","a":2}}'];
    const second = ['{"features":{"b":3,"a":"x"}}', '{"features":{"c":["x","y"],"a":4}}'];
    const mixed = [first[0], second[0], first[1], second[1], ...input];
    const one = new JsonEventReader();
    const two = new JsonEventReader();
    fromReader(two, '{"features":{"zz":1,"yy":"x"}}'); // shifts the second table's ids
    const f = agree(mixed, {}, [one, two]);
    agree(mixed, { hashBits: 7 }, [new JsonEventReader(), new JsonEventReader()]);
    expect(f.vocabulary.indexOf('b')).not.toBe(f.vocabulary.indexOf('a'));
  });

  it('hashed tables beyond 2^24 columns: a name featurized by id is the name indexOf finds (no collision)', () => {
    const f = new Featurizer({ hashBits: 26 });
    const x = new SparseBuffer();
    const reader = new JsonEventReader();
    for (const line of input) f.featurize(fromReader(reader, line), x);
    expect(f.vocabulary.collisions).toBe(0);
    for (const name of [...NAMES, 'n0', 'n39']) f.vocabulary.indexOf(name);
    for (const value of VALUES) f.vocabulary.indexOf('a', value);
    expect(f.vocabulary.collisions).toBe(0);
    const g = Featurizer.fromState(f.state(), {});
    for (const line of input) g.featurize(fromReader(reader, line), x);
    expect(g.vocabulary.collisions).toBe(0);
  });

  it('the same on wide events of new numeric names: the id arrays (past 1,024 ids) and the vector grow within an event', () => {
    const rng = new Rng(2113);
    const input: string[] = [];
    for (let i = 0; i < 6; i++) {
      const features: Record<string, number | string> = {};
      // the same names again (known ids), then new ones: past 1024 ids and 64 columns in one event
      for (let j = 0; j < 300; j++) features[`n${j < 100 ? j : i * 200 + j}`] = rng.normal();
      features.s = VALUES[i % VALUES.length];
      input.push(JSON.stringify({ label: 1, features }));
    }
    agree(input, {}, [new JsonEventReader()]);
    // hashed: the event's hashes (from 16 entries) grow within an event too
    agree(input, { hashBits: 12 }, [new JsonEventReader()]);
  });

  it("ids are the names' ids, parallel to the names; values have none", () => {
    const reader = new JsonEventReader();
    const line = '{"features":{"a":1,"b":"x","c":["y","a"],"d":null,"e":true,"a2":"a"}}';
    const listed = fromReader(reader, line) as ListedEvent;
    expect(listed).toBeInstanceOf(ListedEvent);
    const table = reader.internTable;
    expect(listed.idSource).toBe(table);
    const idsOf = (e: ListedEvent) =>
      Array.from(e.fieldIds!.subarray(e.fieldIdStart, e.fieldIdStart + e.fieldNames.length));
    expect(idsOf(listed)).toEqual([0, 1, 2, 3, 4, 5]);
    expect(idsOf(listed).map((id) => table.stringOf(id))).toEqual(listed.fieldNames);
    expect(table.size).toBe(6);
    // the next event's ids follow in the same array; the first event's stay
    const next = fromReader(reader, '{"features":{"b":"z","f":2}}') as ListedEvent;
    expect(next.fieldIds).toBe(listed.fieldIds);
    expect(idsOf(next)).toEqual([1, 6]);
    expect(idsOf(listed)).toEqual([0, 1, 2, 3, 4, 5]);
  });

  it('events keep their ids when the reader moves on to a new id array', () => {
    const reader = new JsonEventReader({ internCapacity: 300 });
    // 1,400 events of 50 names each: more ids than one id array holds (2^16)
    const rng = new Rng(5);
    const many = Array.from({ length: 1400 }, () => {
      const body = Array.from({ length: 50 }, (_, k) => `"f${rng.int(4)}_${k}":"v${rng.int(30)}"`);
      return `{"features":{${body.join(',')}}}`;
    });
    const events = many.map((line) => fromReader(reader, line));
    const a = new Featurizer();
    const b = new Featurizer();
    const xa = new SparseBuffer();
    const xb = new SparseBuffer();
    // featurized only once all are read: earlier events' ids must not have been overwritten
    const got: string[] = [];
    const want: string[] = [];
    many.forEach((line, i) => {
      a.featurize(events[i], xa);
      b.featurize(byName(line), xb);
      got.push(vector(a, xa));
      want.push(vector(b, xb));
    });
    expect(got).toEqual(want);
    expect(a.state()).toEqual(b.state());
  });
});

describe("a featurizer's pair codes (keyed models share the reader's pair ids)", () => {
  it('holds codes for the pages of pair ids it met, not for every pair id the process has given', () => {
    const reader = new JsonEventReader();
    const busy = new Featurizer({});
    const x = new SparseBuffer();
    // another model's 5,000 values take the low pair ids
    for (let i = 0; i < 5000; i++)
      busy.featurize(fromReader(reader, `{"features":{"seg":"v${i}","b":"x"}}`), x);
    const f = new Featurizer({});
    const names: string[] = [];
    for (const v of ['v4999', 'v3', 'v4999', 'new', 'v3']) {
      f.featurize(fromReader(reader, `{"features":{"seg":"${v}","b":"x"}}`), x);
      names.push(vector(f, x));
    }
    expect(names).toEqual([
      '0:1:seg=v4999 1:1:b=x',
      '2:1:seg=v3 1:1:b=x',
      '0:1:seg=v4999 1:1:b=x',
      '3:1:seg=new 1:1:b=x',
      '2:1:seg=v3 1:1:b=x',
    ]);
    // distinct code arrays: a page of 256 for each of the 3 regions of ids met and the shared empty page (5,000+ codes flat)
    const codes = (f as unknown as { pairCodes: Int32Array | Int32Array[] }).pairCodes;
    let held = 0;
    for (const a of new Set(ArrayBuffer.isView(codes) ? [codes] : codes)) held += a.length;
    expect(held).toBeLessThanOrEqual(4 * 256);
  });
});

import { describe, expect, it } from 'vitest';

import { NameTable } from '../../bench/drift/sparseStreams.js';
import { Mulberry32 } from '../../bench/drift/streams.js';
import { DriftMonitor, SequentialSparsityDetector } from '../../src/drift/index.js';
import { Featurizer } from '../../src/features/featurizer.js';
import { SparseBuffer } from '../../src/core/sparse.js';
import { feed, fixedClock, smallTables } from './helpers.js';

/**
 * Fields that take turns (slots are released and reused), levels with a long tail (far more
 * columns than tracked), numbers, a field with `=` in its name (`g=h=v3`: the name's field is
 * `g`) and a number with `=` in its name (`n=1`: a level of field `n`, though no one-hot).
 */
function* turns(table: NameTable, n: number): Generator<number[]> {
  const rng = new Mulberry32(17);
  for (let t = 0; t < n; t++) {
    const out: number[] = [];
    const turn = Math.floor(t / 3000);
    for (let k = 0; k < 4; k++)
      if (rng.next() < 0.9) out.push(table.id(`f${(turn + k) % 12}=v${Math.floor(400 * rng.next() ** 3)}`));
    out.push(table.id(`x${Math.floor(200 * rng.next() ** 2)}`));
    if (rng.next() < 0.3) out.push(table.id(`g=h=v${Math.floor(8 * rng.next())}`));
    if (rng.next() < 0.2) out.push(table.id(`n=${Math.floor(3 * rng.next())}`));
    yield out;
  }
}

/** What a vocabulary's `fieldOf` gives for these names: the field of a one-hot, null for a number. */
function fieldOfNames(table: NameTable): (j: number) => string | null {
  return (j) => {
    const name = table.names[j];
    if (name.startsWith('g=h=')) return 'g=h';
    if (name.startsWith('n=')) return null;
    const eq = name.indexOf('=');
    return eq < 0 ? null : name.slice(0, eq);
  };
}

const options = { ...smallTables, maxTracked: 48 };

/** `table.nameOf`, counting its calls in `asked.count`. */
function counting(table: NameTable): { nameOf: (j: number) => string; asked: { count: number } } {
  const asked = { count: 0 };
  const nameOf = (j: number) => {
    asked.count++;
    return table.nameOf(j);
  };
  return { nameOf, asked };
}

describe('sequential input drift: the field of a column from `fieldOf` (no name built)', () => {
  it('gives the findings and state of the names, and names only the columns fieldOf leaves open', () => {
    const table = new NameTable();
    const fieldOf = fieldOfNames(table);
    // names asked for, of columns whose field fieldOf gives (`g=h=…` it gives, but leaves to the name)
    let asked = 0;
    const counting = (j: number) => {
      const f = fieldOf(j);
      if (f !== null && f.indexOf('=') < 0) asked++;
      return table.nameOf(j);
    };
    const sizes = [0, 64, 1 << 16];
    const named = sizes.map(
      (fieldCacheSize) => new SequentialSparsityDetector({ ...options, maxFields: 6, fieldCacheSize }),
    );
    const fielded = sizes.map(
      (fieldCacheSize) => new SequentialSparsityDetector({ ...options, maxFields: 6, fieldCacheSize }),
    );
    const x = { indices: new Int32Array(8), start: 0, end: 0, nameOf: table.nameOf };
    const y = { indices: x.indices, start: 0, end: 0, nameOf: counting, fieldOf };
    const found: unknown[][] = [];
    const fields = new Set<string>();
    let t = 0;
    for (const features of turns(table, 40_000)) {
      x.indices.set(features);
      x.end = y.end = features.length;
      for (const d of named) d.update(x);
      for (const d of fielded) d.update(y);
      t++;
      const reports = [...named, ...fielded].map((d) => (d.driftDetected ? d.report : null));
      if (reports.some((r) => r !== null)) found.push([t, ...reports]);
      if (t % 500 === 0) for (const key of named[0].state().fieldKeys) fields.add(key);
    }
    expect(table.names.length).toBeGreaterThan(20 * options.maxTracked);
    expect(found.length).toBeGreaterThan(10);
    for (const [, reference, ...others] of found) for (const r of others) expect(r).toEqual(reference);
    const reference = named[0].state();
    // `g=h=…` and `n=…` name fields `g` and `n`, which took slots
    expect(fields).toContain('g');
    expect(fields).toContain('n');
    for (const d of [...named.slice(1), ...fielded]) expect(d.state()).toEqual(reference);
    expect(asked).toBe(0);
  });

  it('the monitor passes a batch’s fieldOf on to the detector', () => {
    const table = new NameTable();
    const events = [...turns(table, 5000)].map((features) => ({ label: 0, loss: 0, features }));
    const fieldOf = fieldOfNames(table);
    const { nameOf, asked } = counting(table);
    const config = { loss: { enabled: false }, inputSequential: options };
    const plain = new DriftMonitor({ clock: fixedClock, config });
    const alerts = feed(events, 1000, (b) => plain.onBatch(b), nameOf);
    const withoutFieldOf = asked.count;
    expect(withoutFieldOf).toBeGreaterThan(1000);
    asked.count = 0;
    const fielded = new DriftMonitor({ clock: fixedClock, config });
    const same = feed(events, 1000, (b) => fielded.onBatch({ ...b, fieldOf }), nameOf);
    expect(same).toEqual(alerts);
    expect(fielded.state()).toEqual(plain.state());
    // only the numbers and `g=h=…` (and the alerts' features) are named
    expect(asked.count).toBeLessThan(withoutFieldOf / 4);
  });
});

describe('Featurizer.fieldOf: the field of a column’s name, without building it', () => {
  for (const hashBits of [undefined, 4]) {
    it(`agrees with nameOf on every column (${hashBits === undefined ? 'exact vocabulary' : 'hashed, colliding'})`, () => {
      const featurizer = new Featurizer(hashBits === undefined ? {} : { hashBits });
      const out = new SparseBuffer();
      const rng = new Mulberry32(5);
      for (let e = 0; e < 300; e++) {
        const features = {
          a: `v${Math.floor(40 * rng.next())}`,
          'b=c': `w${Math.floor(5 * rng.next())}`,
          tags: ['p', `q${Math.floor(9 * rng.next())}`],
          x: rng.next() - 0.5,
          'y=1': 2,
          t: true,
        };
        expect(featurizer.featurize({ label: 0, features }, out)).toBeNull();
      }
      const dimension = hashBits === undefined ? featurizer.dimension : 2 ** hashBits;
      let oneHots = 0;
      for (let j = 0; j < dimension; j++) {
        const field = featurizer.fieldOf(j);
        if (!featurizer.vocabulary.hasName(j)) {
          expect(field).toBeNull();
          continue;
        }
        const name = featurizer.nameOf(j);
        if (field === null) expect(['x', 'y=1', 't']).toContain(name);
        else {
          oneHots++;
          expect(['a', 'b=c', 'tags']).toContain(field);
          expect(name.startsWith(`${field}=`)).toBe(true);
        }
      }
      expect(oneHots).toBeGreaterThan(hashBits === undefined ? 50 : 8);
      expect(featurizer.fieldOf(dimension + 5)).toBeNull();
    });
  }
});

/**
 * Field codes as a vocabulary records them (`Vocabulary.fieldCodes`): the name's field up to its
 * first `=` (1: none), the k-th field seen numbered `first + (step · k mod 17)` (two tables number
 * the same fields differently, as two models' vocabularies do).
 */
class CodeTable {
  readonly names: string[] = [];
  private readonly codes = new Map<string, number>();

  constructor(
    private readonly first: number,
    private readonly step: number,
  ) {
    for (let c = 0; c < first; c++) this.names.push('');
  }

  codeOf(name: string): number {
    const eq = name.indexOf('=');
    if (eq < 0) return 1;
    const field = name.slice(0, eq);
    let code = this.codes.get(field);
    if (code === undefined) {
      // (injective up to 17 fields)
      code = this.first + ((this.step * this.codes.size) % 17);
      while (this.names.length <= code) this.names.push('');
      this.names[code] = field;
      this.codes.set(field, code);
    }
    return code;
  }
}

describe('sequential input drift: the field of each occurrence from the batch (`fieldCodes`)', () => {
  it('gives the findings and state of the names, codes of two tables in turn, some left unknown', () => {
    const table = new NameTable();
    const codeTables = [new CodeTable(2, 1), new CodeTable(3, 5)];
    const named = new SequentialSparsityDetector({ ...options, fieldCacheSize: 0 });
    const coded = [0, 64, 1 << 16].map(
      (fieldCacheSize) => new SequentialSparsityDetector({ ...options, fieldCacheSize }),
    );
    const x = { indices: new Int32Array(8), start: 0, end: 0, nameOf: table.nameOf };
    const y = {
      indices: x.indices,
      start: 0,
      end: 0,
      nameOf: table.nameOf,
      fieldCodes: new Int32Array(8),
      fieldNames: codeTables[0].names as readonly string[],
    };
    const found: unknown[][] = [];
    let t = 0;
    for (const features of turns(table, 40_000)) {
      x.indices.set(features);
      x.end = y.end = features.length;
      // the vocabulary changes every 7000 events (a model evicted and restored numbers its fields anew)
      const codes = codeTables[Math.floor(t / 7000) % 2];
      y.fieldNames = codes.names;
      for (let p = 0; p < features.length; p++)
        y.fieldCodes[p] = features[p] % 5 === 0 ? 0 : codes.codeOf(table.names[features[p]]);
      named.update(x);
      for (const d of coded) d.update(y);
      t++;
      const reports = [named, ...coded].map((d) => (d.driftDetected ? d.report : null));
      if (reports.some((r) => r !== null)) found.push([t, ...reports]);
    }
    expect(found.length).toBeGreaterThan(10);
    for (const [, reference, ...others] of found) for (const r of others) expect(r).toEqual(reference);
    for (const d of coded) expect(d.state()).toEqual(named.state());
  });

  it('the monitor passes a batch’s field codes on, and names no column then', () => {
    const table = new NameTable();
    const events = [...turns(table, 5000)].map((features) => ({ label: 0, loss: 0, features }));
    const codes = new CodeTable(2, 1);
    const fieldNames = codes.names;
    const { nameOf, asked } = counting(table);
    const config = { loss: { enabled: false }, inputSequential: options };
    const plain = new DriftMonitor({ clock: fixedClock, config });
    const alerts = feed(events, 1000, (b) => plain.onBatch(b), table.nameOf);
    const coded = new DriftMonitor({ clock: fixedClock, config });
    const same = feed(
      events,
      1000,
      (b) =>
        coded.onBatch({
          ...b,
          fieldCodes: Int32Array.from(b.featureIndices, (j) => codes.codeOf(table.names[j])),
          fieldNames,
        }),
      nameOf,
    );
    expect(same).toEqual(alerts);
    expect(coded.state()).toEqual(plain.state());
    // only the alerts' features are named
    expect(asked.count).toBeLessThan(50);
  });
});

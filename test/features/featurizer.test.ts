import { describe, expect, it } from 'vitest';

import { SparseBuffer } from '../../src/core/sparse.js';
import { Featurizer, isMissingString, MISSING } from '../../src/features/featurizer.js';
import { murmur3 } from '../../src/features/murmur3.js';
import { HashedVocabulary } from '../../src/features/vocabulary.js';
import { decodeState, encodeState } from '../../src/model/stateCodec.js';
import { typedArrayBytes } from '../helpers/memory.js';

const roundTrip = <T>(state: T): T => decodeState(encodeState(state)) as T;

function named(f: Featurizer, x: SparseBuffer): Record<string, number> {
  const out: Record<string, number> = {};
  for (let k = 0; k < x.nnz; k++) out[f.nameOf(x.indices[k])] = x.values[k];
  return out;
}

describe('Featurizer (DESIGN §2)', () => {
  it('numbers by name, strings one-hot, booleans 0/1, string arrays, zeros and nulls absent', () => {
    const f = new Featurizer();
    const x = new SparseBuffer(2);
    const reason = f.featurize(
      {
        features: {
          age: 34,
          country: 'DE',
          premium: true,
          trial: false,
          tags: ['a', 'b', 'a'],
          zero: 0,
          none: null as never,
        },
      },
      x,
    );
    expect(reason).toBeNull();
    expect(named(f, x)).toEqual({ age: 34, 'country=DE': 1, premium: 1, 'tags=a': 2, 'tags=b': 1 });
  });

  it('a field that changes type gets both columns: x0 for numbers, x0=high for strings, nothing rejected', () => {
    const f = new Featurizer();
    const x = new SparseBuffer();
    expect(f.featurize({ features: { x0: 'high', z: 1 } }, x)).toBeNull();
    expect(named(f, x)).toEqual({ 'x0=high': 1, z: 1 });
    for (const v of [2.5, -1, 3]) {
      expect(f.featurize({ features: { x0: v } }, x)).toBeNull();
      expect(named(f, x)).toEqual({ x0: v });
    }
    expect(f.featurize({ features: { x0: true } }, x)).toBeNull();
    expect(named(f, x)).toEqual({ x0: 1 });
    expect(f.featurize({ features: { x0: ['high', 'low'] } }, x)).toBeNull();
    expect(named(f, x)).toEqual({ 'x0=high': 1, 'x0=low': 1 });
    expect(f.dimension).toBe(4); // x0=high, z, x0, x0=low
  });

  it('missing-value strings (pandas na_values: "NaN", "", "null", "NA", ...) are absent, like null', () => {
    const f = new Featurizer();
    const x = new SparseBuffer();
    for (const missing of ['NaN', 'nan', '', 'null', 'NULL', 'None', 'NA', 'N/A', '#N/A', '<NA>']) {
      expect(f.featurize({ features: { x0: missing, t: [missing, 'a'], k: 1 } }, x)).toBeNull();
      expect(named(f, x)).toEqual({ k: 1, 't=a': 1 });
    }
    expect(f.dimension).toBe(2);
    // other strings stay one-hot
    expect(f.featurize({ features: { x0: 'Nan', c: 'NAN ' } }, x)).toBeNull();
    expect(named(f, x)).toEqual({ 'x0=Nan': 1, 'c=NAN ': 1 });
  });

  it('exact names: beyond maxFeatures a new name is left out of its event and counted; known names go on', () => {
    const f = new Featurizer({ maxFeatures: 3 });
    const x = new SparseBuffer();
    expect(f.featurize({ features: { a: 1, b: 'u' } }, x)).toBeNull();
    expect(f.featurize({ features: { a: 2, c: 3, d: 4, b: 'v' } }, x)).toBeNull();
    expect(named(f, x)).toEqual({ a: 2, c: 3 });
    expect(f.dimension).toBe(3);
    expect(f.droppedFeatures).toBe(2);
    expect(f.featurize({ features: { b: 'u', e: 'w', c: 5 } }, x)).toBeNull();
    expect(named(f, x)).toEqual({ 'b=u': 1, c: 5 });
    expect(f.droppedFeatures).toBe(3);
    const g = Featurizer.fromState(roundTrip(f.state()), { maxFeatures: 3 });
    expect(g.droppedFeatures).toBe(3);
    expect(g.featurize({ features: { zz: 1, a: 1 } }, x)).toBeNull();
    expect(named(g, x)).toEqual({ a: 1 });
  });

  it('a checkpoint from before field types were dropped (with kinds) is still read', () => {
    const f = new Featurizer();
    const x = new SparseBuffer();
    f.featurize({ features: { age: 3, c: 'x' } }, x);
    const old = {
      vocabulary: f.state().vocabulary,
      kinds: [
        ['age', 'numeric'],
        ['c', 'categorical'],
      ] as const,
    };
    const g = Featurizer.fromState(roundTrip(old));
    expect(g.featurize({ features: { age: 'old', c: 2 } }, x)).toBeNull();
    expect(named(g, x)).toEqual({ 'age=old': 1, c: 2 });
    expect(g.nameOf(0)).toBe('age');
  });

  it('hashing trick: index = murmur3(name) mod 2^bits, names kept, collisions reported', () => {
    const f = new Featurizer({ hashBits: 4 });
    const x = new SparseBuffer();
    const names = Array.from({ length: 40 }, (_, i) => `f${i}`);
    f.featurize({ features: Object.fromEntries(names.map((n) => [n, 1])) }, x);
    for (let k = 0; k < x.nnz; k++) expect(x.indices[k]).toBeLessThan(16);
    expect(f.vocabulary.indexOf('country', 'DE')).toBe(murmur3('country=DE') & 15);
    // 40 names in 16 columns: at least 24 collisions, each merged into one column per event.
    expect(f.vocabulary.collisions).toBeGreaterThanOrEqual(24);
    expect(x.nnz).toBeLessThanOrEqual(16);
    const total = Array.from(x.values.subarray(0, x.nnz)).reduce((a, b) => a + b, 0);
    expect(total).toBe(40);
    const [index, kept, other] = f.vocabulary.collisionExamples(1)[0];
    expect(f.nameOf(index)).toBe(kept);
    expect(murmur3(other) & 15).toBe(index);
  });

  it('state round-trips', () => {
    const f = new Featurizer();
    const x = new SparseBuffer();
    f.featurize({ features: { a: 1, c: 'x', t: ['p', 'q'] } }, x);
    const g = Featurizer.fromState(roundTrip(f.state()));
    const y = new SparseBuffer();
    g.featurize({ features: { t: ['q'], a: 2 } }, y);
    expect(named(g, y)).toEqual({ 't=q': 1, a: 2 });
    expect(y.indices[0]).toBe(f.vocabulary.indexOf('t', 'q'));
    expect(g.featurize({ features: { a: 'now a string' } }, y)).toBeNull();
    expect(named(g, y)).toEqual({ 'a=now a string': 1 });
  });

  it('same vectors whatever the field order, with fields coming and going and events rejected between', () => {
    const f = new Featurizer();
    const x = new SparseBuffer();
    const expected = (features: Record<string, unknown>): Record<string, number> => {
      const out: Record<string, number> = {};
      for (const [k, v] of Object.entries(features)) {
        if (typeof v === 'number' && v !== 0) out[k] = v;
        else if (v === true) out[k] = 1;
        else if (typeof v === 'string') out[`${k}=${v}`] = 1;
        else if (Array.isArray(v))
          for (const item of v as string[]) out[`${k}=${item}`] = (out[`${k}=${item}`] ?? 0) + 1;
      }
      return out;
    };
    const events: Array<Record<string, unknown>> = [
      { a: 1, b: 'x', c: ['p'] },
      { a: 2, b: 'y', c: ['q', 'p'] },
      { b: 'x', a: 3, c: [] },
      { a: 4, d: true, b: 'z' },
      { a: 'not a number', b: 'x' }, // a one-hot beside the numeric a
      { a: 5, b: 'x', c: ['p'] },
      { e: 0, a: 6, b: 'w', c: ['r'], d: false },
      { a: 7 },
      { a: 8, b: 'x', c: ['p'] },
    ];
    for (const e of events) {
      const reason = f.featurize({ features: e as Record<string, never> }, x);
      expect(reason).toBeNull();
      expect(named(f, x)).toEqual(expected(e));
    }
    expect(f.dimension).toBe(
      new Set(['a', 'b=x', 'b=y', 'b=z', 'b=w', 'c=p', 'c=q', 'c=r', 'd', 'a=not a number']).size,
    );
    expect(f.featurize({ features: { b: 1 } }, x)).toBeNull();
    expect(named(f, x)).toEqual({ b: 1 });
  });

  it('hashed: looks columns up every time, so a pruned name is named again when it comes back', () => {
    const f = new Featurizer({ hashBits: 10, nameCapacity: 1 });
    const x = new SparseBuffer();
    f.featurize({ features: { a: 1, b: 'x' } }, x);
    f.featurize({ features: { a: 1, b: 'x' } }, x);
    const ia = f.vocabulary.indexOf('a');
    expect(f.vocabulary.prune(() => false)).toBeGreaterThan(0);
    expect(f.vocabulary.hasName(ia)).toBe(false);
    f.featurize({ features: { a: 2, b: 'x' } }, x);
    expect(named(f, x)).toEqual({ a: 2, 'b=x': 1 });
  });

  it('hashed state keeps names in arrays and the collision record: a restored table counts the same', () => {
    const f = new Featurizer({ hashBits: 4, hashSeed: 9 });
    const x = new SparseBuffer();
    const event = (i: number) => ({
      features: Object.fromEntries([
        ['__proto__', i],
        ['constructor', `v${i % 7}`],
        ['toString', i % 3],
      ]),
    });
    for (let i = 1; i <= 40; i++) f.featurize(event(i), x);
    const state = f.state();
    expect(state.vocabulary.indices).toBeInstanceOf(Int32Array);
    const g = Featurizer.fromState(roundTrip(state), {});
    for (let i = 1; i <= 80; i++) {
      f.featurize(event(i), x);
      g.featurize(event(i), x);
    }
    expect(g.vocabulary.collisions).toBe(f.vocabulary.collisions);
    expect(g.vocabulary.collisionExamples(50)).toEqual(f.vocabulary.collisionExamples(50));
    expect(Array.from({ length: 16 }, (_, j) => g.nameOf(j))).toEqual(
      Array.from({ length: 16 }, (_, j) => f.nameOf(j)),
    );
    expect(Array.from({ length: 16 }, (_, j) => f.nameOf(j))).toContain('__proto__');
  });

  it("a hashed vocabulary's field lookups (one prefix hash per field) give indexOf's columns, names and collisions", () => {
    // 2^4 columns: most names collide; pruning drops names that are then given again
    const a = new HashedVocabulary({ bits: 4, seed: 5, nameCapacity: 6 });
    const b = new HashedVocabulary({ bits: 4, seed: 5, nameCapacity: 6 });
    const fields = ['c17', 'n3', 'Ünï', 'country'];
    const columns = fields.map((f) => a.forField(f));
    for (let i = 0; i < 400; i++) {
      const k = (i * 7) % fields.length;
      const value = i % 3 === 0 ? undefined : `v${(i * 13) % 11}${i % 5 === 0 ? 'é' : ''}`;
      const got = value === undefined ? columns[k].numeric() : columns[k].oneHot(value);
      expect(got).toBe(b.indexOf(fields[k], value));
      if (i % 50 === 49) expect(a.prune((j) => j % 2 === 0)).toBe(b.prune((j) => j % 2 === 0));
    }
    expect(a.state()).toEqual(b.state());
    for (let j = 0; j < a.dimension; j++) expect(a.nameOf(j)).toBe(b.nameOf(j));
  });
});

describe('isMissingString', () => {
  it('is set membership in MISSING, for those strings, their near misses and other values', () => {
    const probes = [
      '',
      'x',
      '0',
      '12600',
      'id7',
      'NaNa',
      'nanx',
      'NULL ',
      'é',
      '😀',
      'NA\u0000',
      'null'.repeat(3),
    ];
    for (const m of MISSING) {
      probes.push(m, `${m}x`, `x${m}`, m.slice(0, -1), m.slice(1), m.toUpperCase(), m.toLowerCase());
      for (let i = 0; i < m.length; i++) probes.push(m.slice(0, i) + '\u00e9' + m.slice(i + 1));
    }
    for (const s of probes) expect(isMissingString(s), JSON.stringify(s)).toBe(MISSING.has(s));
  });
});

describe('Featurizer: columns repeated within an event are summed into their first place', () => {
  /** The vector by a plain map from column to sum, in first-seen order. */
  function reference(
    f: Featurizer,
    features: Record<string, number | string | string[]>,
  ): Array<[number, number]> {
    const sums = new Map<number, number>();
    for (const field of Object.keys(features)) {
      const v = features[field];
      const items =
        typeof v === 'number'
          ? [[field, v] as const]
          : (Array.isArray(v) ? v : [v]).map((s) => [field, s] as const);
      for (const [name, x] of items) {
        const index = typeof x === 'number' ? f.vocabulary.indexOf(name) : f.vocabulary.indexOf(name, x);
        sums.set(index, (sums.get(index) ?? 0) + (typeof x === 'number' ? x : 1));
      }
    }
    return [...sums];
  }

  it("a new featurizer's scratch for one event's columns is small (a keyed engine has one per model)", () => {
    // six tables of 16 entries (384 bytes); they were 256 entries (6,144 bytes)
    expect(typedArrayBytes(new Featurizer())).toBeLessThan(1_000);
  });

  it('small and large events (beyond the table of the event’s columns), exact and hashed (many collisions)', () => {
    let s = 7;
    const random = () => {
      s = (Math.imul(s, 1103515245) + 12345) >>> 0;
      return s / 2 ** 32;
    };
    for (const options of [{}, { hashBits: 6 }, { hashBits: 20 }]) {
      const f = new Featurizer(options);
      const g = new Featurizer(options);
      const x = new SparseBuffer();
      for (const size of [1, 5, 60, 127, 128, 129, 300, 2000, 3, 700]) {
        const features: Record<string, number | string[]> = {};
        for (let k = 0; k < size; k++) {
          const field = `f${Math.floor(random() * 3 * size)}`;
          features[field] =
            random() < 0.5
              ? 1 + Math.floor(random() * 5)
              : Array.from({ length: 1 + Math.floor(random() * 4) }, () => `v${Math.floor(random() * size)}`);
        }
        expect(f.featurize({ features }, x)).toBeNull();
        const got = Array.from({ length: x.nnz }, (_, k) => [x.indices[k], x.values[k]]);
        expect(got).toEqual(reference(g, features));
      }
    }
  });
});

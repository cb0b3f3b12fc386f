/**
 * A hashed vocabulary with columns as seen (`compact`: keyed models) numbers its buckets in the
 * order they are first met; it must name, share and count exactly as the vocabulary whose columns
 * are the buckets themselves, and its checkpoint must bring the same numbering back.
 */
import { describe, expect, it } from 'vitest';

import { StateError } from '../../src/core/errors.js';
import { HashedVocabulary, type VocabularyState } from '../../src/features/vocabulary.js';

/** Lookups of a seeded mix of numeric names and one-hot levels, many more than 2^bits buckets. */
function lookups(n: number, seed: number): Array<readonly [string, string | undefined]> {
  let s = seed >>> 0;
  const u = () => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    return s / 4294967296;
  };
  const out: Array<readonly [string, string | undefined]> = [];
  for (let i = 0; i < n; i++) {
    const r = u();
    if (r < 0.3) out.push([`x${Math.floor(u() * 40)}`, undefined]);
    else if (r < 0.9) out.push(['site', `s${Math.floor(u() * u() * 3000)}`]);
    // names that are data: no object key may stand for them
    else out.push([u() < 0.5 ? '__proto__' : 'constructor', `${Math.floor(u() * 20)}`]);
  }
  return out;
}

/** Looks every name up in both; each compact column stands for exactly one bucket and back. */
function lookUpBoth(
  dense: HashedVocabulary,
  compact: HashedVocabulary,
  names: ReadonlyArray<readonly [string, string | undefined]>,
  bucketOf: Map<number, number>,
): void {
  const columnOf = new Map<number, number>();
  for (const [c, b] of bucketOf) columnOf.set(b, c);
  for (const [field, value] of names) {
    const b = dense.indexOf(field, value);
    const c = compact.indexOf(field, value);
    if (!bucketOf.has(c)) {
      // a new column is the next number, for a bucket no column had
      expect(c).toBe(bucketOf.size);
      expect(columnOf.has(b)).toBe(false);
      bucketOf.set(c, b);
      columnOf.set(b, c);
    }
    expect(bucketOf.get(c)).toBe(b);
  }
}

/** Names, collisions and field codes of the two agree column for column. */
function expectSameRecords(
  dense: HashedVocabulary,
  compact: HashedVocabulary,
  bucketOf: Map<number, number>,
) {
  expect(compact.dimension).toBe(bucketOf.size);
  expect(dense.dimension).toBe(2 ** dense.bits);
  expect(compact.collisions).toBe(dense.collisions);
  expect(compact.namedColumns).toBe(dense.namedColumns);
  const columns = Int32Array.from(bucketOf.keys());
  const buckets = Int32Array.from(bucketOf.values());
  for (let k = 0; k < columns.length; k++) {
    expect(compact.hasName(columns[k])).toBe(dense.hasName(buckets[k]));
    expect(compact.nameOf(columns[k])).toBe(dense.nameOf(buckets[k]));
    expect(compact.fieldOf(columns[k])).toBe(dense.fieldOf(buckets[k]));
  }
  const codesCompact = new Int32Array(columns.length);
  const codesDense = new Int32Array(columns.length);
  compact.fieldCodes(columns, columns.length, codesCompact, 0);
  dense.fieldCodes(buckets, buckets.length, codesDense, 0);
  const fieldsOf = (v: HashedVocabulary, codes: Int32Array) => Array.from(codes, (c) => v.fieldNames[c]);
  expect(fieldsOf(compact, codesCompact)).toEqual(fieldsOf(dense, codesDense));
  expect(compact.collisionExamples(1000).map(([c, kept, other]) => [bucketOf.get(c), kept, other])).toEqual(
    dense.collisionExamples(1000),
  );
}

describe('hashed vocabulary with columns as seen (keyed models)', () => {
  it('shares, names and counts collisions as the bucket-numbered vocabulary, with a dimension of the buckets seen', () => {
    for (const bits of [8, 12, 18]) {
      const dense = new HashedVocabulary({ bits, seed: 7 });
      const compact = new HashedVocabulary({ bits, seed: 7, compact: true });
      expect(compact.compact).toBe(true);
      expect(dense.compact).toBe(false);
      expect(compact.dimension).toBe(0);
      const bucketOf = new Map<number, number>();
      lookUpBoth(dense, compact, lookups(20_000, bits), bucketOf);
      if (bits === 8) {
        // every bucket met, and many names sharing them
        expect(compact.dimension).toBe(256);
        expect(compact.collisions).toBeGreaterThan(1000);
      } else expect(compact.dimension).toBeLessThan(bits === 18 ? 2 ** bits / 64 : 2 ** bits);
      expectSameRecords(dense, compact, bucketOf);
      // the readers' path: full hashes, names built only when recorded (`lookupFrom`)
      const fromHashes = new HashedVocabulary({ bits, seed: 7, compact: true });
      for (const [field, value] of lookups(20_000, bits)) {
        const source = { nameAt: () => field, stringAt: () => value! };
        const hash = fromHashes.hashOf(field, value);
        expect(fromHashes.lookupFrom(hash, source, 0, value === undefined ? -1 : 0)).toBe(
          compact.indexOf(field, value),
        );
      }
      expect(fromHashes.state()).toEqual(compact.state());
    }
  });

  it('a checkpoint restores the same numbering, and lookups go on as without it', () => {
    const dense = new HashedVocabulary({ bits: 10, seed: 3 });
    const compact = new HashedVocabulary({ bits: 10, seed: 3, compact: true });
    const bucketOf = new Map<number, number>();
    lookUpBoth(dense, compact, lookups(3000, 1), bucketOf);
    const state = compact.state();
    expect(state.columnBuckets).toEqual(Int32Array.from(bucketOf.values()));
    expect(dense.state().columnBuckets).toBeUndefined();
    const restored = HashedVocabulary.fromState(state);
    expect(restored.compact).toBe(true);
    expect(restored.state()).toEqual(state);
    // the restored one and the original, on further names (new buckets among them)
    const more = lookups(3000, 2);
    for (const [field, value] of more)
      expect(restored.indexOf(field, value)).toBe(compact.indexOf(field, value));
    lookUpBoth(dense, HashedVocabulary.fromState(compact.state()), [], bucketOf);
    lookUpBoth(dense, restored, more, bucketOf);
    expectSameRecords(dense, restored, bucketOf);
  });

  it('a pruned name keeps its column, and gets it back when its feature returns', () => {
    const v = new HashedVocabulary({ bits: 12, compact: true, nameCapacity: 2 });
    const a = v.indexOf('site', 'a');
    const b = v.indexOf('site', 'b');
    const c = v.indexOf('x');
    expect([a, b, c]).toEqual([0, 1, 2]);
    expect(v.prune((j) => j === c)).toBe(2);
    expect(v.hasName(a)).toBe(false);
    expect(v.dimension).toBe(3);
    expect(v.indexOf('site', 'b')).toBe(b);
    expect(v.nameOf(b)).toBe('site=b');
    const restored = HashedVocabulary.fromState(v.state());
    expect(restored.indexOf('site', 'a')).toBe(a);
    expect(restored.indexOf('y')).toBe(3);
  });

  it('refuses a checkpoint whose buckets are out of range, repeated, or not those of its names', () => {
    const v = new HashedVocabulary({ bits: 8, compact: true });
    v.indexOf('x');
    v.indexOf('site', 'a');
    const state = v.state();
    const withBuckets = (columnBuckets: Int32Array): VocabularyState => ({ ...state, columnBuckets });
    const [bx, ba] = state.columnBuckets!;
    expect(() => HashedVocabulary.fromState(withBuckets(Int32Array.of(bx, 256)))).toThrow(
      new StateError('hashed vocabulary checkpoint has bucket 256 outside 0..255'),
    );
    expect(() => HashedVocabulary.fromState(withBuckets(Int32Array.of(bx, bx)))).toThrow(
      new StateError(`hashed vocabulary checkpoint gives bucket ${bx} to two columns`),
    );
    const other = (ba + 1) % 256;
    expect(() => HashedVocabulary.fromState(withBuckets(Int32Array.of(bx, other)))).toThrow(
      new StateError(
        `hashed vocabulary checkpoint names column 1 "site=a", which hashes to bucket ${ba}, not ${other}`,
      ),
    );
    expect(() =>
      HashedVocabulary.fromState({ ...state, columnBuckets: [bx, ba] as unknown as Int32Array }),
    ).toThrow(/columnBuckets that are not an Int32Array/);
    expect(() => new HashedVocabulary({ bits: 8, compact: 'yes' as unknown as boolean })).toThrow(
      /HashedVocabulary: compact: must be true or false, got "yes"/,
    );
  });
});

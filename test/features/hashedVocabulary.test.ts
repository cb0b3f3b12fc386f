import { describe, expect, it } from 'vitest';

import { StateError } from '../../src/core/errors.js';
import { featureName, HashedVocabulary, type VocabularyState } from '../../src/features/vocabulary.js';
import { murmur3 } from '../../src/features/murmur3.js';

/**
 * The hashing trick as first written (a Map from column to its name, in the order named, and a
 * set of the colliding names' hashes): what `HashedVocabulary` must do, whatever its tables.
 */
class Reference {
  readonly names = new Map<number, { field: string; value: string | null; hash: number }>();
  readonly collided = new Set<number>();
  readonly examples: Array<readonly [number, string, string]> = [];
  constructor(
    readonly bits: number,
    readonly nameCapacity: number,
  ) {}

  indexOf(field: string, value?: string): number {
    const hash = murmur3(value === undefined ? field : `${field}=${value}`);
    const index = hash % 2 ** this.bits;
    const entry = this.names.get(index);
    if (entry === undefined) this.names.set(index, { field, value: value ?? null, hash });
    else if (entry.hash !== hash && !this.collided.has(hash)) {
      this.collided.add(hash);
      if (this.examples.length < 1000)
        this.examples.push([index, featureName(entry.field, entry.value), featureName(field, value)]);
    }
    return index;
  }

  prune(keep: (index: number) => boolean): number {
    if (this.names.size <= this.nameCapacity) return 0;
    let dropped = 0;
    for (const index of this.names.keys())
      if (!keep(index)) {
        this.names.delete(index);
        dropped++;
      }
    return dropped;
  }

  state(): { indices: number[]; fields: string[]; values: Array<string | null> } {
    const entries = [...this.names];
    return {
      indices: entries.map(([i]) => i),
      fields: entries.map(([, e]) => e.field),
      values: entries.map(([, e]) => e.value),
    };
  }
}

/** A seeded stream of lookups (numeric and one-hot names, some repeated often), with prunes and restarts from state. */
function compare(bits: number, nameCapacity: number, seed: number): void {
  let s = seed;
  const random = () => {
    s = (Math.imul(s, 1103515245) + 12345) >>> 0;
    return s / 2 ** 32;
  };
  const ref = new Reference(bits, nameCapacity);
  let v = new HashedVocabulary({ bits, nameCapacity });
  const fields = ['a', 'b', 'country', '__proto__', 'é', '😀', ''];
  for (let step = 0; step < 3000; step++) {
    const r = random();
    // a few names come back often (repeated collisions), the others rarely
    const n = r < 0.5 ? Math.floor(random() * 8) : Math.floor(random() * 4000);
    const field = fields[n % fields.length];
    const value = n % 3 === 0 ? undefined : `v${n}`;
    expect(v.indexOf(field, value)).toBe(ref.indexOf(field, value));
    if (step % 500 === 499) {
      const mod = 2 + (step % 3);
      expect(v.prune((j) => j % mod !== 0)).toBe(ref.prune((j) => j % mod !== 0));
    }
    if (step % 700 === 699) v = HashedVocabulary.fromState(v.state(), nameCapacity);
  }
  const state = v.state();
  const want = ref.state();
  expect([...state.indices]).toEqual(want.indices);
  expect(state.fields).toEqual(want.fields);
  expect(state.values).toEqual(want.values);
  expect(v.namedColumns).toBe(ref.names.size);
  expect(v.collisions).toBe(ref.collided.size);
  expect(v.collisionExamples(1000)).toEqual(ref.examples);
  expect([...(state.collided ?? [])].sort()).toEqual([...ref.collided].sort());
  for (let j = 0; j < Math.min(v.dimension, 4096); j++) {
    const entry = ref.names.get(j);
    expect(v.hasName(j)).toBe(entry !== undefined);
    expect(v.nameOf(j)).toBe(entry === undefined ? `#${j}` : featureName(entry.field, entry.value));
  }
}

describe('HashedVocabulary: the columns, names, collisions and state of a plain map from column to name', () => {
  it('small tables (most names collide), with prunes and restarts from state', () => {
    for (const bits of [1, 2, 5, 9]) for (const seed of [1, 2]) compare(bits, 64, seed);
  });

  it('a table that prunes rarely and one that never holds more than a few names', () => {
    compare(12, 2000, 3);
    compare(8, 1, 4);
  });

  it('16-bit tags from 17 bits on, 32-bit ones below (names told apart by the bits above the column)', () => {
    for (const bits of [16, 17, 20, 24]) compare(bits, 1 << 20, 6);
  });

  it('a name whose hash has every bit above its column set keeps its column (the widest tag)', () => {
    for (const bits of [16, 17]) {
      const mask = 2 ** bits - 1;
      const top = 2 ** (32 - bits) - 1;
      const find = (test: (hash: number) => boolean): string => {
        for (let i = 0; ; i++) if (test(murmur3(`x${i}`))) return `x${i}`;
      };
      const widest = find((h) => h >>> bits === top);
      const column = murmur3(widest) & mask;
      const other = find((h) => (h & mask) === column && h >>> bits !== top);
      for (const [first, second] of [
        [widest, other],
        [other, widest],
      ]) {
        const v = new HashedVocabulary({ bits });
        for (let k = 0; k < 3; k++) {
          expect(v.indexOf(first)).toBe(column);
          expect(v.indexOf(second)).toBe(column);
        }
        expect(v.nameOf(column)).toBe(first);
        expect(v.collisions).toBe(1);
        expect(v.collisionExamples()).toEqual([[column, first, second]]);
        const again = HashedVocabulary.fromState(v.state());
        expect(again.indexOf(second)).toBe(column);
        expect(again.nameOf(column)).toBe(first);
        expect(again.collisions).toBe(1);
      }
    }
  });

  it('beyond 2^24 columns (no per-column arrays)', () => {
    compare(25, 64, 5);
  });

  it('refuses a checkpoint whose name hashes to another column', () => {
    const v = new HashedVocabulary({ bits: 8 });
    const index = v.indexOf('country', 'DE');
    const state = v.state();
    const moved: VocabularyState = { ...state, indices: Int32Array.of((index + 1) % 256) };
    expect(() => HashedVocabulary.fromState(moved)).toThrow(StateError);
    expect(HashedVocabulary.fromState(state).indexOf('country', 'DE')).toBe(index);
  });

  it("records the colliding names' hashes unsigned, in the order first counted, through checkpoints", () => {
    const v = new HashedVocabulary({ bits: 3, seed: 7 });
    const expected: number[] = [];
    const owner = new Map<number, number>();
    // thousands of names on 8 columns: nearly every one collides, some again and again
    for (let i = 0; i < 3000; i++) {
      const name = `n${(i * 7919) % 1000}`;
      v.indexOf(name);
      const hash = murmur3(name, 7);
      const column = hash & 7;
      const first = owner.get(column);
      if (first === undefined) owner.set(column, hash);
      else if (first !== hash && !expected.includes(hash)) expected.push(hash);
    }
    const state = v.state();
    expect(Array.from(state.collided!)).toEqual(expected);
    expect(v.collisions).toBe(expected.length);
    const again = HashedVocabulary.fromState(state);
    expect(Array.from(again.state().collided!)).toEqual(expected);
    // a name counted before the checkpoint is not counted again after it
    for (let i = 0; i < 1000; i++) again.indexOf(`n${i}`);
    expect(again.collisions).toBe(expected.length);
  });
});

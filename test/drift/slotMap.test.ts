import { describe, expect, it } from 'vitest';

import { SlotMap } from '../../src/drift/slotMap.js';

/** A seeded LCG in [0, 1). */
function lcg(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    return s / 2 ** 32;
  };
}

describe('SlotMap', () => {
  it('reads as a Map through random sets, deletes, clears and lookups, keys colliding in its cache', () => {
    const rand = lcg(7);
    const cacheSize = 16;
    const map = new SlotMap(cacheSize);
    const reference = new Map<number, number>();
    // few distinct cache cells, many keys per cell: hits, misses and stale cells all happen
    const keyOf = () => Math.floor(rand() * 8) + cacheSize * Math.floor(rand() * 6);
    for (let step = 0; step < 20_000; step++) {
      const r = rand();
      const key = keyOf();
      if (r < 0.3) {
        const slot = Math.floor(rand() * 1000);
        map.set(key, slot);
        reference.set(key, slot);
      } else if (r < 0.4) {
        expect(map.delete(key)).toBe(reference.delete(key));
      } else if (r < 0.401) {
        map.clear();
        reference.clear();
      } else {
        expect(map.get(key)).toBe(reference.get(key));
        expect(map.slotOf(key)).toBe(reference.get(key) ?? -1);
      }
      expect(map.size).toBe(reference.size);
    }
    expect([...map].sort((a, b) => a[0] - b[0])).toEqual([...reference].sort((a, b) => a[0] - b[0]));
  });

  it('reads back slots and keys its cache cannot hold (negative, fractional, beyond 32 bits) from the Map', () => {
    const map = new SlotMap(4);
    for (const [key, slot] of [
      [-1, 3],
      [3, -1],
      [2.5, 7],
      [5, 2 ** 40],
      [2 ** 33, 1],
      [1, 0.5],
    ]) {
      map.set(key, slot);
      expect(map.get(key)).toBe(slot);
      expect(map.get(key)).toBe(slot); // a second read, from the cache if cached
    }
    // key 2^33 falls in cell 0 (2^33 & 3), as key 4 would: 4 is not in the map
    expect(map.get(4)).toBeUndefined();
    map.set(3, 9);
    expect(map.get(3)).toBe(9);
    map.delete(3);
    expect(map.get(3)).toBeUndefined();
    // a cached key given a slot the cache cannot hold
    map.set(6, 1);
    expect(map.get(6)).toBe(1);
    map.set(6, 2.5);
    expect(map.get(6)).toBe(2.5);
    expect(map.slotOf(6)).toBe(2.5);
    expect(map.slotOf(2 ** 33)).toBe(map.get(2 ** 33));
    expect(map.slotOf(4)).toBe(-1);
  });

  it('reads as a Map while its index grows from 2 cells to thousands and entries leave long probe runs', () => {
    const rand = lcg(11);
    const map = new SlotMap(2);
    const reference = new Map<number, number>();
    // consecutive keys and keys a power of two apart: long runs of probes, deletions inside them
    const keyOf = () =>
      rand() < 0.5 ? Math.floor(rand() * 3000) : 4096 * Math.floor(rand() * 64) + Math.floor(rand() * 4);
    for (let step = 0; step < 60_000; step++) {
      const r = rand();
      const key = keyOf();
      if (r < (step < 30_000 ? 0.5 : 0.2)) {
        const slot = Math.floor(rand() * 5000);
        map.set(key, slot);
        reference.set(key, slot);
      } else if (r < 0.6) {
        expect(map.delete(key)).toBe(reference.delete(key));
      } else {
        expect(map.get(key)).toBe(reference.get(key));
      }
    }
    expect(reference.size).toBeGreaterThan(100);
    const keys = Array.from({ length: 3002 }, (_, k) => k - 2);
    for (let j = 0; j < 64; j++) for (let k = 0; k < 8; k++) keys.push(4096 * j + k);
    expect(keys.map((key) => map.get(key))).toEqual(keys.map((key) => reference.get(key)));
    expect(keys.map((key) => map.slotOf(key))).toEqual(keys.map((key) => reference.get(key) ?? -1));
  });

  it('takes only a power of two as its initial size', () => {
    expect(() => new SlotMap(12)).toThrow(/power of two/);
  });
});

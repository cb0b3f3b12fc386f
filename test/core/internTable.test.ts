import { describe, expect, it } from 'vitest';

import { InternTable, MAX_INTERNED_LENGTH, PairTable } from '../../src/core/internTable.js';
import { Rng } from '../helpers/random.js';

/** The reader's scan hash (FNV-1a over UTF-16 units). */
function scanHash(s: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < s.length; i++) h = Math.imul(h ^ s.charCodeAt(i), 0x01000193);
  return h;
}

/** `table.idOf` for `s` placed inside a longer text, as a reader calls it. */
function idOf(table: InternTable, s: string, hash = scanHash(s)): number {
  const text = `{"${s}":1}`;
  return table.idOf(text, 2, 2 + s.length, hash);
}

describe('InternTable', () => {
  it('gives ids 0, 1, 2, ... in first-seen order, the same id for the same characters, and the string back', () => {
    const t = new InternTable();
    const names = ['a', 'id123', 'b', 'country', 'a long name of more than thirteen characters'];
    const ids = names.map((s) => idOf(t, s));
    expect(ids).toEqual([0, 1, 2, 3, 4]);
    expect(names.map((s) => idOf(t, s))).toEqual(ids);
    expect(ids.map((id) => t.stringOf(id))).toEqual(names);
    expect(t.size).toBe(5);
  });

  it('keeps ids through growth, with every string found again', () => {
    const t = new InternTable();
    const names = Array.from({ length: 5000 }, (_, i) => `n${i * 7919}`);
    for (const [i, s] of names.entries()) expect(idOf(t, s)).toBe(i);
    for (const [i, s] of names.entries()) expect(idOf(t, s)).toBe(i);
    expect(t.size).toBe(5000);
  });

  it('tells strings with equal hashes apart by their characters (collisions)', () => {
    const t = new InternTable();
    const names = ['x', 'y', 'xy', 'yx', '', 'z'];
    // every string with the same hash: one probe chain
    const ids = names.map((s) => idOf(t, s, 12345));
    expect(ids).toEqual([0, 1, 2, 3, 4, 5]);
    expect(names.map((s) => idOf(t, s, 12345))).toEqual(ids);
    expect(ids.map((id) => t.stringOf(id))).toEqual(names);
    // and with a hash whose high bits are set (the reader's scan hash of "" is 0x811c9dc5)
    const u = new InternTable();
    expect(idOf(u, '', 0x811c9dc5)).toBe(0);
    expect(idOf(u, '', 0x811c9dc5)).toBe(0);
    expect(idOf(u, '', 0x811c9dc5 | 0)).toBe(0);
    expect(u.size).toBe(1);
  });

  it('ids as a Map gives them, on fuzzed strings and hashes, for capacities that leave the slots 3 to 31 hash bits', () => {
    const rng = new Rng(31);
    const alphabet = ['a', 'b', 'id', '1', '2', 'é', '名', '😀', '='];
    for (const capacity of [1, 5, 1000, 1 << 20, (1 << 28) - 1, 1 << 28]) {
      // hashes that agree in their low bits (one probe chain) and differ only above the id's bits, or only below
      for (const mask of [-1, 0, 0xff, ~0xffff, 0xf0000000 | 0, 0x7]) {
        const t = new InternTable(capacity);
        const ids = new Map<string, number>();
        for (let k = 0; k < 3000; k++) {
          const s = Array.from({ length: rng.int(5) }, () => alphabet[rng.int(alphabet.length)]).join('');
          const want = ids.get(s) ?? (ids.size < capacity ? ids.size : -1);
          if (want >= 0 && !ids.has(s)) ids.set(s, want);
          expect(idOf(t, s, scanHash(s) & mask), `${capacity} ${mask} ${s}`).toBe(want);
        }
        expect(t.size).toBe(ids.size);
        for (const [s, id] of ids) {
          expect(idOf(t, s, scanHash(s) & mask)).toBe(id);
          expect(t.stringOf(id)).toBe(s);
        }
      }
    }
  });

  it('__proto__, unicode and surrogate pairs are strings like any other', () => {
    const t = new InternTable();
    const names = ['__proto__', 'constructor', 'größe', 'страна', '名前', 'emoji😀', 'e\u0301', 'é'];
    const ids = names.map((s) => idOf(t, s));
    expect(ids).toEqual(names.map((_, i) => i));
    expect(names.map((s) => idOf(t, s))).toEqual(ids);
    expect(ids.map((id) => t.stringOf(id))).toEqual(names);
  });

  it('is bounded: beyond its capacity a new string gets no id (-1), the ones held keep theirs', () => {
    const t = new InternTable(3);
    expect(['a', 'b', 'c'].map((s) => idOf(t, s))).toEqual([0, 1, 2]);
    expect(idOf(t, 'd')).toBe(-1);
    expect(idOf(t, 'e')).toBe(-1);
    expect(idOf(t, 'd')).toBe(-1);
    expect(['c', 'b', 'a'].map((s) => idOf(t, s))).toEqual([2, 1, 0]);
    expect(t.size).toBe(3);
    const none = new InternTable(0);
    expect(idOf(none, 'a')).toBe(-1);
    expect(none.size).toBe(0);
    expect(() => new InternTable(-1)).toThrow(RangeError);
    expect(() => new InternTable(1.5)).toThrow(RangeError);
  });

  it('idOfCodes (a reader holding the text as UTF-16 units) and idOf give one table the same ids', () => {
    const t = new InternTable();
    const names = Array.from({ length: 3000 }, (_, i) => (i % 3 === 0 ? `名前${i}` : `n${i * 7919}`));
    const byCodes = (s: string) => {
      const text = `{"${s}":1}`;
      const codes = Uint16Array.from({ length: text.length + 8 }, (_, i) => text.charCodeAt(i) || 0x61);
      return t.idOfCodes(codes, text, 2, 2 + s.length, scanHash(s));
    };
    // the even ones added through idOf, the odd ones through idOfCodes; then each found by the other
    const ids = names.map((s, i) => (i % 2 === 0 ? idOf(t, s) : byCodes(s)));
    expect(ids).toEqual(names.map((_, i) => i));
    expect(names.map((s, i) => (i % 2 === 0 ? byCodes(s) : idOf(t, s)))).toEqual(ids);
    expect(ids.map((id) => t.stringOf(id))).toEqual(names);
    // a prefix or an extension of a held string is another string
    expect(byCodes('n791')).toBe(3000);
    expect(idOf(t, 'n7919a')).toBe(3001);
  });

  it('does not intern strings longer than MAX_INTERNED_LENGTH', () => {
    const t = new InternTable();
    expect(idOf(t, 'x'.repeat(MAX_INTERNED_LENGTH))).toBe(0);
    expect(idOf(t, 'x'.repeat(MAX_INTERNED_LENGTH + 1))).toBe(-1);
    expect(t.size).toBe(1);
  });

  it('intern: the id idOf gives with the scan hash, masked as the readers mask it, from the text alone', () => {
    for (const mask of [-1, 3, 0]) {
      const a = new InternTable(50);
      const b = new InternTable(50);
      a.hashMask = mask;
      const names = Array.from({ length: 80 }, (_, i) => (i % 3 === 0 ? `n${i % 40}` : `é${i % 7}x`));
      names.push('', 'x'.repeat(MAX_INTERNED_LENGTH + 1), '😀');
      for (const s of names) {
        const text = `{"${s}":1}`;
        expect(a.intern(text, 2, 2 + s.length), s).toBe(idOf(b, s, scanHash(s) & mask));
      }
      expect(a.size).toBe(b.size);
      for (let id = 0; id < a.size; id++) expect(a.stringOf(id)).toBe(b.stringOf(id));
      // in one table: a string interned is found by a reader's lookup, and the other way round
      const held = a.size;
      for (const s of names.filter((s) => s.length <= MAX_INTERNED_LENGTH)) {
        expect(idOf(a, s, scanHash(s) & mask), s).toBe(a.intern(`{"${s}":1}`, 2, 2 + s.length));
        expect(a.intern(`[${s}]`, 1, 1 + s.length), s).toBe(idOf(a, s, scanHash(s) & mask));
      }
      for (const s of ['fresh', 'ü1', 'ab']) {
        const id = a.intern(`"${s}"`, 1, 1 + s.length);
        expect(idOf(a, s, scanHash(s) & mask), s).toBe(id);
      }
      expect(a.size).toBe(Math.min(50, held + 3));
    }
  });
});

describe('PairTable', () => {
  it('gives the same ids with fields in dense arrays, in the table, and moved from one to the other', () => {
    const rng = new Rng(22);
    // (field, value) ids: a few fields with many values (arrays that widen, then spill), many with few
    const lookups: Array<[number, number]> = [];
    for (let i = 0; i < 60_000; i++) {
      const wide = rng.next() < 0.5;
      const field = wide ? rng.int(4) : 4 + rng.int(3000);
      const value = wide ? Math.floor(rng.next() ** 2 * 5000) : rng.int(40);
      lookups.push([field, value]);
    }
    const idsWith = (denseBudget: number, capacity = 1 << 20, hashMask = -1): number[] => {
      const pairs = new PairTable(new InternTable(), capacity, undefined, hashMask, denseBudget);
      return lookups.map(([f, v]) => pairs.idOf(f, v));
    };
    const table = idsWith(0);
    // first-seen order, one id per distinct pair
    const first = new Map<string, number>();
    lookups.forEach(([f, v], i) => {
      if (!first.has(`${f},${v}`)) first.set(`${f},${v}`, first.size);
      expect(table[i]).toBe(first.get(`${f},${v}`));
    });
    for (const budget of [256, 300, 5000, 20_000, 1 << 22]) expect(idsWith(budget)).toEqual(table);
    expect(idsWith(5000, 1 << 20, 0)).toEqual(table);
    // bounded: beyond the capacity, new pairs get -1 and the ones held keep their ids
    const bounded = idsWith(0, 1000);
    expect(idsWith(5000, 1000)).toEqual(bounded);
    expect(bounded.filter((id) => id >= 1000)).toEqual([]);
    expect(bounded.filter((id, i) => id !== (table[i] < 1000 ? table[i] : -1))).toEqual([]);
  });
});

import { readFileSync } from 'node:fs';

import { describe, expect, it } from 'vitest';

import { Murmur3, murmur3 } from '../../src/features/murmur3.js';

const vectors = JSON.parse(
  readFileSync(new URL('../fixtures/features/mmh3.json', import.meta.url), 'utf8'),
) as {
  s: string;
  seed: number;
  h: number;
}[];

describe('murmur3', () => {
  it.each(vectors)('matches Python mmh3 for %j', ({ s, seed, h }) => {
    expect(murmur3(s, seed)).toBe(h);
  });

  it('hashes pieces fed in turn like their concatenation', () => {
    const m = new Murmur3();
    for (const [a, b] of [
      ['country', 'DE'],
      ['x', ''],
      ['Ünï', 'cödé'],
      ['abc', 'defgh'],
    ] as const) {
      expect(m.reset(7).update(a).update('=').update(b).digest()).toBe(murmur3(`${a}=${b}`, 7));
    }
  });

  it('continues a prefix copied with copyFrom like the whole string (ASCII and not)', () => {
    const prefix = new Murmur3();
    const m = new Murmur3();
    for (const field of ['c17', 'Ünï', 'a_rather_long_field_name', '日本', '']) {
      prefix.reset(3).update(field).update('=');
      for (const value of ['788', '', 'cödé', '😀x', 'abcdefghij', '\ud83d'])
        expect(m.copyFrom(prefix).update(value).digest()).toBe(murmur3(`${field}=${value}`, 3));
    }
  });
});

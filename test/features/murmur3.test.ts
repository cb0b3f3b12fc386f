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

  it("from a line's units (updateCodes, feedQuoted, ascii): the hash of the same string", () => {
    const texts = [
      '',
      'a',
      'ab',
      'abc',
      'abcd',
      'abcde',
      'c17=788',
      'cödé',
      '😀x',
      'x\ud83d',
      'ab\ud83dcd',
      'é',
    ];
    for (const field of texts)
      for (const value of texts) {
        const line = ` "${field}":"${value}" `;
        const codes = new Uint16Array(line.length + 1);
        for (let i = 0; i < line.length; i++) codes[i] = line.charCodeAt(i);
        const start = 2;
        const end = start + field.length;
        const prefix = new Murmur3().reset(5).updateCodes(codes, line, start, end);
        expect(prefix.digest()).toBe(murmur3(field, 5));
        prefix.ascii(0x3d);
        const from = end + 3;
        const m = new Murmur3().copyFrom(prefix);
        const quote = m.feedQuoted(codes, from, line.length);
        // ASCII values in one pass; others say so (-1)
        expect(quote).toBe(/^[\x20-\x7f]*$/.test(value) ? from + value.length : -1);
        if (quote >= 0) expect(m.digest()).toBe(murmur3(`${field}=${value}`, 5));
        const n = new Murmur3().copyFrom(prefix).updateCodes(codes, line, from, from + value.length);
        expect(n.digest()).toBe(murmur3(`${field}=${value}`, 5));
      }
  });
});

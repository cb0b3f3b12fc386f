import { readFileSync } from 'node:fs';

import { describe, expect, it } from 'vitest';

import { Murmur3, murmur3 } from '../../src/features/murmur3.js';
import { Rng } from '../helpers/random.js';

const vectors = JSON.parse(
  readFileSync(new URL('../fixtures/features/mmh3.json', import.meta.url), 'utf8'),
) as {
  s: string;
  seed: number;
  h: number;
}[];

/** Textbook MurmurHash3 x86_32 of `bytes`. */
function reference(bytes: Uint8Array, seed: number): number {
  const mix = (k: number): number => {
    k = Math.imul(k, 0xcc9e2d51);
    return Math.imul((k << 15) | (k >>> 17), 0x1b873593);
  };
  let h = seed | 0;
  const tail = bytes.length & ~3;
  for (let i = 0; i < tail; i += 4) {
    h ^= mix(bytes[i] | (bytes[i + 1] << 8) | (bytes[i + 2] << 16) | (bytes[i + 3] << 24));
    h = (h << 13) | (h >>> 19);
    h = (Math.imul(h, 5) + 0xe6546b64) | 0;
  }
  let k = 0;
  for (let i = bytes.length - 1; i >= tail; i--) k = (k << 8) | bytes[i];
  if (bytes.length > tail) h ^= mix(k);
  h ^= bytes.length;
  // fmix32: xor-shift, multiply; twice; xor-shift
  for (const [shift, factor] of [
    [16, 0x85ebca6b],
    [13, 0xc2b2ae35],
    [16, 1],
  ])
    h = Math.imul(h ^ (h >>> shift!), factor!);
  return h >>> 0;
}

/** The reference hash of the pieces' UTF-8 (TextEncoder's: a lone surrogate is U+FFFD) one after another. */
function referenceOf(pieces: string[], seed: number): number {
  const encoded = pieces.map((p) => new TextEncoder().encode(p));
  const bytes = new Uint8Array(encoded.reduce((n, e) => n + e.length, 0));
  let at = 0;
  for (const e of encoded) {
    bytes.set(e, at);
    at += e.length;
  }
  return reference(bytes, seed);
}

/** Random strings: mostly ASCII (quotes, backslashes, controls too), 2- and 3-byte, pairs, lone surrogates. */
function fuzzed(rng: Rng): string {
  const units: number[] = [];
  const n = rng.int(24);
  for (let i = 0; i < n; i++) {
    const r = rng.next();
    if (r < 0.6) units.push(0x20 + rng.int(0x5f));
    else if (r < 0.68) units.push([0x22, 0x5c, 0x0a, 0x00, 0x7f][rng.int(5)]);
    else if (r < 0.76) units.push(0x80 + rng.int(0x780));
    else if (r < 0.84) units.push(0x800 + rng.int(0xd000), 0xe000 + rng.int(0x2000));
    else if (r < 0.92) units.push(0xd800 + rng.int(0x400), 0xdc00 + rng.int(0x400));
    else units.push(0xd800 + rng.int(0x800));
  }
  return String.fromCharCode(...units);
}

describe('murmur3', () => {
  it('matches a byte-level reference on fuzzed strings, whichever way they are fed', () => {
    const rng = new Rng(11);
    const m = new Murmur3();
    for (let t = 0; t < 4000; t++) {
      const s = fuzzed(rng);
      const seed = rng.int(2 ** 32);
      expect(murmur3(s, seed)).toBe(referenceOf([s], seed));
      // two pieces, cut anywhere (inside a surrogate pair too: two lone surrogates then)
      const cut = rng.int(s.length + 1);
      const pieces = [s.slice(0, cut), s.slice(cut)];
      const h = referenceOf(pieces, seed);
      expect(m.reset(seed).update(pieces[0]).update(pieces[1]).digest()).toBe(h);
      // from a line's units, at an offset, in the same two pieces
      const line = `{"${s}"}`;
      const codes = new Uint16Array(line.length + 1);
      for (let i = 0; i < line.length; i++) codes[i] = line.charCodeAt(i);
      m.reset(seed).updateCodes(codes, line, 2, 2 + cut);
      expect(m.updateCodes(codes, line, 2 + cut, 2 + s.length).digest()).toBe(h);
      // one ASCII character at a time where there are some
      const ascii = Array.from(pieces[0], (ch) => (ch.charCodeAt(0) < 0x80 ? ch : '')).join('');
      m.reset(seed);
      for (let i = 0; i < ascii.length; i++) m.ascii(ascii.charCodeAt(i));
      expect(m.update(pieces[1]).digest()).toBe(referenceOf([ascii, pieces[1]], seed));
      // scanning the quoted string: to its closing quote, or -1 at the first unit it does not take
      const rest = pieces[1];
      const stop = rest.search(/[^\x20-\x21\x23-\x5b\x5d-\x7f]/);
      const quote = m
        .reset(seed)
        .update(pieces[0])
        .feedQuoted(codes, 2 + cut, line.length);
      const end = stop < 0 ? rest.length : stop;
      expect(quote).toBe(stop < 0 || rest[stop] === '"' ? 2 + cut + end : -1);
      if (quote >= 0) expect(m.digest()).toBe(referenceOf([pieces[0], rest.slice(0, end)], seed));
    }
  });

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

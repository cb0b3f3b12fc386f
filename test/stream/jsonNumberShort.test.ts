import { describe, expect, it } from 'vitest';

import { JsonEventReader } from '../../src/stream/jsonEventReader.js';
import { jsonDecoder } from '../../src/stream/decodeEvents.js';
import { errorOf } from '../helpers/decode.js';
import { Rng } from '../helpers/random.js';

/**
 * The reader's numbers where its ways meet: the first 15 significant digits read into one double m
 * (integer and fraction, leading zeros too), the rest after them into `digitRun`, and m / 10^k as
 * one division while the digits are below 2^53 and k ≤ 22: `JSON.parse`'s double every time, and
 * invalid forms still refused.
 */

/** `text` as the value of a feature `a`, then of `b` after it (the number ends at `,` and at `}`). */
function line(text: string): string {
  return `{"label":1,"features":{"a":${text},"b":${text}}}`;
}

/** Every text read by `read` (JSONL) and by `readEventAt` (one batch): `JSON.parse`'s doubles, bit for bit. */
function expectAsJsonParse(texts: readonly string[]): void {
  const reader = new JsonEventReader();
  const lines = texts.map(line);
  const check = (text: string, got: Record<string, unknown> | null): void => {
    const expected = JSON.parse(text) as number;
    if (!Number.isFinite(expected)) {
      expect(got, text).toBeNull();
      return;
    }
    expect(got, text).not.toBeNull();
    expect(Object.is(got!.a, expected) && Object.is(got!.b, expected), `${text}: ${String(got!.a)}`).toBe(
      true,
    );
  };
  lines.forEach((l, i) => check(texts[i], reader.read(l, 'binomial')?.features ?? null));
  const parts = lines.map((l) => Buffer.from(l));
  const bytes = Buffer.concat(parts);
  let start = 0;
  parts.forEach((part, i) => {
    const event = reader.readEventAt(bytes, start, start + part.length, 'binomial');
    check(texts[i], event?.features ?? null);
    start += part.length;
  });
}

/** `digits` with a point put after each of its positions (and none), a sign or not. */
function everyPoint(digits: string): string[] {
  const texts = [digits, `-${digits}`];
  for (let p = 1; p < digits.length; p++) {
    const text = `${digits.slice(0, p)}.${digits.slice(p)}`;
    texts.push(text, `-${text}`);
  }
  return texts;
}

describe('JsonEventReader: numbers at the edges of the 15-digit loop and of the one-division way', () => {
  it('mantissas around 2^53 (exact below, rounded above), with the point anywhere', () => {
    const texts: string[] = [];
    for (let d = -60n; d <= 60n; d++) {
      const m = String((1n << 53n) + d);
      texts.push(...everyPoint(m), `0.${m}`, `-0.000${m}`);
    }
    // 16 digits just below and above 2^53 scaled by ten, and a 17th digit
    for (const m of ['9007199254740991', '9007199254740992', '9007199254740993', '90071992547409921']) {
      texts.push(...everyPoint(m), ...everyPoint(`${m}0`), ...everyPoint(`${m}5`));
    }
    expectAsJsonParse(texts);
  });

  it('fraction digits around 22 (the largest exact power of ten), leading zeros counted', () => {
    const texts: string[] = [];
    for (let k = 15; k <= 26; k++) {
      for (const digits of ['1', '7', '5', '123', '9007199254740991', '9007199254740993']) {
        if (digits.length > k) continue;
        const fraction = digits.padStart(k, '0');
        texts.push(`0.${fraction}`, `-0.${fraction}`, `1.${fraction}`, `12.${fraction}`);
        texts.push(`0.${digits.padEnd(k, '0')}`, `3.${digits.padEnd(k, '0')}`);
      }
    }
    expectAsJsonParse(texts);
  });

  it('short forms as the streams have them, and random forms of 1-18 digits with every point (fuzz)', () => {
    const rng = new Rng(33);
    const texts = ['0', '-0', '0.0', '-0.0', '0.000', '-0.000', '1', '-1', '10', '0.5', '-0.937', '3.125'];
    texts.push('0.349', '0.001', '-0.008', '1700000000000', '9.999', '99999999', '0.30000000000000004');
    for (let i = 0; i < 20_000; i++) {
      const n = 1 + rng.int(18);
      let digits = String(1 + rng.int(9));
      while (digits.length < n) digits += String(rng.int(10));
      const p = rng.int(n + 1);
      const zeros = '0'.repeat(rng.int(4));
      const sign = rng.next() < 0.5 ? '-' : '';
      if (p === 0) texts.push(`${sign}0.${zeros}${digits}`);
      else if (p === n) texts.push(`${sign}${digits}`, `${sign}${digits}.${zeros}0`);
      else texts.push(`${sign}${digits.slice(0, p)}.${digits.slice(p)}`);
      // the shortest form of a random double of about this size
      const x = (rng.next() - 0.5) * 10 ** (rng.int(12) - 4);
      texts.push(String(x), x.toFixed(rng.int(8)));
    }
    expectAsJsonParse(texts.filter((t) => !t.includes('e')));
  });

  it('14-20 significant digits with the point anywhere, leading zeros and exponents (where the 15 end)', () => {
    const rng = new Rng(15);
    const texts: string[] = [];
    for (let n = 14; n <= 20; n++) {
      for (let i = 0; i < 40; i++) {
        let digits = String(1 + rng.int(9));
        while (digits.length < n) digits += String(rng.int(10));
        if (i === 0) digits = '9'.repeat(n);
        if (i === 1) digits = `1${'0'.repeat(n - 1)}`;
        for (const text of everyPoint(digits)) {
          texts.push(text, `${text}e-5`, `${text}E+3`, `${text}e-300`);
        }
        texts.push(`0.${digits}`, `0.000${digits}`, `-0.0${digits}e2`);
      }
    }
    expectAsJsonParse(texts);
  });

  it('forms it must leave: an exponent, a digit after a leading 0, a point without digits, a second point', () => {
    const reader = new JsonEventReader();
    // read by the general way: the same doubles as JSON.parse
    expectAsJsonParse([
      '1e5',
      '1E5',
      '-0.5e-3',
      '12.5E+2',
      '0e0',
      '3.125e22',
      '1e23',
      '0.0000000000000000000000001',
    ]);
    const invalid = [
      '01',
      '-01',
      '00',
      '1.',
      '-0.',
      '1.e5',
      '1.5.2',
      '0.5.',
      '1e',
      '0.5e',
      '12.',
      '123456789.',
    ];
    for (const text of invalid) {
      const l = line(text);
      expect(reader.read(l, 'binomial'), l).toBeNull();
      const reason = errorOf(() => jsonDecoder(l));
      expect(reason, l).not.toBe('');
      expect(
        errorOf(() => reader.decodeEvent(l, 'binomial')),
        l,
      ).toBe(reason);
    }
  });

  it('one digit alone (its short way), before every character a number may meet, and forms it must leave', () => {
    const reader = new JsonEventReader();
    const texts: string[] = [];
    for (let d = 0; d <= 9; d++) texts.push(String(d), `-${d}`, `${d}.5`, `${d}e1`, `${d}E-1`, `-${d}.0`);
    // -0 stays −0, as JSON.parse makes it
    expectAsJsonParse(texts);
    // a digit as the last thing of a record, and with spaces after it
    const tails = [
      '{"label":1,"features":{"a":7}}',
      '{"label":1,"features":{"a":-0 ,"b":3\t}}',
      '{"features":{"a":1},"label":0}',
    ];
    for (const l of tails) expect(reader.read(l, 'binomial')?.features).toEqual(JSON.parse(l).features);
    expect(Object.is(reader.read(tails[1], 'binomial')?.features.a, -0)).toBe(true);
    // a digit then something no number has: refused, with JSON.parse's reason
    for (const text of ['1x', '1-', '-1a', '2"', '3:', '0x1', '1 2']) {
      const l = line(text);
      expect(reader.read(l, 'binomial'), l).toBeNull();
      expect(
        errorOf(() => reader.decodeEvent(l, 'binomial')),
        l,
      ).toBe(errorOf(() => jsonDecoder(l)));
    }
  });
});

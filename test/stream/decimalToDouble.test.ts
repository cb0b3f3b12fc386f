import { describe, expect, it } from 'vitest';

import { validateEvent } from '../../src/core/event.js';
import { eiselLemire, MAX_POWER, MIN_POWER } from '../../src/stream/decimalToDouble.js';
import { jsonDecoder } from '../../src/stream/decodeEvents.js';
import { JsonEventReader } from '../../src/stream/jsonEventReader.js';
import { errorOf } from '../helpers/decode.js';
import { Rng } from '../helpers/random.js';

/** `eiselLemire` of the digits `digits` (no sign, no dot, at most 19) times 10^q. */
function convert(digits: string, q: number): number {
  const w = BigInt(digits);
  return eiselLemire(Number(w >> 32n), Number(w & 0xffffffffn), q);
}

/** Bit for bit (-0 and NaN told apart). */
function same(a: number, b: number): boolean {
  return Object.is(a, b);
}

/** The number `text` read by a `JsonEventReader` as a feature's value (null: not read itself). */
function readByReader(reader: JsonEventReader, text: string): number | null {
  const event = reader.read(`{"features":{"a":${text}}}`, 'gaussian');
  if (event === null) return null;
  return event.features.a as number;
}

describe('eiselLemire: the double Number() gives, bit for bit', () => {
  it('on random doubles printed by JS (up to 17 digits, all exponents)', () => {
    const rng = new Rng(22);
    const bits = new Float64Array(1);
    const words = new Uint32Array(bits.buffer);
    let checked = 0;
    for (let i = 0; i < 200_000; i++) {
      words[0] = Math.floor(rng.next() * 2 ** 32);
      words[1] = Math.floor(rng.next() * 2 ** 32);
      const x = Math.abs(bits[0]);
      if (!Number.isFinite(x) || x === 0) continue;
      const [mantissa, exponent] = x.toExponential().split('e');
      const digits = mantissa.replace('.', '');
      const q = Number(exponent) - (digits.length - 1);
      const v = convert(digits, q);
      // undecided (NaN) is allowed, never a wrong double
      if (v === v) expect(same(v, x), `${digits}e${q}`).toBe(true);
      checked++;
    }
    expect(checked).toBeGreaterThan(190_000);
  });

  it('on random 16-19 digit mantissas at every power of ten, halfway cases and their neighbours', () => {
    const rng = new Rng(7);
    for (let i = 0; i < 100_000; i++) {
      const n = 16 + (i % 4);
      let digits = String(1 + Math.floor(rng.next() * 9));
      while (digits.length < n) digits += String(Math.floor(rng.next() * 10));
      if (BigInt(digits) >= 1n << 64n) continue;
      const q = MIN_POWER + Math.floor(rng.next() * (MAX_POWER - MIN_POWER + 1));
      const v = convert(digits, q);
      const expected = Number(`${digits}e${q}`);
      if (v === v) expect(same(v, expected), `${digits}e${q}`).toBe(true);
    }
    // exact halfway points between doubles (m + 1/2) · 2^e, written in decimal, and one unit off
    for (let i = 0; i < 20_000; i++) {
      const m = BigInt(2 ** 52 + Math.floor(rng.next() * 2 ** 52)) * 2n + 1n; // odd: a tie at 2^(e-1)
      const e = -Math.floor(rng.next() * 8); // m · 2^e with e <= 0: digits m·5^-e, q = e
      const digits = m * 5n ** BigInt(-e);
      if (digits >= 1n << 64n) continue;
      for (const d of [digits - 1n, digits, digits + 1n]) {
        const text = `${d}e${e}`;
        expect(same(convert(String(d), e), Number(text)), text).toBe(true);
      }
    }
    // ties above 1: d · 10^q = k · 5^q · 2^(t+q) with k · 5^q odd and of 54 bits
    for (let q = 1; q <= 23; q++) {
      const p5 = 5n ** BigInt(q);
      const low = ((1n << 53n) + p5 - 1n) / p5;
      const high = (1n << 54n) / p5;
      for (let i = 0; i < 200 && high > low; i++) {
        let k = low + BigInt(Math.floor(rng.next() * Number(high - low)));
        if (k % 2n === 0n) k += 1n;
        if (k * p5 >= 1n << 54n) continue;
        for (let t = 0n; k << t < 1n << 64n; t += 3n) {
          const digits = k << t;
          for (const d of [digits - 1n, digits, digits + 1n]) {
            if (d >= 1n << 64n) continue;
            const text = `${d}e${q}`;
            expect(same(convert(String(d), q), Number(text)), text).toBe(true);
          }
        }
      }
    }
  });

  it('at the ends: subnormals, the smallest and largest doubles, overflow and underflow', () => {
    const cases: Array<[string, number]> = [
      ['5', -324],
      ['2', -324],
      ['3', -324],
      ['24703282292062327', -340],
      ['24703282292062328', -340],
      ['49406564584124654', -340],
      ['22250738585072011', -324],
      ['22250738585072014', -324],
      ['22250738585072013', -324],
      ['17976931348623157', 292],
      ['17976931348623158', 292],
      ['17976931348623159', 292],
      ['18446744073709551615', 0],
      ['18446744073709551615', -342],
      ['18446744073709551615', 308],
      ['9007199254740993', 0],
      ['9007199254740995', 0],
      ['1', 23],
      ['1', -23],
      ['1', MIN_POWER],
      ['1', MAX_POWER],
      ['1', 0],
    ];
    for (const [digits, q] of cases) {
      const v = convert(digits, q);
      expect(v === v && same(v, Number(`${digits}e${q}`)), `${digits}e${q}`).toBe(true);
    }
  });
});

describe('JsonEventReader: numbers as JSON.parse reads them, without Number() up to 19 digits', () => {
  it('random doubles, 16-19 digit forms, signs, -0, exponents near the limits', () => {
    const rng = new Rng(5);
    const reader = new JsonEventReader();
    const bits = new Float64Array(1);
    const words = new Uint32Array(bits.buffer);
    const texts: string[] = ['-0', '0', '-0.0', '0e400', '-0e-400', '1e308', '1e309', '-1e309', '1e-400'];
    texts.push('4.9e-324', '2.4703282292062328e-324', '2.4703282292062327e-324', '1.7976931348623159e308');
    texts.push(
      '0.1234567890123456789',
      '12345678901234567890',
      '123456789012345678901',
      '1.00000000000000000000',
    );
    for (let i = 0; i < 50_000; i++) {
      words[0] = Math.floor(rng.next() * 2 ** 32);
      words[1] = Math.floor(rng.next() * 2 ** 32);
      if (!Number.isFinite(bits[0])) continue;
      const x = bits[0];
      texts.push(String(x), x.toExponential(), x.toExponential(18).replace('e', 'E'));
      const digits = 16 + (i % 4);
      let m = String(1 + Math.floor(rng.next() * 9));
      while (m.length < digits) m += String(Math.floor(rng.next() * 10));
      const point = Math.floor(rng.next() * (digits - 1));
      const e = Math.floor(rng.next() * 700) - 350;
      texts.push(`${m.slice(0, point + 1)}.${m.slice(point + 1)}e${e}`, `-0.${'0'.repeat(i % 5)}${m}`);
    }
    for (const text of texts) {
      const expected = JSON.parse(text) as number;
      const got = readByReader(reader, text);
      if (!Number.isFinite(expected)) expect(got, text).toBeNull();
      else expect(got !== null && same(got, expected), text).toBe(true);
    }
  });

  /** Random digits, `n` of them, the first not 0 when `lead`. */
  function randomDigits(rng: Rng, n: number, lead: boolean): string {
    let d = lead ? String(1 + rng.int(9)) : String(rng.int(10));
    while (d.length < n) d += String(rng.int(10));
    return d;
  }

  /** A random JSON number: sign, 1-25 digits before and after the point, leading zeros, exponents of all forms. */
  function randomNumber(rng: Rng): string {
    let text = rng.next() < 0.5 ? '-' : '';
    const r = rng.next();
    // 0, or 1-25 digits; then a fraction of 1-25 digits (some with leading zeros) or none
    text += r < 0.25 ? '0' : randomDigits(rng, 1 + rng.int(25), true);
    if (rng.next() < 0.6)
      text += `.${'0'.repeat(rng.next() < 0.3 ? rng.int(12) : 0)}${randomDigits(rng, 1 + rng.int(25), false)}`;
    if (rng.next() < 0.5) {
      const e = rng.next() < 0.7 ? rng.int(30) : rng.int(400);
      const sign = ['', '+', '-'][rng.int(3)];
      text += `${rng.next() < 0.5 ? 'e' : 'E'}${sign}${'0'.repeat(rng.int(3))}${e}`;
    }
    return text;
  }

  /** Halfway points between neighbouring doubles of 17-19 digits (as 9007199254740993), one unit off, and with a point. */
  function halfwayCases(rng: Rng): string[] {
    const texts: string[] = [];
    for (let bits = 53; bits <= 63; bits++) {
      const spacing = 1n << BigInt(bits - 52);
      for (let i = 0; i < 40; i++) {
        const k = BigInt(Math.floor(rng.next() * 2 ** 52));
        const half = (1n << BigInt(bits)) + k * spacing + spacing / 2n;
        for (const d of [half - 1n, half, half + 1n]) {
          const digits = String(d);
          const point = 1 + rng.int(digits.length - 1);
          texts.push(
            digits,
            `${digits.slice(0, point)}.${digits.slice(point)}`,
            `${digits}e-${20 + rng.int(10)}`,
          );
        }
      }
    }
    return texts;
  }

  it('bit for bit as JSON.parse on random numbers of 1-25 digits and at the edges (fuzz)', () => {
    const rng = new Rng(31);
    const reader = new JsonEventReader();
    const texts: string[] = [
      '0',
      '-0',
      '0.0',
      '-0.0',
      '-0e0',
      '-0E+5',
      '0e-400',
      '-0.000e999',
      '0.1',
      '0.2',
      '0.3',
      '-0.1',
      '1.1',
      '2.675',
      '1e22',
      '1e23',
      '9.999999999999999e22',
      '123456789012345e22',
      '123456789012345e-22',
      '999999999999999',
      '9999999999999999',
      '99999999999999999',
      '9999999999999999999',
      '1e308',
      '1.7976931348623157e308',
      '1.7976931348623158e308',
      '1.7976931348623159e308',
      '1e309',
      '-1e309',
      '1e-324',
      '2e-324',
      '2.4703282292062328e-324',
      '3e-324',
      '5e-324',
      '4.9406564584124654e-324',
      '1e-323',
      '2.225073858507201e-308',
      '2.2250738585072011e-308',
      '2.2250738585072014e-308',
      '9007199254740991',
      '9007199254740992',
      '9007199254740993',
      '9007199254740995',
      '-9007199254740993',
      '9007199254740993.0',
      '900719925474099.3e1',
      '9.007199254740993e15',
      '18014398509481985',
      '4294967295',
      '4294967296',
      '4294967297.5',
      '18446744073709551615',
      '18446744073709551616',
      '0.000000000000000000001234',
      '1234567890123456789e-19',
      '12345678901234567890e-20',
      '0.1234567890123456789',
      '123456789012345678901',
      '1.00000000000000000000',
      '1E0',
      '1e-0',
      '1e+0',
    ];
    texts.push(...halfwayCases(rng));
    const bits = new Float64Array(1);
    const words = new Uint32Array(bits.buffer);
    for (let i = 0; i < 100_000; i++) {
      texts.push(randomNumber(rng));
      // subnormals and other random doubles, shortest and longest forms
      words[0] = Math.floor(rng.next() * 2 ** 32);
      words[1] = i % 4 === 0 ? rng.int(0x10_0000) : Math.floor(rng.next() * 2 ** 32);
      if (Number.isFinite(bits[0])) texts.push(String(bits[0]), bits[0].toPrecision(1 + rng.int(21)));
    }
    for (const text of texts) {
      const expected = JSON.parse(text) as number;
      const got = readByReader(reader, text);
      if (!Number.isFinite(expected)) expect(got, text).toBeNull();
      else expect(got !== null && same(got, expected), text).toBe(true);
    }
    // the same numbers as the top-level ts
    for (const text of texts.slice(0, 5000)) {
      const line = `{"ts":${text},"features":{"a":1}}`;
      const expected = validateEvent(JSON.parse(line), 'gaussian');
      const event = reader.read(line, 'gaussian');
      if (!expected.ok) expect(event, text).toBeNull();
      else expect(event !== null && same(event.ts!, expected.event.ts!), text).toBe(true);
    }
  });

  it('invalid numbers are left to JSON.parse, which gives the same error as without the reader', () => {
    const reader = new JsonEventReader();
    const invalid = [
      '01',
      '-01',
      '00',
      '1.',
      '0.',
      '-.5',
      '.5',
      '+1',
      '1e',
      '1E+',
      '1e-',
      '-',
      '--1',
      '1.e5',
    ];
    invalid.push('0x10', '1_0', 'NaN', 'Infinity', '-Infinity', '1.5.2', '1e5.5', '\u0661', '١.5');
    for (const text of invalid) {
      for (const line of [
        `{"features":{"a":${text}}}`,
        `{"ts":${text},"features":{"a":1}}`,
        `{"key":${text},"features":{"a":1}}`,
      ]) {
        expect(reader.read(line, 'gaussian'), line).toBeNull();
        const reason = errorOf(() => jsonDecoder(line));
        expect(reason, line).not.toBe('');
        expect(
          errorOf(() => reader.decodeEvent(line, 'gaussian')),
          line,
        ).toBe(reason);
      }
    }
  });
});

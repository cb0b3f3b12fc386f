import { describe, expect, it } from 'vitest';

import { StateError } from '../../src/core/errors.js';
import { SparseBuffer } from '../../src/core/sparse.js';
import { Ftrl } from '../../src/learn/ftrl.js';
import type { LearnerState } from '../../src/learn/learner.js';
import { crc32, crc32Table, decodeState, encodeState, STATE_FORMAT } from '../../src/model/stateCodec.js';

const sample = () => ({
  format: 2,
  weights: Float64Array.from([1.5, -0, NaN, Infinity, -Infinity, 5e-324]),
  indices: Int32Array.from([0, -1, 2 ** 31 - 1]),
  flags: Uint8Array.from([1, 0, 1]),
  names: new Map<string, number>([
    ['__proto__', 1],
    ['constructor', 2],
    ['toString', 3],
  ]),
  sources: new Map([['online', { n: 1, set: new Set(['a', 'b']) }]]),
  nested: { deep: [{ x: new Float64Array(3).fill(0.1) }, null] },
  quiet: -Infinity,
});

function errorOf(f: () => unknown): StateError {
  try {
    f();
  } catch (e) {
    expect(e).toBeInstanceOf(StateError);
    return e as StateError;
  }
  throw new Error('expected a StateError');
}

describe('state codec', () => {
  it('round-trips nested typed arrays, Maps, Sets and non-finite numbers exactly', () => {
    const value = sample();
    const back = decodeState(encodeState(value)) as ReturnType<typeof sample>;
    expect(back).toEqual(value);
    expect(back.weights).toBeInstanceOf(Float64Array);
    expect(Object.is(back.weights[1], -0)).toBe(true);
    expect(back.indices).toBeInstanceOf(Int32Array);
    expect(back.names).toBeInstanceOf(Map);
    expect([...back.names.keys()]).toEqual(['__proto__', 'constructor', 'toString']);
    expect(back.quiet).toBe(-Infinity);
  });

  it('plain objects keep own keys __proto__, constructor and toString as data (names still live in Maps)', () => {
    const value = Object.fromEntries([
      ['__proto__', 1],
      ['constructor', 2],
      ['toString', 3],
    ]) as Record<string, number>;
    const back = decodeState(encodeState(value)) as Record<string, number>;
    expect(Object.keys(back)).toEqual(['__proto__', 'constructor', 'toString']);
    expect(Object.getOwnPropertyDescriptor(back, '__proto__')?.value).toBe(1);
    expect(Object.getPrototypeOf(back)).toBe(Object.prototype);
    expect(back.toString).toBe(3);
  });

  it('a typed array view encodes only its own elements', () => {
    const big = new Float64Array(1 << 16);
    const bytes = encodeState({ a: big.subarray(0, 4) });
    expect(bytes.length).toBeLessThan(200);
  });

  it('truncated bytes name how many of how many bytes arrived', () => {
    const bytes = encodeState(sample());
    const e = errorOf(() => decodeState(bytes.subarray(0, bytes.length - 7)));
    expect(e.message).toBe(
      `checkpoint truncated: ${(bytes.length - 7).toLocaleString('en-US')} of ${bytes.length.toLocaleString('en-US')} bytes`,
    );
    expect(errorOf(() => decodeState(bytes.subarray(0, 10))).message).toMatch(
      /checkpoint truncated: 10 of at least 20 bytes/,
    );
    const big = encodeState(new Float64Array(512));
    expect(errorOf(() => decodeState(big.subarray(0, 1024))).message).toBe(
      `checkpoint truncated: 1,024 of ${big.length.toLocaleString('en-US')} bytes`,
    );
  });

  it('extra bytes after the payload are refused', () => {
    const bytes = encodeState(sample());
    const longer = new Uint8Array(bytes.length + 3);
    longer.set(bytes);
    expect(errorOf(() => decodeState(longer)).message).toMatch(/3 unexpected bytes after/);
  });

  it('every single flipped bit of the payload gives a checksum mismatch', () => {
    const bytes = encodeState({ w: Float64Array.from([1, 2, 3]), name: 'x' });
    for (let i = 20; i < bytes.length; i++) {
      for (let bit = 0; bit < 8; bit++) {
        const bad = bytes.slice();
        bad[i] ^= 1 << bit;
        expect(errorOf(() => decodeState(bad)).message).toMatch(/^checkpoint checksum mismatch/);
      }
    }
    const bad = bytes.slice();
    bad[16] ^= 0x80; // the stored checksum itself
    expect(errorOf(() => decodeState(bad)).message).toMatch(/checksum mismatch/);
  });

  it('wrong magic bytes (JSON, empty input) are not an l1stream checkpoint', () => {
    const json = new TextEncoder().encode(JSON.stringify({ format: 1 }));
    expect(errorOf(() => decodeState(json)).message).toMatch(/^not an l1stream checkpoint/);
    expect(errorOf(() => decodeState(new Uint8Array(0))).message).toMatch(/^not an l1stream checkpoint/);
  });

  it('a newer format is refused with both versions named', () => {
    const bytes = encodeState(sample());
    new DataView(bytes.buffer, bytes.byteOffset).setUint16(4, 7);
    expect(errorOf(() => decodeState(bytes)).message).toMatch(
      new RegExp(`^checkpoint format 7 is newer than this l1stream \\(${STATE_FORMAT}\\)`),
    );
  });

  it('values V8 cannot clone (functions) give a StateError', () => {
    expect(errorOf(() => encodeState({ f: () => 1 })).message).toMatch(/cannot be encoded/);
  });

  it('the table CRC-32 agrees with zlib', () => {
    const bytes = encodeState(sample());
    expect(crc32Table(bytes)).toBe(crc32(bytes));
    expect(crc32Table(new TextEncoder().encode('123456789'))).toBe(0xcbf43926);
  });

  it('an FTRL state of 2^20 touched columns encodes to its raw 16 MB plus a small overhead', () => {
    const columns = 1 << 20;
    const ftrl = new Ftrl({ family: 'binomial', lambda: 1e-4 });
    const x = new SparseBuffer(64);
    for (let e = 0; e < columns / 64; e++) {
      x.clear();
      for (let k = 0; k < 64; k++) x.push(e * 64 + k, ((k % 7) - 3) / 3 || 0.5);
      ftrl.learnOne(x, e % 3 === 0 ? 1 : 0);
    }
    const state = ftrl.state();
    expect(state.dimension).toBe(columns);
    const raw = Object.values(state.arrays).reduce((n, a) => n + a.byteLength, 0);
    expect(raw).toBe(16 * columns);
    const bytes = encodeState(state);
    expect(bytes.length).toBeGreaterThan(raw);
    expect(bytes.length).toBeLessThan(1.1 * raw);
    const back = decodeState(bytes) as LearnerState;
    const restored = new Ftrl({ family: 'binomial', lambda: 1e-4 });
    restored.restore(back);
    for (const j of [0, 1, 12345, columns - 1]) expect(restored.coefficient(j)).toBe(ftrl.coefficient(j));
  });
});

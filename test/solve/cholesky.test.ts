import { describe, expect, it } from 'vitest';

import { choleskyDelete, choleskyFactor, choleskySolve } from '../../src/solve/cholesky.js';
import { Rng } from '../helpers/random.js';

describe('Cholesky factor and solve', () => {
  it('solves a known 3×3 system exactly', () => {
    // A = [[4, 12, −16], [12, 37, −43], [−16, −43, 98]] = L Lᵀ with L = [[2,0,0],[6,1,0],[−8,5,3]]
    const a = Float64Array.from([4, 12, -16, 12, 37, -43, -16, -43, 98]);
    expect(choleskyFactor(a, 3)).toBe(true);
    expect([a[0], a[3], a[4], a[6], a[7], a[8]]).toEqual([2, 6, 1, -8, 5, 3]);
    // A x = b for x = (1, −2, 0.5)
    const b = Float64Array.from([4 - 24 - 8, 12 - 74 - 21.5, -16 + 86 + 49]);
    choleskySolve(a, 3, b);
    expect(Array.from(b, (v) => Math.round(v * 1e12) / 1e12)).toEqual([1, -2, 0.5]);
  });

  it('solves random SPD systems to rounding (residual of A x − b)', () => {
    const rng = new Rng(5);
    for (const s of [1, 7, 40]) {
      const m = Float64Array.from({ length: s * s }, () => rng.normal());
      const a = new Float64Array(s * s);
      for (let i = 0; i < s; i++)
        for (let j = 0; j < s; j++) {
          let v = i === j ? 0.1 : 0;
          for (let k = 0; k < s; k++) v += m[i * s + k]! * m[j * s + k]!;
          a[i * s + j] = v;
        }
      const x = Float64Array.from({ length: s }, () => rng.normal());
      const b = new Float64Array(s);
      for (let i = 0; i < s; i++) for (let j = 0; j < s; j++) b[i]! += a[i * s + j]! * x[j]!;
      const l = a.slice();
      expect(choleskyFactor(l, s)).toBe(true);
      const sol = b.slice();
      choleskySolve(l, s, sol);
      for (let i = 0; i < s; i++)
        expect(Math.abs(sol[i]! - x[i]!)).toBeLessThan(1e-8 * (1 + Math.abs(x[i]!)));
    }
  });

  it('reports singular and indefinite matrices instead of dividing by zero', () => {
    // two equal columns: rank 1
    expect(choleskyFactor(Float64Array.from([1, 1, 1, 1]), 2)).toBe(false);
    expect(choleskyFactor(Float64Array.from([1, 2, 2, 1]), 2)).toBe(false);
    expect(choleskyFactor(Float64Array.from([0]), 1)).toBe(false);
  });

  it('deleting a row and column of a factor equals factoring the reduced matrix', () => {
    const rng = new Rng(11);
    for (const [s, stride] of [
      [1, 1],
      [2, 3],
      [9, 9],
      [30, 37],
    ] as const) {
      const m = Float64Array.from({ length: s * s }, () => rng.normal());
      const a = new Float64Array(s * s);
      for (let i = 0; i < s; i++)
        for (let j = 0; j < s; j++) {
          let v = i === j ? 0.5 : 0;
          for (let k = 0; k < s; k++) v += m[i * s + k]! * m[j * s + k]!;
          a[i * s + j] = v;
        }
      for (const r of new Set([0, Math.floor(s / 2), s - 1])) {
        const l = new Float64Array(s * stride);
        for (let i = 0; i < s; i++) for (let j = 0; j < s; j++) l[i * stride + j] = a[i * s + j]!;
        expect(choleskyFactor(l, s, stride)).toBe(true);
        choleskyDelete(l, s, r, new Float64Array(s), stride);
        // the reference: the matrix without row and column r, factored from scratch
        const keep = Array.from({ length: s }, (_, i) => i).filter((i) => i !== r);
        const ref = new Float64Array((s - 1) * (s - 1));
        keep.forEach((i, a2) => keep.forEach((j, b2) => (ref[a2 * (s - 1) + b2] = a[i * s + j]!)));
        expect(choleskyFactor(ref, s - 1)).toBe(true);
        for (let i = 0; i < s - 1; i++)
          for (let j = 0; j <= i; j++)
            expect(Math.abs(l[i * stride + j]! - ref[i * (s - 1) + j]!)).toBeLessThan(
              1e-12 * (1 + Math.abs(ref[i * (s - 1) + j]!)),
            );
      }
    }
  });
});

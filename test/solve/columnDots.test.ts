import { readFileSync } from 'node:fs';
import { join } from 'node:path';

import { describe, expect, it } from 'vitest';

import { DenseDesign, SparseDesign } from '../../src/solve/design.js';
import { WasmColumnDots } from '../../src/solve/kernels/columnDots.js';
import { COLUMN_DOTS_WASM } from '../../src/solve/kernels/columnDotsWasm.js';
import { WasmSparseColumns } from '../../src/solve/kernels/sparseColumns.js';
import { Rng } from '../helpers/random.js';

const root = join(import.meta.dirname, '..', '..');

function design(n: number, p: number, seed: number): DenseDesign {
  const rng = new Rng(seed);
  return new DenseDesign(
    n,
    p,
    Float64Array.from({ length: n * p }, () => rng.normal()),
  );
}

/** An n×p sparse design: entry (i, j) stored with probability `density(j)`, its value `value()`. */
function sparseDesign(
  rng: Rng,
  n: number,
  p: number,
  density: (j: number) => number,
  value: () => number,
): SparseDesign {
  const r: number[] = [];
  const c: number[] = [];
  const v: number[] = [];
  for (let j = 0; j < p; j++)
    for (let i = 0; i < n; i++)
      if (rng.next() < density(j)) {
        r.push(i);
        c.push(j);
        v.push(value());
      }
  return SparseDesign.fromTriplets(n, p, r, c, v);
}

/** |a − b| relative to the sum of the absolute products (the rounding scale of a dot product). */
function expectClose(a: number, b: number, scale: number): void {
  expect(Math.abs(a - b)).toBeLessThanOrEqual(1e-13 * scale);
}

describe('centred, weighted columns made in WebAssembly (the binomial Hessian)', () => {
  it.each([7, 8])(
    'give the products dotMany2 gives with the columns made in JavaScript, bit for bit (n = %i)',
    (n) => {
      const x = design(n, 6, 3);
      const wasm = WasmColumnDots.create(x)!;
      expect(wasm).not.toBeNull();
      const rng = new Rng(5);
      const w = Float64Array.from({ length: n }, () => rng.next());
      const cols = Int32Array.from([0, 2, 3, 5, 1]);
      const made = (j: number, m: number) =>
        Float64Array.from({ length: n }, (_, i) => (x.values[j * n + i]! - m) * w[i]!);
      const [ja, jb, ma, mb] = [2, 5, 0.3, -1.7];
      const outA = new Float64Array(5);
      const outB = new Float64Array(5);
      const refA = new Float64Array(5);
      const refB = new Float64Array(5);
      wasm.dotMany2(cols, 5, made(ja, ma), made(jb, mb), refA, refB);
      wasm.setWeights(w);
      wasm.centeredWeightedDots2(ja, ma, jb, mb, cols, 5, outA, outB);
      expect(Array.from(outA)).toEqual(Array.from(refA));
      expect(Array.from(outB)).toEqual(Array.from(refB));
      const one = new Float64Array(3);
      const refOne = new Float64Array(3);
      wasm.dotMany(cols, 3, made(4, 2.5), refOne);
      wasm.centeredWeightedDots(4, 2.5, cols, 3, one);
      expect(Array.from(one)).toEqual(Array.from(refOne));
      wasm.release();
    },
  );
});

describe('WebAssembly column kernels', () => {
  it('the committed module is the compiled columnDots.wat (npm run build:wasm)', async () => {
    const helpers = (await import(join(root, 'scripts', 'wasm.mjs'))) as {
      compileWat(path: string): Promise<Uint8Array>;
      wasmModuleSource(wat: string, name: string, bytes: Uint8Array): string;
    };
    const bytes = await helpers.compileWat(join(root, 'src/solve/kernels/columnDots.wat'));
    expect(Buffer.from(COLUMN_DOTS_WASM, 'base64').equals(Buffer.from(bytes))).toBe(true);
    const source = readFileSync(join(root, 'src/solve/kernels/columnDotsWasm.ts'), 'utf8');
    expect(source).toBe(
      helpers.wasmModuleSource('src/solve/kernels/columnDots.wat', 'COLUMN_DOTS_WASM', bytes),
    );
  });

  it.each([
    [1, 3],
    [2, 5],
    [7, 9],
    [64, 4],
    [101, 11],
  ])('n = %i, p = %i: dot products and column combinations equal the JavaScript kernels', (n, p) => {
    const x = design(n, p, n * 31 + p);
    const wasm = WasmColumnDots.create(x);
    expect(wasm).not.toBeNull();
    const rng = new Rng(n + p);
    const a = Float64Array.from({ length: n }, () => rng.normal());
    const b = Float64Array.from({ length: n }, () => rng.normal());
    const abs = (v: Float64Array) => Float64Array.from(v, Math.abs);
    for (let count = 1; count <= p; count++) {
      // a random selection of columns, with repeats, in any order
      const cols = Int32Array.from({ length: count }, () => Math.floor(rng.next() * p));
      const outA = new Float64Array(count);
      const outB = new Float64Array(count);
      const refA = new Float64Array(count);
      const refB = new Float64Array(count);
      const scaleA = new Float64Array(count);
      const scaleB = new Float64Array(count);
      x.dotMany2(cols, count, a, b, refA, refB);
      const absX = new DenseDesign(n, p, abs(x.values));
      absX.dotMany2(cols, count, abs(a), abs(b), scaleA, scaleB);
      wasm!.dotMany2(cols, count, a, b, outA, outB);
      for (let k = 0; k < count; k++) {
        expectClose(outA[k]!, refA[k]!, scaleA[k]!);
        expectClose(outB[k]!, refB[k]!, scaleB[k]!);
      }
      const one = new Float64Array(count);
      wasm!.dotMany(cols, count, b, one);
      for (let k = 0; k < count; k++) expectClose(one[k]!, refB[k]!, scaleB[k]!);
      const coef = Float64Array.from({ length: count }, () => rng.normal());
      const out = a.slice();
      const ref = a.slice();
      wasm!.axpyMany(cols, count, coef, out);
      x.axpyMany(cols, count, coef, ref);
      for (let i = 0; i < n; i++) {
        let scale = Math.abs(a[i]!);
        for (let k = 0; k < count; k++) scale += Math.abs(coef[k]! * x.get(i, cols[k]!));
        expectClose(out[i]!, ref[i]!, scale);
      }
    }
  });

  it('declines a design above its size limit (the solver then stays in JavaScript)', () => {
    const x = design(100, 10, 1);
    expect(WasmColumnDots.create(x, 100 * 10 * 8)).toBeNull();
    expect(WasmColumnDots.create(x, 1 << 20)).not.toBeNull();
  });

  it('sparse gathers and scatters are bit-identical to the JavaScript kernels, on the vectors they hold', () => {
    const rng = new Rng(77);
    const n = 301;
    const p = 40;
    const density = (j: number) => (j % 7) / 20;
    const x = sparseDesign(rng, n, p, density, () => rng.normal());
    const kernels = WasmSparseColumns.create(x)!;
    expect(kernels).not.toBeNull();
    const rho = Float64Array.from({ length: n }, () => rng.normal());
    kernels.rho.set(rho);
    for (let step = 0; step < 200; step++) {
      const j = Math.floor(rng.next() * p);
      expect(kernels.dot(j)).toBe(x.dot(j, rho));
      const a = rng.normal();
      kernels.axpy(j, a);
      x.axpy(j, a, rho);
      expect(Array.from(kernels.rho)).toEqual(Array.from(rho));
    }
    const w = Float64Array.from({ length: n }, () => rng.next());
    kernels.w.set(w);
    for (let j = 0; j < p; j++) {
      expect(kernels.dotWeighted(j)).toBe(x.dot2(j, w, rho));
      expect(kernels.dotWeights(j)).toBe(x.dot(j, w));
      const m = rng.normal();
      expect(kernels.centeredSquares(j, m, 0.7)).toBe(x.centeredSquares(j, w, m, 0.7));
    }
    expect(WasmSparseColumns.create(x, 64)).toBeNull();
  });

  it('gradients gives the products and gradients of dotsAll, dotWeightsAll and gradientFrom bit for bit, and the columns above their thresholds', () => {
    const rng = new Rng(78);
    const n = 257;
    const p = 45;
    // columns with 0, 1, odd and even numbers of entries
    const x = sparseDesign(
      rng,
      n,
      p,
      (j) => (j % 9) / 16,
      () => rng.normal(),
    );
    const kernels = WasmSparseColumns.create(x)!;
    const mean = Float64Array.from({ length: p }, () => 0.1 * rng.normal());
    const scale = Float64Array.from({ length: p }, () => 0.5 + rng.next());
    const pf = Float64Array.from({ length: p }, (_, j) => (j % 5 === 0 ? 0 : j % 7 === 0 ? Infinity : 1));
    kernels.setFeatures(mean, scale, pf);
    kernels.rho.set(Float64Array.from({ length: n }, () => rng.normal()));
    kernels.w.set(Float64Array.from({ length: n }, () => rng.next()));
    const [shift, centre, l1] = [0.3, -0.7, 0.05];
    for (const [mode, c] of [
      [0, 0.25],
      [1, 0],
      [2, 0],
    ] as const) {
      kernels.dotWeightsAll();
      const colW = Array.from(kernels.colW);
      kernels.dotsAll(mode !== 0);
      const expected = Array.from(
        kernels.dots,
        (d, j) => ((c > 0 ? c * d : d) + shift * colW[j]! - mean[j]! * centre) / scale[j]!,
      );
      kernels.dots.fill(NaN);
      if (mode === 2) kernels.colW.fill(NaN);
      const count = kernels.gradients(mode, c, shift, centre, l1);
      expect(Array.from(kernels.dots).map((g, j) => Object.is(g, expected[j]))).not.toContain(false);
      expect(Array.from(kernels.colW).map((v, j) => Object.is(v, colW[j]))).not.toContain(false);
      const above = expected.flatMap((g, j) => (Math.abs(g) > l1 * pf[j]! ? [j] : []));
      expect(above.length).toBeGreaterThan(3);
      expect(above.length).toBeLessThan(p);
      expect(Array.from(kernels.candidates.subarray(0, count))).toEqual(above);
    }
  });

  it('sweepInverse takes the steps of sweep, equal to rounding (elastic net, scales, weights)', () => {
    const rng = new Rng(91);
    const n = 257;
    const p = 60;
    const density = (j: number) => 0.05 + (j % 5) / 25;
    const x = sparseDesign(rng, n, p, density, () => 1 + rng.next());
    const mean = Float64Array.from({ length: p }, () => 0.3 * rng.next());
    const scale = Float64Array.from({ length: p }, () => 0.5 + rng.next());
    const pf = Float64Array.from({ length: p }, (_, j) => (j % 9 === 0 ? 0.5 : 1));
    const rho0 = Float64Array.from({ length: n }, () => rng.normal());
    for (const weight of [0, 1 / n]) {
      const w = Float64Array.from({ length: n }, () => (weight > 0 ? weight : rng.next() / n));
      let sumW = 0;
      for (const a of w) sumW += a;
      const [a, b] = [WasmSparseColumns.create(x)!, WasmSparseColumns.create(x)!];
      const l1 = 0.002;
      const l2 = 0.003;
      for (const k of [a, b]) {
        k.setFeatures(mean, scale, pf);
        k.w.set(w);
        k.rho.set(rho0);
        for (let j = 0; j < p; j++) {
          k.set[j] = j;
          k.colW[j] = k.dotWeights(j);
          k.h[j] = k.centeredSquares(j, mean[j]!, sumW) / (scale[j]! * scale[j]!);
        }
      }
      for (let j = 0; j < p; j++) b.invH[j] = 1 / (b.h[j]! + l2 * pf[j]!);
      const sa = { shift: 0.1, sumWrho: 0 };
      const sb = { shift: 0.1, sumWrho: 0 };
      for (let i = 0; i < n; i++) sa.sumWrho += w[i]! * rho0[i]!;
      sb.sumWrho = sa.sumWrho;
      let moved = 0;
      for (let sweep = 0; sweep < 6; sweep++) {
        const ma = a.sweep(a.set, p, weight, l1, l2, sumW, sa);
        const mb = b.sweepInverse(b.set, p, weight, l1, sumW, sb);
        expect(Math.abs(ma - mb)).toBeLessThanOrEqual(1e-10 * ma);
      }
      for (let j = 0; j < p; j++) {
        if (a.beta[j] !== 0) moved++;
        expect(Math.abs(a.beta[j]! - b.beta[j]!)).toBeLessThanOrEqual(1e-12 * Math.abs(a.beta[j]!));
      }
      expect(moved).toBeGreaterThan(p / 3);
      for (let i = 0; i < n; i++) expect(Math.abs(a.rho[i]! - b.rho[i]!)).toBeLessThanOrEqual(1e-12);
      expect(Math.abs(sa.shift - sb.shift)).toBeLessThanOrEqual(1e-12);
      expect(Math.abs(sa.sumWrho - sb.sumWrho)).toBeLessThanOrEqual(1e-12);
      // only their own lists live in the instance's memory
      expect(() => a.sweep(b.set, p, weight, l1, l2, sumW, sa)).toThrow(
        'sweep: the list must be `set` or `active`',
      );
      expect(() => b.sweepInverse(new Int32Array(p), p, weight, l1, sumW, sb)).toThrow(
        'sweepInverse: the list must be `set` or `active`',
      );
    }
  });
});

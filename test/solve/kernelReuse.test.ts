import { describe, expect, it } from 'vitest';

import { DenseDesign, SparseDesign } from '../../src/solve/design.js';
import { instantiateKernels, releaseKernels, type LinearMemory } from '../../src/solve/kernels/instance.js';
import { WasmSparseColumns } from '../../src/solve/kernels/sparseColumns.js';
import { solvePath } from '../../src/solve/path.js';
import { solveAt, type LambdaFit } from '../../src/solve/solve.js';
import { Rng } from '../helpers/random.js';

/**
 * A solve gives its WebAssembly instance back and the next solve in the thread takes it
 * (`releaseKernels`): a new instance per refit made V8 discard the solver's optimized code at
 * each garbage collection. A reused instance must behave as a new one: zero where the next copy
 * expects zeros, large enough, and never shared by two live copies.
 */
type Kernels = { readonly memory: LinearMemory };

function sparseProblem(seed: number, n: number, p: number, family: 'gaussian' | 'binomial') {
  const rng = new Rng(seed);
  const rows: number[] = [];
  const cols: number[] = [];
  const values: number[] = [];
  const y = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    let eta = -0.3;
    for (let k = 0; k < 6; k++) {
      const j = rng.int(p);
      rows.push(i);
      cols.push(j);
      values.push(1);
      if (j < 8) eta += j % 2 === 0 ? 1.2 : -1.1;
    }
    y[i] = family === 'binomial' ? (rng.next() < 1 / (1 + Math.exp(-eta)) ? 1 : 0) : eta + 0.5 * rng.normal();
  }
  return { x: SparseDesign.fromTriplets(n, p, rows, cols, values), y };
}

function denseProblem(seed: number, n: number, p: number) {
  const rng = new Rng(seed);
  const data: number[][] = [];
  const y = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    const row = Array.from({ length: p }, () => rng.normal());
    data.push(row);
    y[i] = rng.next() < 1 / (1 + Math.exp(-(2 * row[0]! - row[1]!))) ? 1 : 0;
  }
  return { x: DenseDesign.fromRows(data), y };
}

const same = (a: LambdaFit, b: LambdaFit): void => {
  expect(a.intercept).toBe(b.intercept);
  expect(Array.from(a.coefficients)).toEqual(Array.from(b.coefficients));
  expect(a.objective).toBe(b.objective);
  expect(a.passes).toBe(b.passes);
};

describe('WebAssembly instances given back and taken again', () => {
  it('hands a released instance to the next copy, grown and zeroed', () => {
    const first = instantiateKernels<Kernels>(1 << 16, 2 ** 30);
    if (first === null) return; // no WebAssembly SIMD here: nothing is pooled
    new Uint8Array(first.memory.buffer).fill(7);
    releaseKernels(first);
    const bytes = first.memory.buffer.byteLength + 3 * 65536;
    const again = instantiateKernels<Kernels>(bytes, 2 ** 30);
    expect(again).toBe(first);
    expect(again!.memory.buffer.byteLength).toBeGreaterThanOrEqual(bytes);
    expect(new Uint8Array(again!.memory.buffer, 0, bytes).every((b) => b === 0)).toBe(true);
    // taken: the next copy gets another instance, not this one
    const other = instantiateKernels<Kernels>(1 << 16, 2 ** 30);
    expect(other).not.toBe(again);
    releaseKernels(again!);
    releaseKernels(again!);
    const a = instantiateKernels<Kernels>(1 << 16, 2 ** 30);
    const b = instantiateKernels<Kernels>(1 << 16, 2 ** 30);
    expect(a).not.toBe(b); // released twice, handed out once
    releaseKernels(a!);
    releaseKernels(b!);
    if (other) releaseKernels(other);
  });

  it('zeroes a reused instance but for the entries a sparse copy writes over', () => {
    const { x } = sparseProblem(6, 300, 50, 'binomial');
    const first = WasmSparseColumns.create(x);
    if (first === null) return; // no WebAssembly SIMD here
    const views = (c: WasmSparseColumns) => [
      c.rho,
      c.w,
      c.beta,
      c.h,
      c.colW,
      c.dots,
      c.invH,
      c.set,
      c.active,
    ];
    for (const v of views(first)) v.fill(7);
    first.release();
    const again = WasmSparseColumns.create(x)!; // the instance just given back (the last released)
    for (const v of views(again)) expect(v.every((u) => u === 0)).toBe(true);
    // and its copy of the entries is the design's: Σ_i x_ij · 1 per column
    again.rho.fill(1);
    const ones = new Float64Array(x.rows).fill(1);
    for (let j = 0; j < x.cols; j++) expect(again.dot(j)).toBe(x.dot(j, ones));
    again.release();
  });

  it('solves give the same fits whatever solved before them in the thread', () => {
    const small = sparseProblem(1, 300, 120, 'binomial');
    const large = sparseProblem(2, 2000, 900, 'binomial');
    const gauss = sparseProblem(3, 800, 400, 'gaussian');
    const dense = denseProblem(4, 400, 30);
    const fitSmall = () => solveAt(small.x, small.y, { family: 'binomial', lambda: 0.01 });
    const fitLarge = () => solveAt(large.x, large.y, { family: 'binomial', lambda: 0.005 });
    const fitGauss = () => solveAt(gauss.x, gauss.y, { family: 'gaussian', lambda: 0.02 });
    const fitDense = () => solveAt(dense.x, dense.y, { family: 'binomial', lambda: 0.01 });
    const pathGauss = () => solvePath(gauss.x, gauss.y, { family: 'gaussian', nLambda: 20 });
    const first = { s: fitSmall(), l: fitLarge(), g: fitGauss() };
    const firstPath = pathGauss();
    // in other orders: small after large (a larger instance, dirty), large after small (grown)
    same(fitLarge(), first.l);
    same(fitSmall(), first.s);
    same(fitLarge(), first.l);
    same(fitGauss(), first.g);
    const path = pathGauss();
    expect(path.fits.length).toBe(firstPath.fits.length);
    path.fits.forEach((f, k) => same(f, firstPath.fits[k]!));
    // with no WebAssembly at all: the same fits (the instances change nothing but speed)
    const plain = solveAt(small.x, small.y, { family: 'binomial', lambda: 0.01, wasm: false });
    expect(Array.from(plain.coefficients)).toEqual(Array.from(first.s.coefficients));
    // a dense design's Newton finish takes an instance too (`WasmColumnDots`)
    const denseFirst = fitDense();
    same(fitSmall(), first.s);
    same(fitDense(), denseFirst);
  });

  it('a warm start that is refused gives its instance back before the cold descent', () => {
    const { x, y } = sparseProblem(5, 1500, 600, 'binomial');
    const cold = solveAt(x, y, { family: 'binomial', lambda: 0.004 });
    // a start far worse than the intercept-only model: refused, the fit descends from λ_max
    const coefficients = new Float64Array(x.cols).fill(25);
    const refused = solveAt(x, y, {
      family: 'binomial',
      lambda: 0.004,
      start: { intercept: 0, coefficients },
    });
    expect(refused.startRefused).toBeDefined();
    expect(refused.objective).toBeCloseTo(cold.objective, 12);
    same(solveAt(x, y, { family: 'binomial', lambda: 0.004 }), cold);
  });
});

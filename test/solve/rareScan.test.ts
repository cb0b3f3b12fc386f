import { describe, expect, it } from 'vitest';

import { SparseDesign } from '../../src/solve/design.js';
import { Engine } from '../../src/solve/engine.js';
import { WasmSparseColumns } from '../../src/solve/kernels/sparseColumns.js';
import { checkKkt } from '../../src/solve/kkt.js';
import { prepareProblem } from '../../src/solve/problem.js';
import { rareStart } from '../../src/solve/rareMoves.js';
import { mergeTwins, singletonTwins } from '../../src/solve/singletons.js';
import { solveAt } from '../../src/solve/solve.js';
import { Rng } from '../helpers/random.js';
import { refitCase } from '../helpers/refitCase.js';
import { expectSameFit } from '../helpers/sameFit.js';

// `rareMoves`' check of its rare columns runs in WebAssembly (`rareScan`) when the engine's copy
// of the design is there and the weights are equal: the same sums in the same order as the
// JavaScript check, so the same moves and the same fits, bit for bit (bench/results/warm-s34.md).

/** The JavaScript check (`rareStart`'s own): the gradient of list[m] and whether it violates. */
function reference(
  x: SparseDesign,
  j: number,
  c: number,
  gap: Float64Array,
  pf: Float64Array,
  scale: Float64Array,
  c0: number,
  la: number,
  l2c: number,
  tol: number,
): { g: number; violates: boolean } {
  const t = la * pf[j]! * scale[j]!;
  let g = l2c * pf[j]! * scale[j]! * scale[j]! * c;
  for (let k = x.colStart[j]!; k < x.colStart[j + 1]!; k++) g += c0 * x.values[k]! * gap[x.rowIndex[k]!]!;
  const violation = c === 0 ? Math.abs(g) - t : Math.abs(g + (c > 0 ? t : -t));
  return { g, violates: violation > tol * t };
}

function randomCase(seed: number) {
  const rng = new Rng(seed);
  const n = 300;
  const p = 400;
  const rows: number[] = [];
  const cols: number[] = [];
  const values: number[] = [];
  for (let j = 0; j < p; j++) {
    // 0..24 entries: empty, one-row, rare and a few popular columns; values of both signs
    const size = j % 17 === 0 ? 0 : 1 + rng.int(j % 5 === 0 ? 24 : 6);
    for (let k = 0; k < size; k++) {
      rows.push(rng.int(n));
      cols.push(j);
      values.push(j % 3 === 0 ? 1 : rng.normal() * 2);
    }
  }
  const x = SparseDesign.fromTriplets(n, p, rows, cols, values);
  const pf = Float64Array.from({ length: p }, (_, j) => (j % 11 === 0 ? 0 : 0.5 + rng.next()));
  const scale = Float64Array.from({ length: p }, () => 0.2 + rng.next());
  const coef = Float64Array.from({ length: p }, (_, j) => (j % 4 === 0 ? 0 : rng.normal() * 0.3));
  const gap = Float64Array.from({ length: n }, () => rng.next() - 0.5);
  return { x, pf, scale, coef, gap, p };
}

describe('rareMoves’ check in WebAssembly', () => {
  it('gives the JavaScript gradients and first violators, bit for bit', () => {
    for (const seed of [1, 2, 3]) {
      const { x, pf, scale, coef, gap, p } = randomCase(seed);
      const kernels = WasmSparseColumns.create(x);
      if (kernels === null) return; // no WebAssembly SIMD here: rareStart checks in JavaScript
      try {
        expect(kernels.copies(x)).toBe(true);
        kernels.setFeatures(new Float64Array(p), scale, pf);
        // every column in a shuffled order, empty and unpenalized ones too
        const list = Array.from({ length: p }, (_, j) => (j * 7) % p);
        kernels.rareList.set(list);
        kernels.rareCoef.set(coef);
        kernels.rareGap.set(gap);
        for (const [c0, la, l2c] of [
          [1 / 300, 0.01, 0],
          [1 / 7, 0.004, 0.006],
        ] as const) {
          // with no tolerance nothing violates: every gradient is written
          expect(kernels.rareScan(0, p, c0, la, l2c, Infinity)).toBe(p);
          for (let m = 0; m < p; m++) {
            const want = reference(x, list[m]!, coef[list[m]!]!, gap, pf, scale, c0, la, l2c, 0).g;
            expect(Object.is(kernels.dots[m], want), `column ${list[m]}: ${kernels.dots[m]} vs ${want}`).toBe(
              true,
            );
          }
          // the violators, one call after another, as rareStart takes them
          for (const tol of [0, 1e-2, 0.5]) {
            const got: number[] = [];
            for (
              let m = kernels.rareScan(0, p, c0, la, l2c, tol);
              m < p;
              m = kernels.rareScan(m + 1, p, c0, la, l2c, tol)
            )
              got.push(m);
            const want: number[] = [];
            for (let m = 0; m < p; m++) {
              const j = list[m]!;
              if (reference(x, j, coef[j]!, gap, pf, scale, c0, la, l2c, tol).violates) want.push(m);
            }
            expect(want.length).toBeGreaterThan(10);
            expect(got).toEqual(want);
          }
        }
      } finally {
        kernels.release();
      }
    }
  });

  for (const lambda of [0.005, 0.002]) {
    it(`moves the start as the JavaScript check does, and the fit is certified (λ = ${lambda})`, () => {
      const kktTolerance = 1e-2;
      const { a, b, opts } = refitCase(lambda, kktTolerance);
      const prev = solveAt(a.x, a.y, opts);
      const full = prepareProblem(b.x, b.y, opts);
      const twins = singletonTwins(full)!;
      const problem = twins.problem;
      const start = mergeTwins(twins.x, prev, twins.twinOf);
      const engine = new Engine(problem, null);
      try {
        const kernels = engine.sparseKernels;
        if (kernels === null) return;
        expect(kernels.copies(problem.x as SparseDesign)).toBe(true);
        const js = rareStart(problem, start, lambda)!;
        kernels.dots.fill(NaN);
        const wasm = rareStart(problem, start, lambda, Infinity, engine)!;
        // the check ran in WebAssembly: it wrote the gradients
        expect(kernels.dots.some((g) => g !== 0 && Number.isFinite(g))).toBe(true);
        expect(wasm.moved).not.toBe(start);
        expect(wasm.objective).toBe(js.objective);
        expect(wasm.moved.intercept).toBe(js.moved.intercept);
        const moved = Array.from(wasm.moved.coefficients);
        expect(moved.every((c, j) => Object.is(c, js.moved.coefficients[j]))).toBe(true);
        expect(moved.filter((c, j) => c !== start.coefficients[j]).length).toBeGreaterThan(50);
        // an engine of another problem (its scales and penalty factors) is not used
        kernels.dots.fill(NaN);
        rareStart(full, prev, lambda, Infinity, engine);
        expect(kernels.dots.every((g) => Number.isNaN(g))).toBe(true);
      } finally {
        engine.release();
      }
      // the whole warm fit: with the JavaScript kernels (no copy, so the JavaScript check) the same
      const warm = { ...opts, start: prev, rareMoves: true, tailSweeps: true };
      const fit = solveAt(b.x, b.y, warm);
      expectSameFit(fit, solveAt(b.x, b.y, { ...warm, wasm: false }));
      expect(fit.converged).toBe(true);
      expect(checkKkt(b.x, b.y, fit, lambda, { family: 'binomial' }).maxViolation).toBeLessThanOrEqual(
        kktTolerance,
      );
    });
  }
});

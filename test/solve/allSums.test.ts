import { describe, expect, it } from 'vitest';

import { SparseDesign } from '../../src/solve/design.js';
import { WasmSparseColumns } from '../../src/solve/kernels/sparseColumns.js';
import { prepareProblem } from '../../src/solve/problem.js';
import { solveAt } from '../../src/solve/solve.js';
import { CdState } from '../../src/solve/state.js';
import { refitCase } from '../helpers/refitCase.js';
import { Rng } from '../helpers/random.js';

// A KKT check of every feature right after a binomial Newton step changed W needs Σ W x_j of every
// column: `CdState.ensureAllSums` takes them in one WebAssembly call (`dotWeightsAll`) instead of
// one call per column. They must be the same sums, so the fits stay bit for bit as before.

function design(seed: number, n: number, p: number): SparseDesign {
  const rng = new Rng(seed);
  const rows: number[] = [];
  const cols: number[] = [];
  const values: number[] = [];
  for (let i = 0; i < n; i++) {
    for (let k = 0; k < 5; k++) {
      rows.push(i);
      cols.push(rng.int(p));
      values.push(k === 0 ? 1 : 0.25 + rng.next());
    }
  }
  return SparseDesign.fromTriplets(n, p, rows, cols, values);
}

describe('the weighted column sums of every column in one call', () => {
  it('are the per-column sums, bit for bit', () => {
    const x = design(3, 300, 120);
    const kernels = WasmSparseColumns.create(x);
    if (kernels === null) return; // no WebAssembly here: the per-column path is the only one
    try {
      const rng = new Rng(5);
      for (let i = 0; i < x.rows; i++) kernels.w[i] = rng.next() * 0.01;
      kernels.rho.fill(7); // the residual must not enter
      kernels.dotWeightsAll();
      let nonzero = 0;
      for (let j = 0; j < x.cols; j++) {
        expect(Object.is(kernels.colW[j], kernels.dotWeights(j))).toBe(true);
        expect(Object.is(kernels.colW[j], x.dot(j, kernels.w))).toBe(true);
        if (kernels.colW[j] !== 0) nonzero++;
      }
      expect(nonzero).toBeGreaterThan(100);
    } finally {
      kernels.release();
    }
  });

  it('are current for the state W after ensureAllSums, and a new W makes them stale', () => {
    const x = design(4, 200, 80);
    const rng = new Rng(6);
    const y = Float64Array.from({ length: x.rows }, () => (rng.next() < 0.4 ? 1 : 0));
    const st = new CdState(prepareProblem(x, y, { family: 'binomial' }));
    if (st.sparseKernels === null) return;
    try {
      for (const round of [1, 2]) {
        for (let i = 0; i < x.rows; i++) st.W[i] = (round + rng.next()) * 1e-3;
        st.stampNo++;
        st.ensureAllSums();
        for (let j = 0; j < x.cols; j++) {
          expect(Object.is(st.colW[j], x.dot(j, st.W))).toBe(true);
          // already current: ensureColumnSum keeps it (and would compute the same sum)
          st.ensureColumnSum(j);
          expect(Object.is(st.colW[j], x.dot(j, st.W))).toBe(true);
        }
      }
    } finally {
      st.release();
    }
  });

  it('leave the refit case fits as the JavaScript kernels give them', () => {
    const { a, b, opts } = refitCase(0.005, 1e-2);
    const prev = solveAt(a.x, a.y, opts);
    for (const start of [undefined, prev]) {
      const fits = [true, false].map((wasm) =>
        solveAt(b.x, b.y, {
          ...opts,
          wasm,
          ...(start ? { start, rareMoves: true, tailSweeps: true } : {}),
        }),
      );
      expect(fits[0]!.intercept).toBe(fits[1]!.intercept);
      expect(Array.from(fits[0]!.coefficients)).toEqual(Array.from(fits[1]!.coefficients));
      expect(fits[0]!.passes).toBe(fits[1]!.passes);
      expect(fits[0]!.kktChecks).toBe(fits[1]!.kktChecks);
    }
  });
});

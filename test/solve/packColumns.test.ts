import { describe, expect, it } from 'vitest';

import { checkKkt } from '../../src/solve/kkt.js';
import { packColumns } from '../../src/solve/packColumns.js';
import { prepareProblem } from '../../src/solve/problem.js';
import { type Coefficients, type LambdaFit, solveAt, solveAtProblem } from '../../src/solve/solve.js';
import { refitCase } from '../helpers/refitCase.js';
import { expectSameFit } from '../helpers/sameFit.js';

// `solveAt` solves a binomial fit on a sparse design without its empty columns (`packColumns`):
// the refit case at test size holds 2,000 events over 20,000 hashed columns, of which about half
// are empty. The fit must be the one of the whole design, step for step.
const lambda = 0.005;
const kktTolerance = 1e-2;
const { a, b, opts, cols, onlineStart } = refitCase(lambda, kktTolerance);

/** The fit on the whole design (`solveAtProblem` is never packed). */
function unpacked(start?: Coefficients, rare = false, pf?: Float64Array): LambdaFit {
  const problem = prepareProblem(b.x, b.y, pf ? { ...opts, penaltyFactors: pf } : opts);
  return solveAtProblem(problem, lambda, start, rare, rare);
}

function same(packed: LambdaFit, whole: LambdaFit): void {
  expect(packed.coefficients).toHaveLength(cols);
  expectSameFit(packed, whole);
}

/**
 * The objective of docs/conventions.md for `fit` on window b, computed here from the design's
 * entries (−(1/n) Σ (y η − log(1 + e^η)) + λ Σ sd_j |β_j|, sd_j the column's population sd), and
 * a lower bound on its optimum: the dual value of the point made of the fit's centered residuals
 * r = y − μ − mean(y − μ), scaled by c ≤ 1 so that |Σ_i x_ij r_i| / n ≤ λ sd_j for every column.
 * The logistic lasso's dual is −(1/n) Σ h(y_i − c r_i), h(v) = v ln v + (1 − v) ln(1 − v); any
 * such point bounds the optimum from below, whoever computed the fit.
 */
function certificate(fit: { readonly intercept: number; readonly coefficients: ArrayLike<number> }) {
  const { rows: n, cols: p, colStart, rowIndex, values } = b.x;
  const y = b.y;
  const eta = new Float64Array(n).fill(fit.intercept);
  const sd = new Float64Array(p);
  let penalty = 0;
  let nonzero = 0;
  for (let j = 0; j < p; j++) {
    const beta = fit.coefficients[j]!;
    let s1 = 0;
    let s2 = 0;
    for (let k = colStart[j]!; k < colStart[j + 1]!; k++) {
      s1 += values[k]!;
      s2 += values[k]! ** 2;
      if (beta !== 0) eta[rowIndex[k]!]! += beta * values[k]!;
    }
    sd[j] = Math.sqrt(Math.max(0, s2 / n - (s1 / n) ** 2));
    if (beta !== 0) {
      nonzero++;
      penalty += lambda * sd[j]! * Math.abs(beta);
    }
  }
  let loss = 0;
  let meanResidual = 0;
  const r = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    const e = eta[i]!;
    loss += (e > 0 ? e + Math.log1p(Math.exp(-e)) : Math.log1p(Math.exp(e))) - y[i]! * e;
    r[i] = y[i]! - 1 / (1 + Math.exp(-e));
    meanResidual += r[i]! / n;
  }
  for (let i = 0; i < n; i++) r[i]! -= meanResidual;
  let c = 1;
  for (let j = 0; j < p; j++) {
    if (!(sd[j]! > 0)) continue; // constant (empty) columns stay at 0
    let g = 0;
    for (let k = colStart[j]!; k < colStart[j + 1]!; k++) g += values[k]! * r[rowIndex[k]!]!;
    c = Math.min(c, (lambda * sd[j]!) / (Math.abs(g) / n));
  }
  const xLogX = (v: number) => (v === 0 ? 0 : v * Math.log(v));
  let dual = 0;
  for (let i = 0; i < n; i++) {
    const v = y[i]! - c * r[i]!;
    expect(v >= 0 && v <= 1).toBe(true); // in the dual's domain
    dual -= (xLogX(v) + xLogX(1 - v)) / n;
  }
  return { primal: loss / n + penalty, penalty, dual, nonzero, meanResidual };
}

describe('solveAt without the empty columns of a sparse design', () => {
  it('lists every column that holds entries, in order, with its entries', () => {
    const packed = packColumns(b.x)!;
    const { colStart, rowIndex } = b.x;
    const holding: number[] = [];
    for (let j = 0; j < cols; j++) if (colStart[j + 1]! > colStart[j]!) holding.push(j);
    expect(holding.length).toBeLessThan(0.7 * cols);
    expect(Array.from(packed.cols)).toEqual(holding);
    for (let c = 0; c < holding.length; c += 97) {
      const j = holding[c]!;
      expect(packed.x.columnNnz(c)).toBe(b.x.columnNnz(j));
      expect(packed.x.rowIndex[packed.x.colStart[c]!]).toBe(rowIndex[colStart[j]!]);
    }
    expect(packColumns(b.x)).toBe(packed); // built once per design
  });

  it('gives the fits of the whole design bit for bit, certified: cold, warm, with penalty factors', () => {
    const prev = solveAt(a.x, a.y, opts);
    const cold = solveAt(b.x, b.y, opts);
    same(cold, unpacked());
    const warm = solveAt(b.x, b.y, { ...opts, start: prev, rareMoves: true, tailSweeps: true });
    same(warm, unpacked(prev, true));
    for (const fit of [cold, warm]) {
      expect(checkKkt(b.x, b.y, fit, lambda, { family: 'binomial' }).maxViolation).toBeLessThanOrEqual(
        kktTolerance,
      );
    }
    // factors on columns that hold entries and on empty ones (0, Infinity, 2)
    const pf = new Float64Array(cols).fill(1);
    for (let j = 0; j < cols; j += 7) pf[j] = j % 3 === 0 ? 0 : j % 3 === 1 ? Infinity : 2;
    same(solveAt(b.x, b.y, { ...opts, penaltyFactors: pf, start: prev }), unpacked(prev, false, pf));
  });

  it('fits the refit case to its optimum, certified by a duality gap computed here: cold, warm and online starts', () => {
    const prev = solveAt(a.x, a.y, opts);
    const fits = {
      cold: solveAt(b.x, b.y, opts),
      warm: solveAt(b.x, b.y, { ...opts, start: prev, rareMoves: true, tailSweeps: true }),
      online: solveAt(b.x, b.y, { ...opts, start: onlineStart() }),
    };
    // the optimum P* bracketed by a fit solved far tighter: P* lies in [dual, primal] of its certificate
    const reference = certificate(solveAt(b.x, b.y, { ...opts, kktTolerance: 1e-7 }));
    expect(reference.primal - reference.dual).toBeLessThan(1e-8);
    expect(reference.primal - reference.dual).toBeGreaterThanOrEqual(0);
    for (const [start, f] of Object.entries(fits)) {
      const c = certificate(f);
      // what the fit reports is what its coefficients give, counted and summed here
      expect({ start, nonzero: f.nonzero }).toEqual({ start, nonzero: c.nonzero });
      expect(Math.abs(f.objective - c.primal)).toBeLessThanOrEqual(1e-14 * c.primal);
      // no fit below the optimum's lower bound, and none above it by more than a fit whose KKT
      // conditions hold within ε (kktTolerance) of each threshold can be: then c ≥ 1 / (1 + ε), and
      // the dual, concave and 0 at 0, has D(c r) ≥ c D(r) ≥ c (P − ε penalty − |β0 mean(y − μ)|), so
      // the gap P − D(c r) ≤ ε (P + penalty) + |β0 mean(y − μ)| (to first order in mean(y − μ))
      expect(c.primal).toBeGreaterThanOrEqual(reference.dual);
      const bound = kktTolerance * (c.primal + c.penalty) + Math.abs(f.intercept * c.meanResidual);
      expect({ start, within: c.primal - c.dual <= bound }).toEqual({ start, within: true });
      expect(c.primal - reference.dual).toBeLessThanOrEqual(bound + (reference.primal - reference.dual));
    }
  });

  it('gives the same fits with the JavaScript kernels (the exact gradient of every feature in WebAssembly)', () => {
    const prev = solveAt(a.x, a.y, opts);
    for (const start of [undefined, prev]) {
      const o = { ...opts, ...(start ? { start, rareMoves: true, tailSweeps: true } : {}) };
      const wasm = solveAt(b.x, b.y, o);
      const js = solveAt(b.x, b.y, { ...o, wasm: false });
      same(wasm, js);
    }
  });

  it('reports an invalid start or penalty factor by its original column', () => {
    let j = 0; // the first empty column
    while (b.x.columnNnz(j) > 0) j++;
    const coefficients = new Float64Array(cols);
    coefficients[j] = NaN;
    expect(() => solveAt(b.x, b.y, { ...opts, start: { intercept: 0, coefficients } })).toThrow(
      `start coefficient ${j} is not finite`,
    );
    const pf = new Float64Array(cols).fill(1);
    pf[j] = -1;
    expect(() => solveAt(b.x, b.y, { ...opts, penaltyFactors: pf })).toThrow(`penaltyFactors[${j}] must be`);
  });
});

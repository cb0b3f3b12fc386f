import { describe, expect, it } from 'vitest';

import { SparseDesign } from '../../src/solve/design.js';
import { checkKkt } from '../../src/solve/kkt.js';
import { objectiveValue } from '../../src/solve/objective.js';
import { prepareProblem } from '../../src/solve/problem.js';
import { mergeTwins, singletonTwins } from '../../src/solve/singletons.js';
import { type Coefficients, type LambdaFit, solveAt } from '../../src/solve/solve.js';
import { refitCase } from '../helpers/refitCase.js';

// A warm fit from a previous refit's fit (`rareMoves`) leaves out each row's singletons but its
// cheapest (`singletonTwins`): exact, so the fit is certified on the whole design, at the
// optimum to the tolerance's accuracy, and no row carries its move on two singletons.

/** Non-zero singletons per row, at most. */
function singletonsPerRow(x: SparseDesign, fit: Coefficients): number {
  const count = new Int32Array(x.rows);
  let most = 0;
  for (let j = 0; j < x.cols; j++) {
    if (x.colStart[j + 1]! - x.colStart[j]! !== 1 || fit.coefficients[j] === 0) continue;
    const i = x.rowIndex[x.colStart[j]!]!;
    most = Math.max(most, ++count[i]!);
  }
  return most;
}

/** η_i of `model` (original scale) on every row. */
function eta(x: SparseDesign, model: Coefficients): Float64Array {
  const out = new Float64Array(x.rows).fill(model.intercept);
  for (let j = 0; j < x.cols; j++) {
    const c = model.coefficients[j]!;
    for (let k = x.colStart[j]!; k < x.colStart[j + 1]!; k++) out[x.rowIndex[k]!]! += c * x.values[k]!;
  }
  return out;
}

describe('warm fits without the twins of each row’s cheapest singleton', () => {
  for (const lambda of [0.005, 0.002]) {
    it(`refit case at λ = ${lambda}: certified on the whole design, at the optimum, one singleton per row`, () => {
      const kktTolerance = 1e-2;
      const { a, b, opts } = refitCase(lambda, kktTolerance);
      const prev = solveAt(a.x, a.y, opts);
      const optimum = solveAt(b.x, b.y, { ...opts, kktTolerance: 1e-8 });
      const warm: LambdaFit = solveAt(b.x, b.y, { ...opts, start: prev, rareMoves: true, tailSweeps: true });
      expect(warm.converged).toBe(true);
      expect(checkKkt(b.x, b.y, warm, lambda, { family: 'binomial' }).maxViolation).toBeLessThanOrEqual(
        kktTolerance,
      );
      // within the tolerance's accuracy of the optimum (main's warm fits: 3e-6 and 2e-6 above it)
      expect(warm.objective - optimum.objective).toBeGreaterThan(-1e-12);
      expect(warm.objective - optimum.objective).toBeLessThan(1e-5 * optimum.objective);
      expect(objectiveValue(b.x, b.y, warm, lambda, { family: 'binomial' }).objective).toBeCloseTo(
        warm.objective,
        12,
      );
      // the previous fit has rows with two non-zero singletons; the warm fit none
      expect(singletonsPerRow(b.x, prev)).toBeGreaterThan(1);
      expect(singletonsPerRow(b.x, warm)).toBe(1);
    });
  }

  // 5 rows; column 0 is common, columns 1–3 singletons of row 0 (values 1, 2, −3), 4 and 5 of
  // row 1 (5 unpenalized), 6 of row 2, 7–8 of row 3 (equal values), row 4 has only column 0
  const triplets = {
    rows: [0, 1, 2, 3, 4, 0, 0, 0, 1, 1, 2, 3, 3],
    cols: [0, 0, 0, 0, 0, 1, 2, 3, 4, 5, 6, 7, 8],
    vals: [1, 1, 1, 1, 1, 1, 2, -3, 1, 1, 1, 1, 1],
  };
  const x = SparseDesign.fromTriplets(5, 9, triplets.rows, triplets.cols, triplets.vals);
  const y = [1, 0, 1, 0, 1];
  const pf = [1, 1, 1, 1, 1, 0, 1, 1, 1];

  it('keeps the cheapest singleton of each row, not a row with an unpenalized one', () => {
    const unscaled = singletonTwins(
      prepareProblem(x, y, { family: 'binomial', standardize: false, penaltyFactors: pf }),
    )!;
    // row 0: cost pf / |x| is least for column 3 (|−3|); row 3: equal, the lowest column
    expect(Array.from(unscaled.twinOf)).toEqual([-1, 3, 3, -1, -1, -1, -1, -1, 7]);
    // (column 0, a 1 in every row, is constant: left out as such)
    expect(Array.from(unscaled.problem.excluded)).toEqual([1, 1, 1, 0, 0, 0, 0, 0, 1]);
    // standardized, a singleton's cost per unit move of η is the same whatever its value
    // (to rounding: which of row 0's three is kept is rounding's choice)
    const scaled = singletonTwins(prepareProblem(x, y, { family: 'binomial', penaltyFactors: pf }))!;
    const row0 = [1, 2, 3].map((j) => scaled.twinOf[j]!);
    const kept = [1, 2, 3].filter((j) => scaled.twinOf[j] === -1);
    expect(kept).toHaveLength(1);
    expect(row0.filter((r) => r === kept[0])).toHaveLength(2);
    expect(Array.from(scaled.twinOf.subarray(4))).toEqual([-1, -1, -1, -1, 7]);
    expect(singletonTwins(prepareProblem(x, y, { family: 'binomial', l1Ratio: 0.5 }))).toBeNull();
    expect(singletonTwins(prepareProblem(x, y, { family: 'gaussian' }))).toBeNull();
  });

  it('merges a start onto the kept singletons without moving any η', () => {
    const problem = prepareProblem(x, y, { family: 'binomial', standardize: false, penaltyFactors: pf });
    const { twinOf } = singletonTwins(problem)!;
    const start = { intercept: -0.3, coefficients: [0.2, 0.5, -0.25, 0.1, 0.7, 0.4, 0.3, 0.6, 0.9] };
    const merged = mergeTwins(x, start, twinOf);
    const before = eta(x, start);
    const after = eta(x, merged);
    for (let i = 0; i < x.rows; i++) expect(after[i]).toBeCloseTo(before[i]!, 14);
    for (let j = 0; j < x.cols; j++) if (twinOf[j]! >= 0) expect(merged.coefficients[j]).toBe(0);
    // no L1 cost added: the kept singleton is the cheapest
    const l1 = (m: Coefficients) =>
      Array.from(m.coefficients).reduce((s, c, j) => s + pf[j]! * Math.abs(c), 0);
    expect(l1(merged)).toBeLessThanOrEqual(l1(start));
    const none = { intercept: 0, coefficients: [0.2, 0, 0, 0.1, 0, 0, 0, 0.6, 0] };
    expect(mergeTwins(x, none, twinOf)).toBe(none);
  });

  it('certifies a fit with unequal singleton costs on the whole design', () => {
    // 400 rows, each with a common column and 1–3 singletons of values 0.5–3, unstandardized
    const rows: number[] = [];
    const cols: number[] = [];
    const vals: number[] = [];
    const yy: number[] = [];
    let col = 2;
    let seed = 7;
    const rand = () => (seed = (seed * 1103515245 + 12345) % 2147483648) / 2147483648;
    for (let i = 0; i < 400; i++) {
      rows.push(i, i);
      cols.push(0, 1);
      vals.push(1, rand() < 0.5 ? 1 : 0);
      const k = 1 + Math.floor(rand() * 3);
      for (let s = 0; s < k; s++) {
        rows.push(i);
        cols.push(col++);
        vals.push(0.5 + 2.5 * rand());
      }
      yy.push(rand() < 0.3 ? 1 : 0);
    }
    const xx = SparseDesign.fromTriplets(400, col, rows, cols, vals);
    const opts = { family: 'binomial' as const, standardize: false, lambda: 0.002, kktTolerance: 1e-2 };
    // a start from other labels, with a move on every singleton (twins too)
    const other = solveAt(
      xx,
      yy.map((v, i) => (i % 7 === 0 ? 1 - v : v)),
      opts,
    );
    const prev = {
      intercept: other.intercept,
      coefficients: other.coefficients.map((c, j) => (j >= 2 ? c + 0.05 : c)),
    };
    const warm = solveAt(xx, yy, { ...opts, start: prev, rareMoves: true, tailSweeps: true });
    const optimum = solveAt(xx, yy, { ...opts, kktTolerance: 1e-8 });
    expect(warm.converged).toBe(true);
    const kkt = checkKkt(xx, yy, warm, opts.lambda, { family: 'binomial', standardize: false });
    expect(kkt.maxViolation).toBeLessThanOrEqual(opts.kktTolerance);
    expect(warm.objective - optimum.objective).toBeGreaterThan(-1e-12);
    expect(warm.objective - optimum.objective).toBeLessThan(1e-5 * optimum.objective);
    expect(singletonsPerRow(xx, prev)).toBeGreaterThan(1);
    expect(singletonsPerRow(xx, warm)).toBe(1);
  });
});

import { describe, expect, it } from 'vitest';

import { refitWindow } from '../../bench/solve/refitWindow.js';
import { SparseDesign } from '../../src/solve/design.js';
import { checkKkt } from '../../src/solve/kkt.js';
import { objectiveValue, type ObjectiveOptions } from '../../src/solve/objective.js';
import type { Standardize } from '../../src/solve/problem.js';
import { solveAt, type Coefficients, type LambdaFit } from '../../src/solve/solve.js';
import { refitCase } from '../helpers/refitCase.js';

// Columns stored in one row only (ids seen once in a window) are profiled out of binomial lasso
// fits on sparse designs (src/solve/singletons.ts): each row's share of them is solved in closed
// form and put back on one column. The optimum must be the full problem's: the KKT conditions of
// every column from scratch, the objective of the fit that solves them as any column.

/** Per row, its singleton columns (stored in that row only), in column order. */
function singletonsByRow(x: SparseDesign): number[][] {
  const out: number[][] = Array.from({ length: x.rows }, () => []);
  for (let j = 0; j < x.cols; j++)
    if (x.colStart[j + 1]! - x.colStart[j]! === 1) out[x.rowIndex[x.colStart[j]!]!]!.push(j);
  return out;
}

function relativeGap(a: number, b: number): number {
  return Math.abs(a - b) / Math.abs(b);
}

describe('singleton columns profiled out of binomial fits', () => {
  // the refit case at test size (test/solve/entryRounds.test.ts): window b 10 % after window a
  const lambda = 0.002;
  // a refit's default tolerance (the profile applies from 1e-3 up)
  const kktTolerance = 1e-2;
  const { cols, a, b, opts } = refitCase(lambda, kktTolerance);
  const objOpts: ObjectiveOptions = { family: 'binomial' };
  // the optimum (KKT 1e-10: no profile)
  const optimum = solveAt(b.x, b.y, { ...opts, kktTolerance: 1e-10 });
  const refObjective = objectiveValue(b.x, b.y, optimum, lambda, objOpts).objective;

  it('cold, warm, noisy and online-like starts reach the unprofiled optimum, one singleton per row', () => {
    const loose = solveAt(b.x, b.y, { ...opts, profileSingletons: false });
    expect(loose.profiledColumns).toBeUndefined();
    const looseGap = relativeGap(objectiveValue(b.x, b.y, loose, lambda, objOpts).objective, refObjective);
    const prev = solveAt(a.x, a.y, opts);
    const noisy = Float64Array.from(prev.coefficients);
    const online = new Float64Array(cols);
    for (let j = 0; j < cols; j++) {
      if (b.x.colStart[j + 1]! === b.x.colStart[j]!) continue;
      if (j % 3 === 0) noisy[j]! += ((j % 7) - 3) * 3e-4;
      // an online model's many small weights, on every column seen (singletons too)
      online[j] = prev.coefficients[j]! + ((j % 11) - 5) * 2e-3;
    }
    const starts: Record<string, Coefficients | undefined> = {
      cold: undefined,
      warm: prev,
      noisy: { intercept: prev.intercept, coefficients: noisy },
      online: { intercept: prev.intercept, coefficients: online },
    };
    const byRow = singletonsByRow(b.x);
    for (const [name, start] of Object.entries(starts)) {
      // from a start only with 'always' (the default profiles fits from zero)
      const fit: LambdaFit = solveAt(b.x, b.y, {
        ...opts,
        ...(start ? { start, profileSingletons: 'always' as const } : {}),
      });
      expect(fit.converged, name).toBe(true);
      expect(fit.startRefused, name).toBeUndefined();
      // the profile ran: most singleton columns left the solve, many rows' moves were put back
      expect(fit.profiledColumns!, name).toBeGreaterThan(1000);
      expect(fit.profiledRows!, name).toBeGreaterThan(100);
      const kkt = checkKkt(b.x, b.y, fit, lambda, objOpts);
      expect(kkt.maxViolation, name).toBeLessThan(kktTolerance);
      // as close to the optimum as the unprofiled fit at this tolerance
      const objective = objectiveValue(b.x, b.y, fit, lambda, objOpts).objective;
      expect(relativeGap(objective, refObjective), name).toBeLessThan(Math.max(1e-6, 3 * looseGap));
      // deterministic: a row's move sits on its first singleton (equal costs), never on the others
      let carried = 0;
      for (const list of byRow) {
        for (let k = 1; k < list.length; k++) expect(fit.coefficients[list[k]!], name).toBe(0);
        if (list.length > 0 && fit.coefficients[list[0]!] !== 0) carried++;
      }
      expect(carried, name).toBe(fit.profiledRows);
    }
  });

  it('matches the unprofiled fit with weights, penalty factors, an unpenalized singleton and each scaling', () => {
    // 300 rows, 6 shared columns (dense-ish) and 1–4 singletons per row with values ±1, 2, 0.5
    let seed = 12345;
    const rand = (): number => {
      seed = (Math.imul(seed, 1103515245) + 12345) >>> 0;
      return seed / 4294967296;
    };
    const n = 300;
    const shared = 6;
    const tr: number[] = [];
    const tc: number[] = [];
    const tv: number[] = [];
    let p = shared;
    const y = new Float64Array(n);
    for (let i = 0; i < n; i++) {
      let eta = -0.3;
      for (let j = 0; j < shared; j++) {
        if (rand() < 0.4) {
          tr.push(i);
          tc.push(j);
          tv.push(1);
          eta += (j - 2.5) * 0.6;
        }
      }
      const k = 1 + Math.floor(rand() * 4);
      for (let s = 0; s < k; s++) {
        tr.push(i);
        tc.push(p++);
        tv.push([1, -1, 2, 0.5][Math.floor(rand() * 4)]!);
      }
      y[i] = rand() < 1 / (1 + Math.exp(-eta)) ? 1 : 0;
    }
    const x = SparseDesign.fromTriplets(
      n,
      p,
      Int32Array.from(tr),
      Int32Array.from(tc),
      Float64Array.from(tv),
    );
    const weights = Float64Array.from({ length: n }, () => 0.5 + rand());
    const penaltyFactors = Float64Array.from({ length: p }, (_, j) => (j < shared ? 1 : [1, 2, 0.7][j % 3]!));
    const byRow = singletonsByRow(x);
    let moved = 0;
    for (const [standardize, unpenalized] of [
      [true, false],
      ['auto', false],
      [false, false],
      [true, true],
    ] as [Standardize, boolean][]) {
      // an unpenalized singleton (its row's loss has no minimum): that row is left to the solver
      penaltyFactors[shared + 5] = unpenalized ? 0 : 1;
      for (const lam of [0.002, 0.01]) {
        const o = {
          family: 'binomial' as const,
          lambda: lam,
          kktTolerance: 1e-3,
          weights,
          penaltyFactors,
          standardize,
        };
        const oo: ObjectiveOptions = { family: 'binomial', weights, penaltyFactors, standardize };
        const reference = solveAt(x, y, { ...o, kktTolerance: 1e-10 });
        expect(reference.profiledColumns).toBeUndefined();
        const fit = solveAt(x, y, o);
        const what = `${String(standardize)} λ=${lam}${unpenalized ? ' pf 0' : ''}`;
        expect(fit.converged, what).toBe(true);
        expect(fit.profiledColumns!, what).toBeGreaterThan(400);
        moved += fit.profiledRows!;
        expect(checkKkt(x, y, fit, lam, oo).maxViolation, what).toBeLessThan(1e-3);
        const objective = objectiveValue(x, y, fit, lam, oo).objective;
        const refObjective = objectiveValue(x, y, reference, lam, oo).objective;
        if (unpenalized) expect(objective, what).toBeLessThan(refObjective * (1 + 1e-6));
        else expect(relativeGap(objective, refObjective), what).toBeLessThan(1e-6);
        // a row's move sits on its cheapest singleton (λ pf s / |x| per unit of η)
        for (const list of byRow) {
          const nonzero = list.filter((j) => fit.coefficients[j] !== 0);
          if (unpenalized && list.includes(shared + 5)) continue;
          expect(nonzero.length, what).toBeLessThanOrEqual(1);
        }
      }
    }
    expect(moved).toBeGreaterThan(50);
  });

  it('is off from a start (by default), for the elastic net, tight tolerances and with profileSingletons false', () => {
    const small = refitWindow({ rows: 400, cols: 4_000 });
    const o = { family: 'binomial' as const, lambda: 0.005, kktTolerance: 1e-2 };
    const cold = solveAt(small.x, small.y, o);
    expect(cold.profiledColumns).toBeGreaterThan(0);
    const warm = solveAt(small.x, small.y, { ...o, start: cold });
    expect(warm.profiledColumns).toBeUndefined();
    const plain = solveAt(small.x, small.y, { ...o, start: cold, profileSingletons: false });
    expect(Array.from(warm.coefficients)).toEqual(Array.from(plain.coefficients));
    expect(warm.passes).toBe(plain.passes);
    expect(solveAt(small.x, small.y, { ...o, l1Ratio: 0.5 }).profiledColumns).toBeUndefined();
    expect(solveAt(small.x, small.y, { ...o, kktTolerance: 1e-4 }).profiledColumns).toBeUndefined();
    expect(solveAt(small.x, small.y, { ...o, profileSingletons: false }).profiledColumns).toBeUndefined();
  });
});

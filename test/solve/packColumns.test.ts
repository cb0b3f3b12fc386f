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

  it('fits the refit case as before this change (b42553a): cold, warm and online starts', () => {
    // counts and numbers of the fits on main before the floor's work (bench/results/warmfloor-s24.md)
    const before = {
      cold: [83, 30, 306580, 663, -3.030039930921827, 0.2725951967655768],
      // warm and online: four non-zero fewer (957, 1027 before), coefficients of 2.2e-16 .. 1.1e-15
      // that are now exact zeros (`roundingZeros.ts`); the online fit's intercept moved by 4e-14
      // warm: each row's singletons but its cheapest left out since s32 (`singletonTwins`), at an
      // objective 7e-7 lower (main's: [31, 8, 147454, 953, -3.0291673427215704, 0.2725960004190645]);
      // s33: the rare moves' intercept steps stop within the fit's need, so the intercept moved by
      // 1.7e-10 (s32's: -3.029513354538369, 0.27259529366637497; bench/results/warm-s33.md)
      warm: [41, 9, 127679, 653, -3.0295133543725297, 0.2725952936663842],
      online: [63, 11, 399961, 1023, -3.029594511348803, 0.2725956472779011],
    };
    const prev = solveAt(a.x, a.y, opts);
    const fits = {
      cold: solveAt(b.x, b.y, opts),
      warm: solveAt(b.x, b.y, { ...opts, start: prev, rareMoves: true, tailSweeps: true }),
      online: solveAt(b.x, b.y, { ...opts, start: onlineStart() }),
    };
    for (const [start, f] of Object.entries(fits)) {
      const got = [f.passes, f.kktChecks, f.columnVisits, f.nonzero, f.intercept, f.objective];
      expect({ start, got }).toEqual({ start, got: before[start as keyof typeof before] });
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

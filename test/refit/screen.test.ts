import { describe, expect, it } from 'vitest';

import { refitScreen, solveRefitJob, windowDesign, type RefitJob } from '../../src/refit/job.js';
import type { WindowRows } from '../../src/refit/window.js';
import { checkKkt } from '../../src/solve/kkt.js';
import { objectiveValue } from '../../src/solve/objective.js';
import { solveAt } from '../../src/solve/solve.js';

function rng(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    return s / 4294967296;
  };
}

/**
 * A binomial window as the 200k prefix's: rows of binary ids with Zipf-like popularity (most seen
 * once or twice, ids 7 apart), a few numeric columns in every row, and labels from a few popular ids.
 */
function window(seed: number, n: number, weighted: boolean): WindowRows {
  const u = rng(seed);
  const rowStart = new Int32Array(n + 1);
  const cols: number[] = [];
  const values: number[] = [];
  const y = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    let eta = -0.3;
    const seen = new Set<number>();
    while (seen.size < 12) seen.add(Math.floor(20_000 * u() ** 3));
    for (const c of seen) {
      cols.push(7 * c + 100);
      values.push(1);
      if (c < 6) eta += c % 2 ? 0.8 : -0.8;
    }
    for (let k = 0; k < 3; k++) {
      const v = Math.round(100 * (u() - 0.5)) / 50;
      cols.push(k);
      values.push(v);
      if (k === 0) eta += v;
    }
    rowStart[i + 1] = cols.length;
    y[i] = u() < 1 / (1 + Math.exp(-eta)) ? 1 : 0;
  }
  const weights = Float64Array.from({ length: n }, () => (weighted ? 0.5 + u() : 1));
  const entries = { cols: Int32Array.from(cols), values: Float64Array.from(values) };
  return { first: 1, last: n, rows: n, rowStart, ...entries, y, weights };
}

function job(rows: WindowRows, lambda: number, over: Partial<RefitJob> = {}): RefitJob {
  return {
    key: 'k',
    family: 'binomial',
    lambda,
    l1Ratio: 1,
    standardize: false,
    kktTolerance: 1e-8,
    gapTolerance: 1e-8,
    rows,
    penaltyCols: new Int32Array(0),
    penaltyValues: new Float64Array(0),
    starts: [],
    ...over,
  };
}

/** The window's whole design (no screen), a refit's model and the job's penalty factors on its columns. */
function onWindow(rows: WindowRows, model: { cols: Int32Array; values: Float64Array }, j?: RefitJob) {
  const design = windowDesign(rows);
  const beta = new Float64Array(design.x.cols);
  for (let k = 0; k < model.cols.length; k++) beta[design.column(model.cols[k])] = model.values[k];
  const pf = new Float64Array(design.x.cols).fill(1);
  for (let k = 0; k < (j?.penaltyCols.length ?? 0); k++) {
    const c = design.column(j!.penaltyCols[k]);
    if (c >= 0) pf[c] = j!.penaltyValues[k];
  }
  design.release();
  return { x: design.x, beta, pf };
}

describe('refits on raw binomial columns leave out the columns that cannot enter (ColumnScreen)', () => {
  for (const [lambda, weighted] of [
    [0.002, false], // ids seen twice sit at the bound: Σ w |x| = λ exactly
    [0.003, true],
    [0.01, false],
  ] as const) {
    it(`gives the optimum of the whole window, certified on every column (λ = ${lambda}${weighted ? ', weighted' : ''})`, () => {
      const rows = window(3, 1000, weighted);
      const j = job(rows, lambda, {
        // an unpenalized rare id is kept, a heavily penalized popular one may be left out
        penaltyCols: Int32Array.of(rows.cols[0], 100),
        penaltyValues: Float64Array.of(0, 40),
      });
      const out = solveRefitJob(j);
      expect(out.screenedColumns).toBeGreaterThan(out.columns / 2);
      expect(out.converged).toBe(true);
      const { x, beta, pf } = onWindow(rows, out.model, j);
      expect(x.cols).toBe(out.columns);
      const options = {
        family: 'binomial' as const,
        standardize: false,
        weights: rows.weights,
        penaltyFactors: pf,
      };
      // the certificate from scratch on every column of the window, not only those solved
      const kkt = checkKkt(
        x,
        rows.y,
        { intercept: out.model.intercept, coefficients: beta },
        lambda,
        options,
      );
      expect(kkt.maxViolation).toBeLessThanOrEqual(1e-8);
      expect(out.kktMaxViolation).toBeGreaterThanOrEqual(kkt.maxViolation);
      const model = { intercept: out.model.intercept, coefficients: beta };
      expect(objectiveValue(x, rows.y, model, lambda, options).objective).toBeCloseTo(out.objective, 14);
      // the solver on the whole window reaches the same optimum
      const whole = solveAt(x, rows.y, { ...options, lambda, kktTolerance: 1e-8 });
      expect(out.objective).toBeCloseTo(whole.objective, 12);
    });
  }

  it("keeps the starts' non-zero columns (the same start objectives) and its certificate holds", () => {
    const rows = window(5, 1000, false);
    const cold = solveRefitJob(job(rows, 0.002));
    // a start with weights on ids the screen would leave out (the online model's stale ones)
    const design = windowDesign(rows);
    const rare: number[] = [];
    for (let c = 0; c < design.x.cols && rare.length < 20; c++) {
      if (design.x.colStart[c + 1] - design.x.colStart[c] === 1) rare.push(design.modelCol[c]);
    }
    design.release();
    const start = {
      intercept: cold.model.intercept,
      cols: Int32Array.from([...cold.model.cols, ...rare]),
      values: Float64Array.from([...cold.model.values, ...rare.map((_, k) => (k % 2 ? 0.5 : -0.5))]),
    };
    const warm = solveRefitJob(job(rows, 0.002, { starts: [{ source: 'online', model: start }] }));
    expect(warm.warmStart).toBe('online');
    const { x, beta } = onWindow(rows, start);
    const options = { family: 'binomial' as const, standardize: false, weights: rows.weights };
    const f = objectiveValue(x, rows.y, { intercept: start.intercept, coefficients: beta }, 0.002, options);
    expect(warm.startObjectives.online).toBeCloseTo(f.objective, 14);
    expect(warm.screenedColumns).toBe(cold.screenedColumns - rare.length);
    expect(warm.objective).toBeCloseTo(cold.objective, 10);
    for (const c of rare) expect(warm.model.cols.includes(c)).toBe(false);
  });

  it('solves a window whose columns are all left out: the intercept-only model, certified', () => {
    const rows = window(11, 300, false);
    const out = solveRefitJob(job(rows, 1));
    expect(out.screenedColumns).toBe(out.columns);
    expect(out.model.cols.length).toBe(0);
    const ybar = rows.y.reduce((s, v) => s + v, 0) / rows.rows;
    expect(out.model.intercept).toBeCloseTo(Math.log(ybar / (1 - ybar)), 6);
    expect(out.kktMaxViolation).toBe(0);
    const { x, beta } = onWindow(rows, out.model);
    const options = { family: 'binomial' as const, standardize: false };
    expect(
      checkKkt(x, rows.y, { intercept: out.model.intercept, coefficients: beta }, 1, options).maxViolation,
    ).toBe(0);
  });

  it('screens nothing on standardized columns, gaussian fits or without an L1 penalty', () => {
    const rows = window(7, 400, false);
    expect(refitScreen(job(rows, 0.01, { standardize: true }))).toBeUndefined();
    expect(refitScreen(job(rows, 0.01, { standardize: 'auto' }))).toBeUndefined();
    expect(refitScreen(job(rows, 0.01, { family: 'gaussian' }))).toBeUndefined();
    expect(refitScreen(job(rows, 0))).toBeUndefined();
    expect(solveRefitJob(job(rows, 0.01, { standardize: 'auto', kktTolerance: 1e-4 })).screenedColumns).toBe(
      0,
    );
  });
});

describe('checkKkt', () => {
  it('reports the largest |y − μ| over rows of positive weight', () => {
    const rows = window(9, 300, true);
    const w = Float64Array.from(rows.weights);
    w[0] = 0;
    const design = windowDesign(rows);
    const beta = new Float64Array(design.x.cols);
    beta[design.column(0)] = 2;
    design.release();
    const kkt = checkKkt(design.x, rows.y, { intercept: 0.1, coefficients: beta }, 0.01, {
      family: 'binomial',
      standardize: false,
      weights: w,
    });
    let largest = 0;
    for (let i = 1; i < rows.rows; i++) {
      let eta = 0.1;
      for (let k = rows.rowStart[i]; k < rows.rowStart[i + 1]; k++)
        if (rows.cols[k] === 0) eta += 2 * rows.values[k];
      largest = Math.max(largest, Math.abs(rows.y[i] - 1 / (1 + Math.exp(-eta))));
    }
    expect(kkt.maxResidual).toBeCloseTo(largest, 14);
  });
});

/**
 * λ "auto" on a stream with a column in every event (`kind`: one level), whose gradient at the
 * intercept-only model is 0 up to rounding: it set λ_max (1.7e-16, taken for the ordinary columns'
 * level by the outlier rule), the gaussian noise cap's lasso at that λ returned NaN, and every
 * event after the warm-up was rejected as a numeric overflow.
 */
import { describe, expect, it } from 'vitest';

import { lambdaMax } from '../../src/model/autoLambda.js';
import { OnlineModel } from '../../src/model/onlineModel.js';
import { SparseDesign } from '../../src/solve/design.js';
import { solveAt } from '../../src/solve/solve.js';

const events = [...Array(2000).keys()]
  .filter((i) => i !== 9)
  .map((i) => ({ label: i % 5, features: { kind: 'tv', x: i % 17 } }));

describe('a column in every event under λ "auto"', () => {
  it('does not set λ_max, and every event is learned', () => {
    const model = new OnlineModel({ family: 'gaussian' });
    const rejected = events
      .map((e) => model.process(e))
      .filter((o) => o.rejected !== null && o.rejected !== undefined);
    expect(rejected).toEqual([]);
    expect(model.lambda).toBeGreaterThan(1e-8);
    expect(Number.isFinite(model.snapshot().intercept)).toBe(true);
  });

  it("lambdaMax leaves out a column whose gradient cancels to rounding (x's alone sets it)", () => {
    const warm = events.slice(0, 1000).map((e) => ({
      x: { indices: Int32Array.from([0, 1]), values: Float64Array.from([1, e.features.x]), nnz: 2 },
      y: e.label,
      weight: 1,
    }));
    const alone = warm.map((e) => ({
      ...e,
      x: { indices: Int32Array.from([1]), values: Float64Array.from([e.x.values[1]!]), nnz: 1 },
    }));
    const max = lambdaMax(
      warm,
      () => 1,
      () => 1,
      1,
    );
    expect(max).toBe(
      lambdaMax(
        alone,
        () => 1,
        () => 1,
        1,
      ),
    );
    expect(max).toBeGreaterThan(1e-6);
  });

  it('solveAt at λ = 0 with a sparse column of 1s in every row: left out as constant, not NaN', () => {
    const rows = events.slice(0, 1000);
    const starts = [0];
    const cols: number[] = [];
    const vals: number[] = [];
    for (const e of rows) {
      cols.push(0, 1);
      vals.push(1, e.features.x);
      starts.push(cols.length);
    }
    const y = Float64Array.from(rows, (e) => e.label);
    const fit = solveAt(SparseDesign.fromRows(rows.length, 2, starts, cols, vals), y, {
      family: 'gaussian',
      lambda: 0,
    });
    expect(fit.coefficients[0]).toBe(0);
    expect(Number.isFinite(fit.intercept) && Number.isFinite(fit.coefficients[1]!)).toBe(true);
    // least squares on x alone
    const n = rows.length;
    const mx = rows.reduce((s, e) => s + e.features.x, 0) / n;
    const my = rows.reduce((s, e) => s + e.label, 0) / n;
    const sxy = rows.reduce((s, e) => s + (e.features.x - mx) * (e.label - my), 0);
    const sxx = rows.reduce((s, e) => s + (e.features.x - mx) ** 2, 0);
    expect(fit.coefficients[1]).toBeCloseTo(sxy / sxx, 10);
  });
});

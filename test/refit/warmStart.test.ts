import { describe, expect, it } from 'vitest';

import { solveRefitJob, type RefitJob } from '../../src/refit/job.js';

/** A binomial window of 600 events on 300 sparse binary model columns (ids 1000 apart), seeded. */
function job(starts: RefitJob['starts']): RefitJob {
  let s = 5;
  const u = () => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    return s / 4294967296;
  };
  const n = 600;
  const rowStart = new Int32Array(n + 1);
  const cols: number[] = [];
  const y = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    let eta = -0.5;
    const seen = new Set<number>();
    while (seen.size < 6) seen.add(Math.floor(300 * u() ** 2));
    for (const c of seen) {
      cols.push(1000 * c);
      if (c < 5) eta += c % 2 ? 1 : -1;
    }
    rowStart[i + 1] = cols.length;
    y[i] = u() < 1 / (1 + Math.exp(-eta)) ? 1 : 0;
  }
  return {
    key: 'm',
    family: 'binomial',
    lambda: 0.01,
    l1Ratio: 1,
    standardize: true,
    kktTolerance: 1e-10,
    gapTolerance: 1e-10,
    rows: {
      first: 1,
      last: n,
      rows: n,
      rowStart,
      cols: Int32Array.from(cols),
      values: new Float64Array(cols.length).fill(1),
      y,
      weights: new Float64Array(n).fill(1),
    },
    penaltyCols: new Int32Array(0),
    penaltyValues: new Float64Array(0),
    starts,
  };
}

describe('refit warm starts', () => {
  it("a start worse than the intercept-only model is refused: warmStart 'none', the cold fit's optimum", () => {
    const cold = solveRefitJob(job([]));
    // an online model's start: large weights on every column
    const cols = Int32Array.from({ length: 300 }, (_, c) => 1000 * c);
    const values = Float64Array.from(cols, (_, c) => (c % 2 ? 3 : -3));
    const refused = solveRefitJob(job([{ source: 'online', model: { intercept: 0, cols, values } }]));
    expect(refused.startObjectives.online).toBeGreaterThan(Math.log(2));
    expect(refused.warmStart).toBe('none');
    expect(refused.converged).toBe(true);
    expect(refused.passes).toBe(cold.passes);
    expect(Math.abs(refused.objective - cold.objective) / cold.objective).toBeLessThan(1e-12);
    // the cold fit's own solution is a start that is used
    const warm = solveRefitJob(job([{ source: 'refit', model: cold.model }]));
    expect(warm.warmStart).toBe('refit');
    expect(Math.abs(warm.objective - cold.objective) / cold.objective).toBeLessThan(1e-10);
    expect(warm.kktMaxViolation).toBeLessThan(1e-8);
  });

  it('of two starts, the one with the lower objective on the window is taken, whichever comes first', () => {
    const cold = solveRefitJob(job([]));
    const m = cold.model;
    // the optimum, and a worse start (every other weight halved) that still beats the intercept alone
    const best = { source: 'refit' as const, model: m };
    const values = Float64Array.from(m.values, (v, k) => (k % 2 ? v / 2 : v));
    const worse = { source: 'online' as const, model: { intercept: m.intercept, cols: m.cols, values } };
    for (const starts of [
      [best, worse],
      [worse, best],
    ]) {
      const fit = solveRefitJob(job(starts));
      expect(fit.startObjectives.refit).toBeLessThan(fit.startObjectives.online!);
      expect(fit.startObjectives.online).toBeLessThan(Math.log(2));
      expect(fit.warmStart, starts[0]!.source).toBe('refit');
      expect(Math.abs(fit.objective - cold.objective) / cold.objective).toBeLessThan(1e-10);
    }
    // and the online start when it is the better one
    const online = solveRefitJob(
      job([
        { ...worse, source: 'refit' },
        { ...best, source: 'online' },
      ]),
    );
    expect(online.warmStart).toBe('online');
  });

  it("only a previous refit's start has its rare columns moved first (`rareMoves`)", () => {
    const cold = solveRefitJob(job([]));
    // the cold solution with every other weight dropped: rare columns violate their KKT conditions
    const m = cold.model;
    const values = Float64Array.from(m.values, (v, k) => (k % 2 ? 0 : v));
    const start = { intercept: m.intercept, cols: m.cols, values };
    const fromRefit = solveRefitJob(job([{ source: 'refit', model: start }]));
    const fromOnline = solveRefitJob(job([{ source: 'online', model: start }]));
    expect(fromRefit.warmStart).toBe('refit');
    expect(fromOnline.warmStart).toBe('online');
    for (const fit of [fromRefit, fromOnline]) {
      expect(fit.converged).toBe(true);
      expect(Math.abs(fit.objective - cold.objective) / cold.objective).toBeLessThan(1e-10);
    }
    // the same start, the same window: only the moves tell them apart
    expect(fromRefit.passes).not.toBe(fromOnline.passes);
  });
});

describe('a binomial refit window of one class', () => {
  it('is reported not converged, with the reason (no finite model is optimal); two classes converge', () => {
    const both = job([]);
    expect(solveRefitJob(both).converged).toBe(true);
    for (const label of [0, 1]) {
      const one = job([]);
      one.rows.y.fill(label);
      const outcome = solveRefitJob(one);
      expect(outcome.converged).toBe(false);
      expect(outcome.reason).toBe(
        `every label of the window (of weight > 0) is ${label}: no finite model is optimal, so this refit is no estimate (not served, handed back or checked for drift)`,
      );
    }
    // a row of the other class with weight 0 does not count
    const weighted = job([]);
    weighted.rows.y.fill(0);
    weighted.rows.y[7] = 1;
    (weighted.rows.weights as Float64Array)[7] = 0;
    expect(solveRefitJob(weighted).converged).toBe(false);
  });
});

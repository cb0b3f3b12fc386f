import { describe, expect, it } from 'vitest';

import { DenseDesign, type Design } from '../../src/solve/design.js';
import { lambdaMaxOf, nullStart } from '../../src/solve/descend.js';
import { DualExtrapolation } from '../../src/solve/dualExtrapolation.js';
import { Engine } from '../../src/solve/engine.js';
import { dualGap } from '../../src/solve/gaussianNaive.js';
import { prepareProblem, type SolverOptions } from '../../src/solve/problem.js';
import { CdState } from '../../src/solve/state.js';
import { sweep } from '../../src/solve/sweeps.js';
import { sparseFromRows } from '../helpers/designs.js';
import { glmnetFixture } from '../helpers/glmnetFixture.js';

/**
 * The extrapolated dual point of the certified gaussian solver (`dualExtrapolation.ts`): its
 * objective is a lower bound of the optimum at every sweep (else its gap could certify a point
 * that is not optimal), and near convergence its gap is below the rescaled residual's.
 */
const fixture = glmnetFixture();
const lassos = fixture.cases.filter(
  (c) => c.family === 'gaussian' && c.l1Ratio === 1 && !(c.penaltyFactors ?? []).some((v) => v === 0),
);

/** ½ Σ W r² + λ Σ pf |β| at the state's point. */
function primal(st: CdState, lambda: number): number {
  let r2 = 0;
  for (let i = 0; i < st.n; i++) {
    const r = st.rho[i]! + st.shift;
    r2 += st.W[i]! * r * r;
  }
  let pen = 0;
  for (let j = 0; j < st.p; j++) pen += st.problem.pf[j]! * Math.abs(st.beta[j]!);
  return 0.5 * r2 + lambda * pen;
}

describe('fixture cases', () => {
  it('include lasso cases with and without standardization and weights', () => {
    expect(lassos.some((c) => c.standardize)).toBe(true);
    expect(lassos.some((c) => !c.standardize)).toBe(true);
    expect(lassos.some((c) => c.weights)).toBe(true);
  });
});

describe.each(lassos)('dual extrapolation: $name', (cs) => {
  const data = fixture.datasets[cs.dataset]!;
  const designs: Array<[string, Design]> = [
    ['sparse', sparseFromRows(data.x)],
    ['dense', DenseDesign.fromRows(data.x)],
  ];
  const opts: SolverOptions = {
    standardize: cs.standardize,
    mode: 'naive',
    ...(cs.weights ? { weights: cs.weights } : {}),
    ...(cs.penaltyFactors ? { penaltyFactors: cs.penaltyFactors } : {}),
  };

  it.each(designs)('%s design: a lower bound of the optimum at every sweep, tight near it', (_kind, x) => {
    const problem = prepareProblem(x, data.y, opts);
    // the optimum at a λ in the middle of the fixture's path, certified to 1e-12·var(y)
    const engine = new Engine({ ...problem, gapTolerance: 1e-12 });
    nullStart(problem, engine);
    const lambdaMax = lambdaMaxOf(problem, engine);
    const lambda = cs.fits[Math.floor(cs.fits.length / 2)]!.lambda;
    expect(lambda).toBeLessThan(lambdaMax);
    engine.addStrongSet(lambda, lambdaMax);
    expect(engine.solve(lambda).converged).toBe(true);
    const o = engine.objective(lambda);
    const optimum = o.loss + o.penalty;

    // sweeps over every feature from the null model, the residual recorded after each
    const st = new CdState(problem);
    st.setPoint(problem.yMean, new Float64Array(st.p));
    for (let j = 0; j < st.p; j++) st.addToSet(j);
    st.resetResidual(problem.y);
    const dual = new DualExtrapolation(st);
    expect(DualExtrapolation.applies(st)).toBe(true);
    dual.startAt(lambda);
    const counts = { passes: 0, kkt: 0 };
    let tried = 0;
    let better = 0;
    let best = Infinity;
    for (let pass = 1; pass <= 60; pass++) {
      sweep(st, lambda);
      st.refreshSums();
      dual.record(pass, st.setSize);
      const gap = dual.gap(lambda, counts);
      if (pass < 3) {
        expect(gap).toBe(Infinity); // too few residuals
        continue;
      }
      tried++;
      const P = primal(st, lambda);
      // weak duality: the dual objective P − gap never exceeds the optimum
      expect(P - gap).toBeLessThanOrEqual(optimum + 1e-13 * Math.abs(optimum));
      best = Math.min(best, gap);
      // the rescaled residual's gap at the same point (every gradient exact)
      for (let j = 0; j < st.p; j++) st.grad[j] = st.gradient(j);
      const residualGap = dualGap(st, lambda);
      if (gap < residualGap) better++;
    }
    expect(tried).toBe(58);
    expect(counts.kkt).toBeGreaterThan(0);
    expect(counts.kkt).toBeLessThanOrEqual(tried);
    expect(best).toBeLessThan(1e-9 * problem.yVar);
    expect(better).toBeGreaterThan(0);
  });
});

describe.each(lassos.slice(0, 3))('residuals of a combination of iterates: $name', (cs) => {
  const data = fixture.datasets[cs.dataset]!;
  it.each([
    ['sparse', sparseFromRows(data.x)],
    ['dense', DenseDesign.fromRows(data.x)],
  ] as Array<[string, Design]>)(
    '%s design: the residual of Σ c β⁽ᵃ⁾, Σ c b0⁽ᵃ⁾ (Anderson steps)',
    (_kind, x) => {
      const problem = prepareProblem(x, data.y, {
        standardize: cs.standardize,
        mode: 'naive',
        ...(cs.weights ? { weights: cs.weights } : {}),
      });
      const lambda = cs.fits[Math.floor(cs.fits.length / 2)]!.lambda;
      const st = new CdState(problem);
      st.setPoint(problem.yMean, new Float64Array(st.p));
      for (let j = 0; j < st.p; j++) st.addToSet(j);
      st.resetResidual(problem.y);
      const dual = new DualExtrapolation(st);
      dual.startAt(lambda);
      const betas: Float64Array[] = [];
      const b0s: number[] = [];
      const passes = Int32Array.from([0, 0, 0, 0, 0]);
      for (let pass = 1; pass <= 4; pass++) {
        sweep(st, lambda);
        dual.record(pass, st.setSize);
        betas.push(st.beta.slice());
        b0s.push(st.b0);
        passes[pass] = pass;
      }
      const c = Float64Array.from([-0.4, 0.9, 0.2, 0.3]);
      const out = new Float64Array(st.n);
      expect(dual.combine(c, passes, 1, 4, out)).toBe(true);
      // the combined point's residual from scratch
      const beta = new Float64Array(st.p);
      let b0 = 0;
      for (let a = 0; a < 4; a++) {
        b0 += c[a]! * b0s[a]!;
        for (let j = 0; j < st.p; j++) beta[j]! += c[a]! * betas[a]![j]!;
      }
      const fresh = new CdState(problem);
      fresh.setPoint(b0, beta);
      fresh.resetResidual(problem.y);
      let scale = 0;
      for (let i = 0; i < st.n; i++) scale = Math.max(scale, Math.abs(fresh.rho[i]! + fresh.shift));
      for (let i = 0; i < st.n; i++)
        expect(Math.abs(out[i]! - (fresh.rho[i]! + fresh.shift))).toBeLessThan(1e-12 * scale);
      // a pass not held (never recorded, or before a reset): no combination
      passes[2] = 7;
      expect(dual.combine(c, passes, 1, 4, out)).toBe(false);
      passes[2] = 2;
      dual.reset();
      expect(dual.combine(c, passes, 1, 4, out)).toBe(false);
    },
  );
});

describe('dual extrapolation applies to lasso problems only', () => {
  const x = DenseDesign.fromRows([
    [1, 0, 2],
    [0, 1, 1],
    [1, 1, 0],
    [2, 1, 1],
  ]);
  const y = [1, 0, 1, 2];
  it.each([
    ['lasso', {}, true],
    ['elastic net', { l1Ratio: 0.5 }, false],
    ['an unpenalized feature', { penaltyFactors: [1, 0, 1] }, false],
    ['an excluded feature', { penaltyFactors: [1, Infinity, 1] }, true],
  ] as Array<[string, SolverOptions, boolean]>)('%s', (_name, options, applies) => {
    const st = new CdState(prepareProblem(x, y, options));
    expect(DualExtrapolation.applies(st)).toBe(applies);
  });
});

import { describe, expect, it } from 'vitest';

import { Ftrl } from '../../src/learn/ftrl.js';
import { solveRefitJob } from '../../src/refit/job.js';
import { sparseOf } from '../../src/core/sparse.js';
import { engineConfig, gaussianEvents, learnBatch, liveModel } from '../engine/helpers.js';

describe('a refit handed back to the online learner (refit.handBack, FTRL)', () => {
  it('Ftrl.assignWeights sets exactly the given weights, keeps learning from them', () => {
    const f = new Ftrl({ family: 'binomial', lambda: 0.01, l1Ratio: 0.7, alpha: 0.1, beta: 1 });
    for (let i = 0; i < 200; i++)
      f.learnOne(
        sparseOf([
          [i % 7, 1],
          [7 + (i % 3), 0.5],
        ]),
        i % 2,
      );
    f.setPenaltyFactor(3, 0);
    f.assignWeights(-0.25, Int32Array.from([1, 3, 8]), Float64Array.from([0.5, -1.25, 2]));
    const weights = Array.from({ length: 10 }, (_, j) => f.coefficient(j));
    expect(weights.map((w) => Number(w.toFixed(12)))).toEqual([0, 0.5, 0, -1.25, 0, 0, 0, 0, 2, 0]);
    expect(f.intercept()).toBeCloseTo(-0.25, 12);
    const margin = f.learnOne(
      sparseOf([
        [1, 1],
        [8, 1],
      ]),
      1,
    );
    expect(margin).toBeCloseTo(-0.25 + 0.5 + 2, 12);
  });

  it("the live model's online weights equal the refit's on the original scale after it is accepted", () => {
    const config = engineConfig({
      model: { labelWarmup: 30, lambda: 0.01 },
      refit: { handBack: true, window: 300 },
    });
    const live = liveModel('m', config);
    learnBatch(live, gaussianEvents(4, 400));
    const job = live.refitJob()!;
    const outcome = solveRefitJob(job);
    const snapshot = live.acceptRefit(outcome, 0);
    expect(snapshot.metrics?.handedBack).toBe(true);
    const online = live.model.view();
    expect(Object.keys(online.coefficients).sort()).toEqual(Object.keys(snapshot.coefficients).sort());
    for (const [name, beta] of Object.entries(snapshot.coefficients))
      expect(online.coefficients[name]).toBeCloseTo(beta, 10);
    expect(online.intercept).toBeCloseTo(snapshot.intercept, 10);
  });

  it('a refit of a window of one class (no estimate) is published with its reason, but neither handed back nor served nor judged for drift', () => {
    const config = engineConfig({
      model: { family: 'binomial', lambda: 0.01 },
      refit: { handBack: true, window: 300, serve: 'refit' },
    });
    const live = liveModel('m', config);
    const mixed = gaussianEvents(4, 400).map((e) => ({ ...e, label: (e.label as number) > 0 ? 1 : 0 }));
    learnBatch(live, mixed);
    const first = live.acceptRefit(solveRefitJob(live.refitJob()!), 0);
    expect(first.metrics?.handedBack).toBe(true);
    expect(live.isEstimate(first)).toBe(true);
    // the last 300 events all of class 0: the refit's window has one class
    learnBatch(
      live,
      gaussianEvents(5, 300).map((e) => ({ ...e, label: 0 })),
    );
    const online = live.model.view();
    const served = live.state().refit;
    const outcome = solveRefitJob(live.refitJob()!);
    expect(outcome.noEstimate).toBe(true);
    // (the solver's answer: an intercept where the gradient rounds to 0)
    expect(Math.abs(outcome.model.intercept)).toBeGreaterThan(10);
    const snapshot = live.acceptRefit(outcome, 0);
    expect(snapshot.metrics).toMatchObject({ converged: false, handedBack: false, noEstimate: true });
    expect(first.metrics?.noEstimate).toBeUndefined();
    expect(snapshot.metrics?.reason).toMatch(
      /every label of the window \(of weight > 0\) is 0: .*\(not served, handed back or checked for drift/,
    );
    expect(snapshot.intercept).toBe(outcome.model.intercept);
    expect(live.isEstimate(snapshot)).toBe(false);
    const after = live.model.view();
    expect([after.intercept, after.coefficients]).toEqual([online.intercept, online.coefficients]);
    expect(live.state().refit).toEqual(served);
    // the score of an event is still the first refit's
    const e = mixed[0]!;
    const score = live.score(e, { source: 'test', offset: '1' }, 0.5, 3);
    expect(score.model).toMatchObject({ source: 'refit', version: first.version });
  });

  it('is refused for learners that cannot take weights', () => {
    expect(() => engineConfig({ model: { learner: 'fobos' }, refit: { handBack: true } })).toThrow(
      /refit\.handBack: only the ftrl learner/,
    );
  });
});

import { describe, expect, it } from 'vitest';

import type { L1Event } from '../../src/core/event.js';
import type { RefitOutcome } from '../../src/refit/job.js';
import { engineConfig, gaussianEvents, learnBatch, liveModel } from '../engine/helpers.js';

/** A refit's outcome with the given coefficients by column (the rest as a converged solve's). */
function outcome(last: number, cols: number[], values: number[]): RefitOutcome {
  return {
    key: 'm',
    first: 1,
    last,
    rows: last,
    columns: cols.length,
    screenedColumns: 0,
    model: { intercept: 0, cols: Int32Array.from(cols), values: Float64Array.from(values) },
    objective: 0,
    kktMaxViolation: 0,
    converged: true,
    passes: 1,
    outerIterations: 1,
    warmStart: 'none',
    startObjectives: {},
    buildMs: 0,
    solveMs: 0,
    kktMs: 0,
  };
}

describe("a refit's coefficients are weighed by the online scaler's sd, by name", () => {
  it('a feature in large units that only the refit has (online coefficient 0) enters the support by its effect', () => {
    // λ so large the online model keeps every coefficient at 0: no online snapshot knows a scale
    const live = liveModel(
      'm',
      engineConfig({ model: { lambda: 100, labelWarmup: 30 }, refit: { window: 400 } }),
    );
    // big: x3 in units 1000 times smaller (sd ≈ 577)
    const events: L1Event[] = gaussianEvents(5, 400).map((e) => ({
      ...e,
      features: { ...e.features, big: 1000 * Number(e.features.x3) },
    }));
    learnBatch(live, events);
    expect(live.model.view().coefficients).toEqual({});
    const vocabulary = live.model.featurizer.vocabulary;
    const x1 = vocabulary.indexOf('x1');
    const big = vocabulary.indexOf('big');
    // (support.warmupSnapshots and persistence: 2 refits each)
    for (let i = 0; i < 2; i++)
      expect(live.drift.onSnapshot(live.acceptRefit(outcome(400, [x1], [2]), 0))).toEqual([]);
    // β = 0.001 per unit of big is an effect of about 0.58 per sd: material (drift.minEffect 0.1)
    const support = [];
    for (let i = 0; i < 2; i++)
      for (const a of live.drift.onSnapshot(live.acceptRefit(outcome(400, [x1, big], [2, 0.001]), 0)))
        if (a.type === 'support-drift') support.push(a);
    expect(support.map((a) => a.message)).toEqual([expect.stringMatching(/entered: big\b/)]);
  });
});

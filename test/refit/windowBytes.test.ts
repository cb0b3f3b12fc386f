/**
 * A refit snapshot's `windowBytes` (docs/outputs.md: the memory of the window's compact sparse
 * rows, about 12 bytes per non-zero and 20 per row) was read by no test. It is checked against the
 * rows the refit solved on, counted independently, after the window has dropped older rows.
 */
import { describe, expect, it } from 'vitest';

import { solveRefitJob } from '../../src/refit/job.js';
import { engineConfig, gaussianEvents, learnBatch, liveModel } from '../engine/helpers.js';

describe("a refit snapshot's windowBytes", () => {
  it('is 12 bytes per non-zero and 20 per row of the window it solved on', () => {
    const live = liveModel(
      'm',
      engineConfig({ model: { labelWarmup: 30, lambda: 0.01 }, refit: { window: 300 } }),
    );
    learnBatch(live, gaussianEvents(4, 1500));
    const job = live.refitJob()!;
    expect(job.rows.rows).toBe(300);
    let nonZeros = 0;
    for (let r = 0; r < job.rows.rows; r++) nonZeros += job.rows.rowStart[r + 1]! - job.rows.rowStart[r]!;
    expect(nonZeros).toBeGreaterThan(300);
    const snapshot = live.acceptRefit(solveRefitJob(job), 0);
    expect(snapshot.window).toEqual({ first: 1201, last: 1500, events: 300 });
    expect(snapshot.metrics?.windowBytes).toBe(12 * nonZeros + 20 * 300);
  });
});

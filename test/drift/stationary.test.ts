import { describe, expect, it } from 'vitest';

import { DriftMonitor } from '../../src/drift/index.js';
import { feed, fixedClock, snapshot, syntheticEvents } from './helpers.js';

/** 60 features with occurrence rates from 50% down to 0.2%, as a sparse event stream has. */
const rates = Array.from({ length: 60 }, (_, j) => [0.5, 0.2, 0.05, 0.01, 0.002][j % 5]);

describe('default settings raise no alert on stationary streams of a million events', () => {
  for (const seed of [101, 102]) {
    it(`binomial (log loss, label rate, input sparsity), seed ${seed}`, () => {
      const monitor = new DriftMonitor({ family: 'binomial', clock: fixedClock });
      const alerts = feed(syntheticEvents(seed, 1_000_000, rates), 1000, (b) => monitor.onBatch(b));
      expect(alerts).toEqual([]);
    });
  }

  it('gaussian (squared error: a skewed loss), seed 103', () => {
    const monitor = new DriftMonitor({ family: 'gaussian', clock: fixedClock });
    const alerts = feed(syntheticEvents(103, 1_000_000, rates, { sd: 2 }), 1000, (b) => monitor.onBatch(b));
    expect(alerts).toEqual([]);
  });

  it('the same detectors do alert on these streams once the base rate shifts (the test can fail)', () => {
    const monitor = new DriftMonitor({ family: 'binomial', clock: fixedClock });
    const alerts = feed(
      syntheticEvents(101, 200_000, rates, { changeAt: 100_000, baseRateAfter: 0.4 }),
      1000,
      (b) => monitor.onBatch(b),
    );
    expect(alerts.filter((a) => a.type === 'loss-drift').length).toBeGreaterThan(0);
  });

  it('noisy but stationary model snapshots (coefficients jittering around fixed values) raise no alert', () => {
    const monitor = new DriftMonitor({ clock: fixedClock });
    let s = 7;
    const jitter = () => {
      s = (s * 1103515245 + 12345) % 2147483648;
      return s / 2147483648 - 0.5;
    };
    const alerts = [];
    for (let v = 1; v <= 1000; v++) {
      // `near` hovers around zero: in and out of the non-zero set, always below the exit share
      const coefficients: Record<string, number> = {
        a: 2 + 0.2 * jitter(),
        b: -1 + 0.2 * jitter(),
        c: 0.5 + 0.1 * jitter(),
      };
      const near = 0.01 * jitter();
      if (near > 0) coefficients.near = near;
      alerts.push(...monitor.onSnapshot(snapshot(v, coefficients)));
    }
    expect(alerts).toEqual([]);
  });
});

/**
 * `drift.minEffect` is the smallest effect that counts for the support check and for the sign check
 * alike. Both checks shared one scale, taken of the lower of `support.enter` and
 * `signFlip.material`, so the check with the higher share needed an effect of minEffect × its
 * share / the lower one: with enter 0.1 and material 0.05 (minEffect 0.1), a coefficient of effect
 * 0.15 (15 % of the largest, 1) never entered the support; with the two swapped, a coefficient of
 * effect 0.15 could change sign without an alert.
 */
import { describe, expect, it } from 'vitest';

import { DriftMonitor } from '../../src/drift/driftMonitor.js';
import type { Alert, ModelSnapshot } from '../../src/model/snapshot.js';

let version = 0;
const snapshot = (coefficients: Record<string, number>): ModelSnapshot => ({
  key: 'm',
  version: ++version,
  offset: 1000 * version,
  source: 'refit',
  family: 'gaussian',
  learner: 'coordinate-descent',
  lambda: 0.01,
  l1Ratio: 1,
  intercept: 0,
  coefficients,
  createdAt: '2026-12-05T00:00:00.000Z',
});

function alertsOf(config: object, models: Record<string, number>[]): Alert[] {
  const monitor = new DriftMonitor({ config, family: 'gaussian', clock: () => new Date(0) });
  return models.flatMap((m) => monitor.onSnapshot(snapshot(m)));
}

const noInput = {
  loss: { enabled: false },
  inputSequential: { enabled: false },
  inputOutliers: { enabled: false },
};

describe('drift.minEffect is the floor of each check, whatever the other check’s share', () => {
  it('support: an effect of 0.15 (share 0.15 ≥ enter 0.1, ≥ minEffect 0.1) enters with material 0.05', () => {
    for (const material of [0.05, 0.1, 0.2]) {
      const config = { ...noInput, signFlip: { material }, support: { enter: 0.1, exit: 0.02 } };
      const alerts = alertsOf(config, [{ a: 1 }, { a: 1 }, { a: 1 }, { a: 1, b: 0.15 }, { a: 1, b: 0.15 }]);
      expect(alerts.map((a) => [a.type, a.message])).toEqual([
        ['support-drift', expect.stringMatching(/entered: b$/)],
      ]);
    }
  });

  it('support: an effect below minEffect stays out, however large its share', () => {
    const config = { ...noInput, signFlip: { material: 0.05 }, support: { enter: 0.1, exit: 0.02 } };
    // largest 0.5: b's share is 0.16, its effect 0.08 < 0.1
    expect(
      alertsOf(config, [{ a: 0.5 }, { a: 0.5 }, { a: 0.5 }, { a: 0.5, b: 0.08 }, { a: 0.5, b: 0.08 }]),
    ).toEqual([]);
  });

  it('signs: an effect of 0.15 that changes sign is reported with enter 0.05 and material 0.1', () => {
    for (const enter of [0.05, 0.1]) {
      const config = { ...noInput, support: { enter, exit: 0.01 }, signFlip: { material: 0.1 } };
      const alerts = alertsOf(config, [
        { a: 1, b: 0.15 },
        { a: 1, b: 0.15 },
        { a: 1, b: -0.15 },
        { a: 1, b: -0.15 },
      ]);
      expect(alerts.filter((a) => a.type === 'sign-flip').map((a) => a.message)).toEqual([
        expect.stringMatching(/changed sign: b \(0\.1500 → -0\.1500\)/),
      ]);
    }
  });

  it('support: a feature in the support leaves once its effect is below minEffect × exit / enter', () => {
    const config = { ...noInput, signFlip: { material: 0.05 }, support: { enter: 0.1, exit: 0.05 } };
    // in at 0.15; 0.06 ≥ 0.1 × 0.05 / 0.1 = 0.05 keeps it; 0.04 takes it out
    const kept = alertsOf(config, [
      { a: 1 },
      { a: 1 },
      { a: 1 },
      { a: 0.5, b: 0.15 },
      { a: 0.5, b: 0.15 },
      { a: 0.5, b: 0.06 },
      { a: 0.5, b: 0.06 },
    ]);
    expect(kept.map((a) => a.message)).toEqual([expect.stringMatching(/entered: b$/)]);
    const left = alertsOf(config, [
      { a: 1 },
      { a: 1 },
      { a: 1 },
      { a: 0.5, b: 0.15 },
      { a: 0.5, b: 0.15 },
      { a: 0.5, b: 0.04 },
      { a: 0.5, b: 0.04 },
    ]);
    expect(left.map((a) => a.message)).toEqual([
      expect.stringMatching(/entered: b$/),
      expect.stringMatching(/left: b$/),
    ]);
  });
});

/**
 * `label-outlier` alerts: one gaussian label that multiplies the labels' running sd raises one
 * alert at its event, with the sds a two-pass computation gives (standardized or not); a stream of
 * ordinary labels with heavy tails raises none; binomial models and `inputOutliers.enabled: false`
 * have none.
 */
import { describe, expect, it } from 'vitest';

import type { Alert } from '../../src/index.js';
import { engineAlerts } from '../helpers/engineAlerts.js';
import { Rng } from '../helpers/random.js';

interface Event {
  readonly label: number;
  readonly features: Record<string, number | string>;
}

/** Revenue-like labels (mean ~100, sd ~30, a lognormal tail); `outlier` replaces one label. */
function stream(n: number, seed: number, outlier: { at: number; label: number } | null): Event[] {
  const rng = new Rng(seed);
  return Array.from({ length: n }, (_, i) => {
    const charges = 50 + 20 * rng.normal();
    const label = i === outlier?.at ? outlier.label : 40 + 1.2 * charges + 10 * Math.exp(0.8 * rng.normal());
    return { label, features: { charges, plan: ['a', 'b', 'c'][i % 3]! } };
  });
}

const alertsOf = (events: readonly Event[], doc: Record<string, unknown>): Promise<Alert[]> =>
  engineAlerts(events, doc, 777);

/** Population sd of the first n labels. */
function labelSd(events: readonly Event[], n: number): number {
  const ys = events.slice(0, n).map((e) => e.label);
  const mean = ys.reduce((a, y) => a + y, 0) / n;
  return Math.sqrt(ys.reduce((a, y) => a + (y - mean) ** 2, 0) / n);
}

const gaussian = { model: { family: 'gaussian' }, refit: { enabled: false } };

describe('label-outlier alerts', () => {
  for (const standardize of [true, false])
    it(`one label of 1e5 among revenues of ~130: one alert at its event, with the labels' sd before and after (standardize ${standardize})`, async () => {
      const at = 1500;
      const events = stream(4000, 3, { at, label: 1e5 });
      const alerts = await alertsOf(events, { ...gaussian, model: { family: 'gaussian', standardize } });
      const outliers = alerts.filter((a) => a.type === 'label-outlier');
      expect(outliers).toHaveLength(1);
      const [alert] = outliers;
      expect(alert!.offset).toBe(at + 1);
      expect(alert!.severity).toBe('warning');
      const details = alert!.details as { value: number; sdBefore: number; sdAfter: number; growth: number };
      expect(details.value).toBe(1e5);
      expect(details.sdBefore).toBeCloseTo(labelSd(events, at), 6);
      expect(details.sdAfter).toBeCloseTo(labelSd(events, at + 1), 6);
      expect(details.growth).toBeGreaterThan(50);
      expect(alert!.message).toMatch(
        /^label outlier: label = 100000 multiplied the running sd of the labels \d+(\.\d+)?× \(\d+(\.\d+)? → \d+\); least squares/,
      );
    });

  it('ordinary labels with a lognormal tail: none', async () => {
    const alerts = await alertsOf(stream(20_000, 4, null), gaussian);
    expect(alerts.filter((a) => a.type === 'label-outlier')).toEqual([]);
  });

  it('before 100 labels, with inputOutliers off, or binomial: none', async () => {
    const early = stream(2000, 5, { at: 50, label: 1e5 });
    expect((await alertsOf(early, gaussian)).filter((a) => a.type === 'label-outlier')).toEqual([]);
    const late = stream(2000, 5, { at: 1000, label: 1e5 });
    const off = { ...gaussian, drift: { inputOutliers: { enabled: false } } };
    expect((await alertsOf(late, off)).filter((a) => a.type === 'label-outlier')).toEqual([]);
    const binary = late.map((e, i) => ({ ...e, label: i % 3 === 0 ? 1 : 0 }));
    const binomial = { model: { family: 'binomial' }, refit: { enabled: false } };
    expect((await alertsOf(binary, binomial)).filter((a) => a.type === 'label-outlier')).toEqual([]);
  });
});

/**
 * `input-outlier` alerts: one learned value that multiplies a feature's running sd (standardization
 * on) raises one alert at its event, with the sds a two-pass computation gives; a stream with
 * ordinary tails raises none; the switch and `standardize: false` turn it off; keyed models say
 * whose feature it was.
 */
import { describe, expect, it } from 'vitest';

import { ConfigError } from '../../src/core/errors.js';
import { checkEngineConfig, type Alert } from '../../src/index.js';
import { engineAlerts } from '../helpers/engineAlerts.js';
import { Rng } from '../helpers/random.js';

interface Event {
  readonly key?: string;
  readonly label: number;
  readonly features: Record<string, number | string>;
}

function stream(n: number, seed: number, outlierAt: number | null): Event[] {
  const rng = new Rng(seed);
  return Array.from({ length: n }, (_, i) => {
    const tenure = i === outlierAt ? 999_999 : Math.round(30 + 20 * rng.normal());
    const spend = -Math.log(1 - rng.next()) * 50; // exponential tail
    const z = -1 + 0.05 * (tenure - 30) + 0.01 * spend;
    const label = rng.next() < 1 / (1 + Math.exp(-z)) ? 1 : 0;
    return {
      key: i % 2 === 0 ? 'c1' : 'c2',
      label,
      features: { tenure, spend, plan: ['a', 'b', 'c'][i % 3]! },
    };
  });
}

const alertsOf = (events: readonly Event[], doc: Record<string, unknown>): Promise<Alert[]> =>
  engineAlerts(events, doc, 1234);

/** Population sd of a feature over the first n events (absent counts as 0). */
function sdOver(events: readonly Event[], n: number, name: string): number {
  const xs = events.slice(0, n).map((e) => Number(e.features[name] ?? 0));
  const mean = xs.reduce((a, x) => a + x, 0) / n;
  return Math.sqrt(xs.reduce((a, x) => a + (x - mean) ** 2, 0) / n);
}

describe('input-outlier alerts', () => {
  const binomial = { model: { family: 'binomial' }, refit: { enabled: false } };

  it('one alert at the outlier’s event, with its sd before and after (two-pass), and none on ordinary tails', async () => {
    const events = stream(4000, 5, 2500);
    const outliers = (await alertsOf(events, binomial)).filter((a) => a.type === 'input-outlier');
    expect(outliers).toHaveLength(1);
    const a = outliers[0]!;
    expect(a.offset).toBe(2501);
    expect(a.key).toBe('default');
    expect(a.severity).toBe('warning');
    const d = a.details as {
      feature: string;
      value: number;
      sdBefore: number;
      sdAfter: number;
      growth: number;
    };
    expect(d.feature).toBe('tenure');
    expect(d.value).toBe(999_999);
    expect(d.sdBefore / sdOver(events, 2500, 'tenure')).toBeCloseTo(1, 10);
    expect(d.sdAfter / sdOver(events, 2501, 'tenure')).toBeCloseTo(1, 10);
    expect(d.growth).toBeGreaterThan(100);
    expect(a.message).toContain('tenure = 999999');

    const quiet = await alertsOf(stream(4000, 5, null), binomial);
    expect(quiet.filter((x) => x.type === 'input-outlier')).toEqual([]);
  });

  it('is off with drift.inputOutliers.enabled false, with drift off, and without standardization', async () => {
    const events = stream(3000, 6, 2000);
    const off = [
      { ...binomial, drift: { inputOutliers: { enabled: false } } },
      { ...binomial, drift: { enabled: false } },
      { ...binomial, model: { family: 'binomial', standardize: false } },
    ];
    for (const doc of off)
      expect((await alertsOf(events, doc)).filter((a) => a.type === 'input-outlier')).toEqual([]);
    // and on with a lower bar: a smaller jump is reported once the growth asked for is smaller
    const small = stream(3000, 6, null).map((e, i) =>
      i === 2000 ? { ...e, features: { ...e.features, tenure: 1500 } } : e,
    );
    const at = (growth: number) =>
      alertsOf(small, { ...binomial, drift: { inputOutliers: { sdGrowth: growth } } }).then((as) =>
        as.filter((a) => a.type === 'input-outlier'),
      );
    expect(await at(2)).toEqual([]);
    expect((await at(1.5)).map((a) => a.offset)).toEqual([2001]);
  });

  it('a change of unit (a field sent ×100 from some event on) is one alert naming the field', async () => {
    // ratio in [−1, 1) (sd 0.58): after 12,000 events no single value ×100 doubles its sd, a few together do
    const rng = new Rng(8);
    const events: Event[] = stream(14_000, 8, null).map((e, i) => {
      const ratio = 2 * rng.next() - 1;
      return { ...e, features: { ...e.features, ratio: i >= 12_000 ? 100 * ratio : ratio } };
    });
    const alerts = await alertsOf(events, binomial);
    const outliers = alerts.filter((a) => a.type === 'input-outlier');
    expect(outliers).toHaveLength(1);
    const a = outliers[0]!;
    const d = a.details as { feature: string; events: number; growth: number; sdBefore: number };
    expect(d.feature).toBe('ratio');
    expect(a.message).toContain('the running sd of ratio grew');
    expect(a.offset).toBeGreaterThan(12_000);
    expect(a.offset).toBeLessThan(12_020);
    expect(d.events).toBeGreaterThan(1);
    expect(d.growth).toBeGreaterThanOrEqual(2);
    // its sd at the last crossing of a multiple of minEvents (100) present events: event 12,000
    expect(d.sdBefore / sdOver(events, 12_000, 'ratio')).toBeCloseTo(1, 10);
    const unchanged = stream(14_000, 8, null).map((e) => ({
      ...e,
      features: { ...e.features, ratio: 2 * rng.next() - 1 },
    }));
    expect((await alertsOf(unchanged, binomial)).filter((x) => x.type === 'input-outlier')).toEqual([]);
  });

  it('names the model key of a keyed model', async () => {
    const events = stream(4000, 7, 3001);
    const alerts = await alertsOf(events, { ...binomial, model: { family: 'binomial', keyBy: 'key' } });
    const outliers = alerts.filter((a) => a.type === 'input-outlier');
    expect(outliers.map((a) => [a.key, a.offset])).toEqual([['c2', 1501]]);
  });

  it('refuses a growth of 1 or less and a minimum of 0 events, naming both', () => {
    let error: unknown;
    try {
      checkEngineConfig({ ...binomial, drift: { inputOutliers: { sdGrowth: 1, minEvents: 0 } } });
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(ConfigError);
    const text = String((error as Error).message);
    expect(text).toContain('drift.inputOutliers.sdGrowth');
    expect(text).toContain('drift.inputOutliers.minEvents');
  });
});

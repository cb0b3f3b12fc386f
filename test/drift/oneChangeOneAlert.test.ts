/**
 * Loss and label-rate alerts found by an analyst's trial: one change of the label rate (0.45 to 0.50)
 * raised three alerts, the last 24,000 events after it (a test whose sibling had found the change
 * kept its old baseline and found it again); the level reported after a change was a 64-event moving
 * average ("rose to 0.6603" where the rate was 0.5), so severities followed noise; and one event's
 * log loss of 36 raised a `critical` loss-drift alert on its own.
 */
import { describe, expect, it } from 'vitest';

import { Mulberry32 } from '../../bench/drift/streams.js';
import { Adwin, DriftMonitor, GuardedDetector, PageHinkley } from '../../src/drift/index.js';
import type { Alert } from '../../src/model/snapshot.js';
import { feed, fixedClock, type SyntheticEvent } from './helpers.js';

/**
 * Labels with rate `before`, then `after` from event `at`; losses uniform on [0.4, 0.8], drawn
 * apart from the labels (so that only the label rate changes).
 */
function rateChange(seed: number, n: number, at: number, before: number, after: number): SyntheticEvent[] {
  const rng = new Mulberry32(seed);
  return Array.from({ length: n }, (_, i) => {
    const label = rng.next() < (i < at ? before : after) ? 1 : 0;
    return { label, loss: 0.4 + 0.4 * rng.next(), features: [] };
  });
}

const lossAlerts = (alerts: Alert[]) => alerts.filter((a) => a.type === 'loss-drift');

describe('loss and label-rate drift: one change, one alert, its size from the values after it', () => {
  it.each([1, 2, 3])('a label rate from 0.45 to 0.50 (seed %i): one alert, reporting about 0.50', (seed) => {
    const events = rateChange(seed, 100_000, 50_000, 0.45, 0.5);
    const run = (size: number) => {
      const monitor = new DriftMonitor({ clock: fixedClock, family: 'binomial' });
      return lossAlerts(feed(events, size, (b) => monitor.onBatch(b)));
    };
    const alerts = run(1024);
    expect(alerts.length).toBe(1);
    const [alert] = alerts;
    expect(alert.offset).toBeGreaterThan(50_000);
    expect(alert.details.signal).toBe('label-rate');
    expect(alert.message).toMatch(/^label rate rose from /);
    // the level since the change (the true 0.50 within the noise of a few thousand events)
    expect(Math.abs((alert.details.recentMean as number) - 0.5)).toBeLessThan(0.02);
    expect(alert.severity).not.toBe('critical');
    // the same alert whatever the batching (a test restarted by its sibling's detection mid-batch)
    expect(run(1)).toEqual(alerts);
  });

  it('one event with a log loss of 36 raises no loss-drift alert; a lasting rise still does, at once', () => {
    const events = rateChange(4, 30_000, Infinity, 0.3, 0.3);
    const spike = events.map((e, i) => (i === 15_000 ? { ...e, loss: 36 } : e));
    const monitor = new DriftMonitor({ clock: fixedClock, family: 'binomial' });
    expect(lossAlerts(feed(spike, 1000, (b) => monitor.onBatch(b)))).toEqual([]);
    // the loss doubled from event 15,000 on: critical, within a few hundred events
    const rise = events.map((e, i) => (i >= 15_000 ? { ...e, loss: 2 * e.loss } : e));
    const again = new DriftMonitor({ clock: fixedClock, family: 'binomial' });
    const found = lossAlerts(feed(rise, 1000, (b) => again.onBatch(b)));
    expect(found.length).toBeGreaterThan(0);
    expect(found[0].offset).toBeGreaterThan(15_000);
    expect(found[0].offset).toBeLessThan(15_500);
    expect(found[0].severity, JSON.stringify(found[0])).toBe('critical');
  });
});

describe('clipped tests, unclipped levels (two reviews)', () => {
  it('a stationary label rate of 0.1 %, and one 1 after a warm-up of 0s: no alert (unclipped, critical ones)', () => {
    const rare = rateChange(11, 300_000, Infinity, 0.001, 0.001);
    const monitor = new DriftMonitor({ clock: fixedClock, family: 'binomial' });
    expect(lossAlerts(feed(rare, 1000, (b) => monitor.onBatch(b)))).toEqual([]);
    const single = rateChange(12, 10_000, Infinity, 0, 0).map((e, i) =>
      i === 5000 ? { ...e, label: 1 } : e,
    );
    const again = new DriftMonitor({ clock: fixedClock, family: 'binomial' });
    expect(lossAlerts(feed(single, 1000, (b) => again.onBatch(b)))).toEqual([]);
  });

  it('ADWIN reports the level of the values unclipped (a fourfold loss was "rose to 0.546", info)', () => {
    const rng = new Mulberry32(6);
    const d = new GuardedDetector('adwin', { warmup: 2000, clip: 8, adwin: { delta: 1e-4 } });
    let report = null;
    for (let i = 0; i < 20_000 && report === null; i++) {
      d.update((i < 10_000 ? 0.5 : 2) + 0.02 * (rng.next() - 0.5));
      if (d.driftDetected && i >= 10_000) report = d.report;
    }
    expect(report).not.toBeNull();
    expect(report!.recentMean).toBeGreaterThan(0.8);
    expect(report!.severity).toBe('critical');
  });

  it('a loss of 0.5 ± 0.01 that becomes 2.0: critical, reported near 2 (the clip capped it at 0.58)', () => {
    const rng = new Mulberry32(6);
    const events = Array.from({ length: 20_000 }, (_, i) => ({
      label: rng.next() < 0.5 ? 1 : 0,
      loss: (i < 10_000 ? 0.5 : 2) + 0.02 * (rng.next() - 0.5),
      features: [],
    }));
    const monitor = new DriftMonitor({ clock: fixedClock, family: 'gaussian' });
    const [first] = lossAlerts(feed(events, 1000, (b) => monitor.onBatch(b)));
    expect(first!.severity).toBe('critical');
    expect(first!.details.recentMean as number).toBeGreaterThan(1.9);
  });

  it('a label rate from 0.5 % to 5 %: critical, its level not capped (labels are not clipped: every 1 was an outlier)', () => {
    const events = rateChange(2, 60_000, 30_000, 0.005, 0.05);
    const monitor = new DriftMonitor({ clock: fixedClock, family: 'binomial' });
    const found = lossAlerts(feed(events, 1000, (b) => monitor.onBatch(b)));
    const after = found.find((a) => a.offset > 30_000 && a.details.signal === 'label-rate')!;
    expect(after.severity).toBe('critical');
    // found 48 events after the change, on a window of about 50 (5 ones): 0.10, not capped (0.0122)
    expect(after.details.recentMean as number).toBeGreaterThan(0.03);
    expect(after.details.recentMean as number).toBeLessThan(0.15);
  });

  it('the state after a batch is the state after its events one by one (a test run past a detection kept its own report)', () => {
    const events = rateChange(3, 100_000, 50_000, 0.45, 0.5).map((e, i) =>
      i >= 70_000 ? { ...e, loss: e.loss + 0.3 } : e,
    );
    const stateAfter = (size: number) => {
      const monitor = new DriftMonitor({ clock: fixedClock, family: 'binomial' });
      feed(events, size, (b) => monitor.onBatch(b));
      return monitor.state().losses;
    };
    expect(stateAfter(4096)).toEqual(stateAfter(1));
    // and in the middle of the cool-down the restart began (its test had run past it)
    const upTo = (size: number) => {
      const monitor = new DriftMonitor({ clock: fixedClock, family: 'binomial' });
      feed(events.slice(0, 53_248), size, (b) => monitor.onBatch(b));
      return monitor.state().losses;
    };
    expect(upTo(4096)).toEqual(upTo(1));
  });
});

describe('the mean since the change the tests point to', () => {
  it('Page-Hinkley: the mean of the values since its statistic was last calm (a tenth of its threshold)', () => {
    // noise of sd 1, then a jump of 5 sd at value 20,000: found within tens of values; the last time
    // the statistic was 0 (CUSUM's estimate) was 280 values before the jump with this seed, and the
    // mean since then said 0.46 for a level of 5
    const ph = new PageHinkley({ threshold: 100, delta: 0.1, alpha: 1, minInstances: 30 });
    const rng = new Mulberry32(4);
    const normal = () => Math.sqrt(-2 * Math.log(1 - rng.next())) * Math.cos(2 * Math.PI * rng.next());
    let at = -1;
    for (let i = 0; i < 30_000 && at < 0; i++) {
      ph.update((i >= 20_000 ? 5 : 0) + normal());
      if (ph.driftDetected) at = i;
    }
    expect(at).toBeGreaterThanOrEqual(20_000);
    expect(at).toBeLessThan(20_050);
    expect(ph.countSinceChange).toBeLessThanOrEqual(at - 19_999 + 3);
    expect(ph.countSinceChange).toBeGreaterThan(0);
    expect(ph.meanSinceChange).toBeGreaterThan(4);
    expect(ph.meanSinceChange).toBeLessThan(6);
  });

  it('ADWIN: the newer part of its window at its most significant split', () => {
    const adwin = new Adwin({ delta: 0.002 });
    const rng = new Mulberry32(9);
    let found = false;
    for (let i = 0; i < 20_000 && !found; i++) {
      adwin.update((i < 10_000 ? 0.2 : 0.6) + 0.1 * (rng.next() - 0.5));
      found = adwin.driftDetected && i >= 10_000;
    }
    expect(found).toBe(true);
    expect(adwin.meanSinceChange()).toBeCloseTo(0.6, 1);
    expect(adwin.countSinceChange).toBeGreaterThan(0);
    expect(adwin.countSinceChange).toBeLessThan(adwin.width);
  });
});
